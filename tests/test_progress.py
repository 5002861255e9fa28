"""rag.progress.ingest_progress_bar: a callback drawing a tqdm bar on stderr (never stdout) that follows
(done, total, name) calls, shows the tail of long names and clears itself when done."""

from __future__ import annotations

from rag.progress import ingest_progress_bar


def test_the_bar_follows_the_calls_on_stderr_only(capsys):
    update = ingest_progress_bar("ingest")
    update(0, 3, "")
    update(1, 3, "a.txt")
    out, err = capsys.readouterr()
    assert out == ""
    assert "ingest:" in err and "0/3" in err and "1/3" in err and "a.txt" in err
    assert "3/3" not in err
    update(3, 3, "c.txt")  # files may be reported done out of step: the bar jumps
    out, err = capsys.readouterr()
    assert out == ""
    assert "3/3" in err and "c.txt" in err and "2/3" not in err


def test_a_long_name_shows_only_its_last_40_characters(capsys):
    name = "folder/" + "x" * 50 + "/article.txt"
    update = ingest_progress_bar("ingest")
    update(0, 2, "")
    update(1, 2, name)
    err = capsys.readouterr().err
    assert name[-40:] in err
    assert name[-41:] not in err


def test_the_finished_bar_clears_its_line(capsys):
    update = ingest_progress_bar("ingest")
    update(0, 1, "")
    update(1, 1, "a.txt")
    err = capsys.readouterr().err
    last = err.rsplit("\r", 2)[-2]  # what was written last before the final carriage return
    assert last.strip() == ""  # the bar's line is blanked (leave=False)


def test_an_empty_ingest_closes_at_once(capsys):
    update = ingest_progress_bar("ingest")
    update(0, 0, "")
    err = capsys.readouterr().err
    assert "ingest:" in err
    assert err.rsplit("\r", 2)[-2].strip() == ""


def test_each_callback_has_its_own_bar(capsys):
    first, second = ingest_progress_bar("first"), ingest_progress_bar("second")
    first(0, 2, "")
    second(0, 5, "")
    first(1, 2, "a.txt")
    err = capsys.readouterr().err
    assert "first:" in err and "1/2" in err and "second:" in err and "0/5" in err
