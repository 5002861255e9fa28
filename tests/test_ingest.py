"""rag.ingest.ingest called directly on a real Index (tests/conftest.py `make_engine`): the progress
callback counts skipped, failed and written files; changed files are committed in groups of about
`batch_chars`; the report counts added, updated, removed and unchanged files; `paths` never removes
deleted files; a missing corpus is a CorpusNotFound."""

from __future__ import annotations

import pytest

from rag.errors import CorpusNotFound, NewsragError
from rag.ingest import ingest

A = "Blinken met Lavrov in Geneva on Friday. The meeting lasted two hours."
B = "Russia has deployed about 100,000 troops near the border with Ukraine."
C = "Washington announced 200 million dollars of aid for Ukraine."
D = "Germany said Nord Stream 2 would not go ahead if Russia invaded."


def _spy_groups(monkeypatch, index) -> list[list[str]]:
    """Record the files of every group that ingest hands to Index.sync_files."""
    groups: list[list[str]] = []
    sync = index.sync_files

    def spy(files):
        groups.append([name for name, _, _ in files])
        return sync(files)

    monkeypatch.setattr(index, "sync_files", spy)
    return groups


def test_progress_counts_skipped_failed_and_written_files(make_engine):
    engine = make_engine({"a.txt": A, "b.txt": B, "c.txt": C})
    index, corpus = engine.index, engine.settings.corpus
    ingest(index, corpus)
    (corpus / "a.txt").write_text(A + " It was cold.")  # changed: written
    (corpus / "empty.txt").write_bytes(b"")  # failed
    calls, committed = [], []

    def progress(done, total, name):
        calls.append((done, total, name))
        committed.append(name in index.catalog.file_hashes())

    report = ingest(index, corpus, progress=progress)
    assert (report.updated, report.unchanged, [path for path, _ in report.errors]) == (1, 2, ["empty.txt"])
    assert calls[0] == (0, 4, "")
    assert [done for done, _, _ in calls] == [0, 1, 2, 3, 4]  # ends at (4, 4, name)
    assert {total for _, total, _ in calls} == {4}
    assert sorted(name for _, _, name in calls[1:]) == ["a.txt", "b.txt", "c.txt", "empty.txt"]
    # a written file is done once it is committed, not when it is read
    assert committed[[name for _, _, name in calls].index("a.txt")]


def test_progress_of_an_empty_corpus_is_one_call(make_engine):
    engine = make_engine({})
    calls = []
    report = ingest(engine.index, engine.settings.corpus, progress=lambda *a: calls.append(a))
    assert calls == [(0, 0, "")]
    assert (report.added, report.chunks, report.errors) == (0, 0, [])


def test_small_batches_commit_several_groups_and_the_report_counts_each_change(make_engine, monkeypatch):
    engine = make_engine({"a.txt": A, "b.txt": B, "c.txt": C})
    index, corpus = engine.index, engine.settings.corpus
    groups = _spy_groups(monkeypatch, index)

    first = ingest(index, corpus, batch_chars=len(A) + 1)  # a alone is short of it, a + b reach it
    assert groups == [["a.txt", "b.txt"], ["c.txt"]]
    assert (first.added, first.updated, first.removed, first.unchanged, first.errors) == (3, 0, 0, 0, [])
    assert first.chunks == 3 == index.count()  # one chunk per short article
    assert first.seconds > 0

    groups.clear()
    (corpus / "b.txt").write_text(B.replace("100,000", "130,000"))
    (corpus / "c.txt").unlink()
    (corpus / "d.txt").write_text(D)
    second = ingest(index, corpus, batch_chars=1)  # every file its own group
    assert groups == [["b.txt"], ["d.txt"]]
    assert (second.added, second.updated, second.removed, second.unchanged, second.errors) == (1, 1, 1, 1, [])
    assert second.chunks == 2
    assert set(index.catalog.file_hashes()) == {"a.txt", "b.txt", "d.txt"}
    assert {row["file"] for row in index.vectors.rows().values()} == {"a.txt", "b.txt", "d.txt"}
    assert {row["source"] for row in index.bm25_rows()} == {"a.txt", "b.txt", "d.txt"}
    assert "130,000" in index.article("b.txt")


def test_an_unchanged_corpus_writes_nothing(make_engine, monkeypatch):
    engine = make_engine({"a.txt": A, "b.txt": B})
    ingest(engine.index, engine.settings.corpus)
    groups = _spy_groups(monkeypatch, engine.index)
    report = ingest(engine.index, engine.settings.corpus)
    assert groups == []
    assert (report.added, report.updated, report.removed, report.unchanged, report.chunks) == (0, 0, 0, 2, 0)


def test_a_missing_corpus_is_corpus_not_found(make_engine, tmp_path):
    engine = make_engine({})
    missing = tmp_path / "no such folder"
    with pytest.raises(CorpusNotFound, match="does not exist") as caught:
        ingest(engine.index, missing)
    assert isinstance(caught.value, NewsragError) and isinstance(caught.value, FileNotFoundError)
    assert str(missing) in str(caught.value)


def test_with_paths_deleted_files_are_not_removed(make_engine):
    engine = make_engine({"a.txt": A, "b.txt": B, "c.txt": C})
    index, corpus = engine.index, engine.settings.corpus
    ingest(index, corpus)
    c_ids = index.vectors.ids("c.txt")
    (corpus / "c.txt").unlink()
    (corpus / "a.txt").write_text(A + " It was cold.")
    calls = []
    report = ingest(index, corpus, [corpus / "a.txt"], progress=lambda *a: calls.append(a))
    assert (report.updated, report.removed, report.unchanged) == (1, 0, 0)
    assert calls == [(0, 1, ""), (1, 1, "a.txt")]  # only the given file is looked at
    assert "c.txt" in index.catalog.file_hashes()
    assert index.vectors.ids("c.txt") == c_ids and c_ids
    assert index.article("a.txt").endswith("It was cold.")

    full = ingest(index, corpus)
    assert (full.removed, full.unchanged) == (1, 2)
    assert "c.txt" not in index.catalog.file_hashes() and index.vectors.ids("c.txt") == set()


def test_an_unreadable_file_is_reported_and_leaves_its_indexed_version(make_engine):
    engine = make_engine({"a.txt": A, "b.txt": B})
    index, corpus = engine.index, engine.settings.corpus
    ingest(index, corpus)
    ids = index.vectors.ids("a.txt")
    (corpus / "a.txt").write_bytes(b"\xff\xfeB\x00l\x00")  # UTF-16
    report = ingest(index, corpus)
    assert report.errors == [("a.txt", "not UTF-8 text: UTF-16 (save it as UTF-8)")]
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 1)
    assert index.article("a.txt") == A
    assert index.vectors.ids("a.txt") == ids


def test_links_that_loop_or_lead_outside_the_corpus_are_skipped_and_reported(make_engine, tmp_path):
    secret = tmp_path / "elsewhere" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash The launch code is 0000.")
    engine = make_engine({"a.txt": A, "b.txt": B})
    corpus = engine.settings.corpus
    (corpus / "pw.txt").symlink_to(secret)
    (corpus / "x.txt").symlink_to("y.txt")
    (corpus / "y.txt").symlink_to("x.txt")
    report = ingest(engine.index, corpus)
    assert report.added == 2
    reasons = dict(report.errors)
    assert set(reasons) == {"pw.txt", "x.txt", "y.txt"}
    assert "outside the corpus folder" in reasons["pw.txt"] and "symlink loop" in reasons["x.txt"]
    assert "pw.txt" not in engine.index.catalog.file_hashes()
    assert all(p.source != "pw.txt" for p in engine.retrieve("What is the launch code?", k=5))
    allowed = ingest(engine.index, corpus, follow_outside_links=True)
    assert allowed.added == 1 and "pw.txt" not in dict(allowed.errors)
    assert engine.article("pw.txt").endswith("The launch code is 0000.")


def test_exact_duplicate_texts_are_reported_and_both_files_kept(make_engine):
    story = A + "\n\n" + B
    engine = make_engine({"ap/story.txt": story + "\nSource: AP\n", "reuters/story.txt": story + "\nSource: Reuters\n",
                          "c.txt": C})
    index, corpus = engine.index, engine.settings.corpus
    report = ingest(index, corpus)
    assert report.added == 3 and report.duplicates == [("reuters/story.txt", "ap/story.txt")]
    assert {"ap/story.txt", "reuters/story.txt"} <= set(index.catalog.file_hashes())
    assert ingest(index, corpus).duplicates == []  # nothing written, nothing to report
    (corpus / "copy.jsonl").write_text('{"text": "' + C + '"}\n')
    assert ingest(index, corpus).duplicates == [("copy.jsonl#1", "c.txt")]


def test_a_metadata_only_change_reaches_both_stores(make_engine):
    engine = make_engine({"a.txt": A + "\nSource: AP\n"})
    index, corpus = engine.index, engine.settings.corpus
    ingest(index, corpus)
    (corpus / "a.txt").write_text(A + "\nSource: Reuters\n")
    assert ingest(index, corpus).updated == 1
    assert index.catalog.article("a.txt").meta["outlet"] == "Reuters"
    assert {row["outlet"] for row in index.bm25_rows()} == {"Reuters"}
    assert {row["outlet"] for row in index.vectors.rows().values()} == {"Reuters"}
