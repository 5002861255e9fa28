"""Incremental sync against a real Chroma on disk and the persisted BM25 index."""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.paths import ROOT


def _bm25_sources(engine):
    return {row["source"] for row in engine.index.bm25_rows()}


def _chroma_sources(engine):
    return {row["source"] for row in engine.index.vectors.rows().values()}


ARTICLES = {
    "a.txt": "Blinken met Lavrov in Geneva on Friday. The meeting lasted two hours.",
    "b.txt": "Russia has deployed about 100,000 troops near the border with Ukraine.",
    "c.md": "# Aid\n\nWashington announced 200 million dollars of aid for Ukraine.",
}


def test_reingest_of_unchanged_corpus_changes_nothing(make_engine):
    engine = make_engine(ARTICLES)
    first = engine.ingest()
    assert (first.added, first.updated, first.removed, first.errors) == (3, 0, 0, [])
    ids_before = engine.index.vectors.ids()
    again = engine.ingest()
    assert (again.added, again.updated, again.removed, again.unchanged, again.chunks) == (0, 0, 0, 3, 0)
    assert engine.index.vectors.ids() == ids_before


def test_editing_one_file_reindexes_only_that_file(make_engine):
    engine = make_engine(ARTICLES)
    engine.ingest()
    other_ids = {m_id for m_id, m in zip(*_ids_and_meta(engine)) if m["source"] != "b.txt"}
    (engine.settings.corpus / "b.txt").write_text("Russia has deployed 130,000 troops, officials said.")
    report = engine.ingest()
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 0, 2)
    ids, metas = _ids_and_meta(engine)
    assert {i for i, m in zip(ids, metas) if m["source"] != "b.txt"} == other_ids
    assert engine.article("b.txt").startswith("Russia has deployed 130,000")
    passages = engine.retrieve("How many troops has Russia deployed?", k=1)
    assert passages[0].source == "b.txt" and "130,000" in passages[0].text
    assert all("100,000" not in p.text for p in engine.retrieve("100,000 troops", k=3))


def _ids_and_meta(engine):
    rows = engine.index.vectors.rows()
    return list(rows), list(rows.values())


def test_deleting_a_file_removes_it_from_chroma_and_bm25(make_engine):
    engine = make_engine(ARTICLES)
    engine.ingest()
    assert "b.txt" in _chroma_sources(engine) and "b.txt" in _bm25_sources(engine)
    (engine.settings.corpus / "b.txt").unlink()
    report = engine.ingest()
    assert report.removed == 1
    assert "b.txt" not in _chroma_sources(engine)
    assert "b.txt" not in _bm25_sources(engine)
    assert all(p.source != "b.txt" for p in engine.retrieve("troops border Ukraine", k=5))


def test_bad_files_are_reported_and_nothing_indexed_is_lost(make_engine):
    engine = make_engine(ARTICLES)
    engine.ingest()
    corpus = engine.settings.corpus
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00")
    (corpus / "latin1.txt").write_bytes("Genève à côté".encode("latin-1"))
    (corpus / "a.txt").write_bytes(b"\xff\xfe\x00broken now")  # an indexed file turns unreadable
    report = engine.ingest()
    reasons = dict(report.errors)
    assert set(reasons) == {"empty.txt", "binary.txt", "latin1.txt", "a.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"] and "UTF-8" in reasons["latin1.txt"]
    # The old a.txt stays searchable until a readable version replaces it.
    assert engine.article("a.txt").startswith("Blinken met Lavrov")
    assert engine.retrieve("Where did Blinken meet Lavrov?", k=1)[0].source == "a.txt"


KILL_SCRIPT = """
import sys, time
from rag.engine import Engine
engine = Engine.open(corpus=sys.argv[1], index=sys.argv[2])
print("ready", flush=True)
engine.ingest(progress=lambda done, total, name: print("file", done, flush=True))
"""


def test_a_killed_ingest_is_repaired_by_the_next_one(make_engine, tmp_path):
    files = {f"n{i:03}.txt": f"Article {i} says Blinken met Lavrov {i} times. " * 40 for i in range(60)}
    engine = make_engine(files)
    corpus, index = engine.settings.corpus, engine.settings.index
    engine.close()
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(corpus), str(index)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "RAG_INGEST_BATCH_CHARS": "5000"})  # commit every 3 files
    for line in proc.stdout:  # kill it once some files are committed and others are not
        if line.startswith("file") and int(line.split()[1]) >= 8:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    survivor = make_engine()  # same corpus and index folders
    report = survivor.ingest()
    assert report.errors == []
    assert report.added + report.unchanged == 60 and report.added > 0 and report.unchanged > 0
    catalog_ids = set().union(*survivor.index.catalog.chunk_ids_by_file().values())
    assert survivor.index.vectors.ids() == catalog_ids
    assert {row["id"] for row in survivor.index.bm25_rows()} == catalog_ids
    again = survivor.ingest()
    assert (again.added, again.updated, again.unchanged) == (0, 0, 60)


def test_vectors_missing_from_chroma_are_rebuilt(make_engine):
    engine = make_engine(ARTICLES)
    engine.ingest()
    engine.index.vectors.delete_file("a.txt")  # e.g. a wiped or restored Chroma
    report = engine.ingest()
    assert report.updated == 1 and report.chunks >= 1
    assert "a.txt" in _chroma_sources(engine)


def test_an_index_built_with_other_chunking_is_flagged_then_rebuilt(make_engine):
    import pytest

    from rag.errors import IndexNotReady

    engine = make_engine(ARTICLES)
    engine.ingest()
    engine.close()
    resized = make_engine(chunk_chars=120)  # same folders, other chunk size
    with pytest.raises(IndexNotReady, match="rag ingest"):
        resized.retrieve("Blinken")
    report = resized.ingest()
    assert (report.added, report.unchanged) == (3, 0)
    assert all(len(c.text) <= 120 for c, _ in resized.index.catalog.chunks())
    assert resized.retrieve("Where did Blinken meet Lavrov?", k=1)[0].source == "a.txt"


def test_a_second_engine_on_the_same_index_sees_the_firsts_changes(make_engine):
    writer = make_engine(ARTICLES)
    writer.ingest()
    reader = make_engine()  # same folders
    assert "b.txt" in _bm25_sources(reader)
    (writer.settings.corpus / "b.txt").unlink()
    writer.ingest()  # rebuilds BM25 on disk; the reader's loaded copy is now stale
    assert "b.txt" not in _bm25_sources(reader)


# --- large files: bounded pieces, resumable -------------------------------------------------------


def _long_article(sentences: int) -> str:
    # With chunk_chars=100 every sentence (~90 characters) is a chunk of its own.
    return "\n\n".join(f"Report {i} says the delegation number {i} met officials in Geneva for talks on day {i}."
                       for i in range(sentences))


def _spy_embed(monkeypatch, engine) -> list[int]:
    sizes: list[int] = []
    embed = engine.index.embedder.embed

    def spy(texts):
        sizes.append(len(texts))
        return embed(texts)

    monkeypatch.setattr(engine.index.embedder, "embed", spy)
    return sizes


def test_a_file_of_more_chunks_than_chromas_max_batch_is_embedded_and_written_in_pieces(make_engine, monkeypatch):
    import rag.index
    from rag.stores import VectorStore

    monkeypatch.setattr(VectorStore, "max_batch", property(lambda self: 7))  # Chroma's is ~5,461
    monkeypatch.setattr(rag.index, "EMBED_PIECE", 10, raising=False)
    engine = make_engine({"big.txt": _long_article(45), "small.txt": ARTICLES["a.txt"]}, chunk_chars=100)
    upserts: list[int] = []
    collection = engine.index.vectors._collection
    upsert = collection.upsert
    monkeypatch.setattr(collection, "upsert", lambda **kw: (upserts.append(len(kw["ids"])), upsert(**kw))[1])
    embedded = _spy_embed(monkeypatch, engine)
    report = engine.ingest()
    assert report.errors == [] and report.added == 2 and report.chunks == 46
    assert max(embedded) <= 10 and sum(embedded) == 46  # memory stays flat: never the whole file at once
    assert max(upserts) <= 7
    catalog_ids = set().union(*engine.index.catalog.chunk_ids_by_file().values())
    assert engine.index.vectors.ids() == catalog_ids and len(catalog_ids) == 46
    assert engine.retrieve("delegation number 33", k=1)[0].text.startswith("Report 33 ")


class Killed(BaseException):
    """Stands for kill -9 in-process: nothing after it runs (no except clause catches it)."""


def test_an_interrupted_big_file_keeps_what_was_written_and_the_next_ingest_embeds_only_the_rest(make_engine, monkeypatch):
    import rag.index

    monkeypatch.setattr(rag.index, "EMBED_PIECE", 10, raising=False)
    engine = make_engine({"big.txt": _long_article(45)}, chunk_chars=100)
    inner = engine.index.embedder.embed
    calls = []

    def dies_on_the_fourth_piece(texts):
        calls.append(len(texts))
        if len(calls) == 4:
            raise Killed
        return inner(texts)

    monkeypatch.setattr(engine.index.embedder, "embed", dies_on_the_fourth_piece)
    with pytest.raises(Killed):
        engine.ingest()
    assert len(engine.index.vectors.ids("big.txt")) == 30  # three pieces written before the kill
    assert "big.txt" not in engine.index.catalog.file_hashes()  # the catalog commit stays the commit point
    assert engine.retrieve("delegation number 3", k=3) == []  # nothing the catalog does not vouch for
    monkeypatch.setattr(engine.index.embedder, "embed", inner)
    embedded = _spy_embed(monkeypatch, engine)
    report = engine.ingest()
    assert (report.added, report.chunks, sum(embedded)) == (1, 15, 15)  # only the rest
    catalog_ids = set().union(*engine.index.catalog.chunk_ids_by_file().values())
    assert engine.index.vectors.ids() == catalog_ids and len(catalog_ids) == 45
    assert {row["id"] for row in engine.index.bm25_rows()} == catalog_ids


def test_the_half_written_chunks_of_a_file_changed_or_deleted_meanwhile_are_removed(make_engine, monkeypatch):
    import rag.index

    monkeypatch.setattr(rag.index, "EMBED_PIECE", 10, raising=False)
    engine = make_engine({"big.txt": _long_article(45), "gone.txt": _long_article(25)}, chunk_chars=100)
    inner = engine.index.embedder.embed
    calls = []

    def dies_on_the_third_piece(texts):
        calls.append(len(texts))
        if len(calls) == 3:
            raise Killed
        return inner(texts)

    monkeypatch.setattr(engine.index.embedder, "embed", dies_on_the_third_piece)
    with pytest.raises(Killed):
        engine.ingest()
    monkeypatch.setattr(engine.index.embedder, "embed", inner)
    corpus = engine.settings.corpus
    (corpus / "big.txt").write_text(_long_article(12).replace("Geneva", "Vienna"))
    (corpus / "gone.txt").unlink()
    report = engine.ingest()
    assert (report.added, report.removed, report.errors) == (1, 0, [])
    catalog_ids = set().union(*engine.index.catalog.chunk_ids_by_file().values())
    assert engine.index.vectors.ids() == catalog_ids and len(catalog_ids) == 12
    assert {row["file"] for row in engine.index.vectors.rows().values()} == {"big.txt"}
    assert all("Vienna" in p.text for p in engine.retrieve("delegation met officials in Geneva", k=5))
