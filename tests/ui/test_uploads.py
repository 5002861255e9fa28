"""ui/uploads.py: untrusted names stay inside the corpus, nothing is overwritten, limits hold."""

from __future__ import annotations

import pytest

from ui.uploads import safe_name, save_uploads


@pytest.mark.parametrize(
    "given, expected",
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("/abs/path/a.html", "a.html"),
        (".hidden.txt", "hidden.txt"),
        ("..", "upload"),
        ("résumé du jour.TXT", "r_sum_du_jour.txt"),
        ("a;rm -rf *.jsonl", "a_rm_-rf.jsonl"),
        ("x.tx t", "x.txt"),
        ("noext", "noext"),
    ],
)
def test_safe_name(given, expected):
    assert safe_name(given) == expected


def test_saves_inside_corpus_without_overwriting(tmp_path):
    (tmp_path / "a.txt").write_text("old article")
    result = save_uploads([("../a.txt", b"new article"), ("sub/a.txt", b"old article")], tmp_path, 1000)
    assert [p.name for p in result.saved] == ["a-2.txt"]
    assert [p.name for p in result.reused] == ["a.txt"]  # identical content: nothing to write
    assert (tmp_path / "a.txt").read_text() == "old article"
    assert (tmp_path / "a-2.txt").read_text() == "new article"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-2.txt", "a.txt"]


def test_rejects_by_name_with_reason(tmp_path):
    result = save_uploads(
        [("big.txt", b"x" * 12), ("tool.exe", b"MZ"), ("blank.md", b"  \n"), ("ok.md", b"# Hi\n\nText.")],
        tmp_path, max_bytes=11,
    )
    reasons = dict(result.rejected)
    assert "too large" in reasons["big.txt"]
    assert "unsupported file type" in reasons["tool.exe"]
    assert "empty" in reasons["blank.md"]
    assert [p.name for p in result.saved] == ["ok.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.md"]


def test_files_on_disk_are_size_checked_before_reading(tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "big.txt").write_bytes(b"x" * 50)
    (incoming / "ok.txt").write_bytes(b"Fine article.")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = save_uploads([("big.txt", incoming / "big.txt"), ("ok.txt", incoming / "ok.txt")], corpus, 20)
    assert [name for name, _ in result.rejected] == ["big.txt"]
    assert (corpus / "ok.txt").read_bytes() == b"Fine article."
