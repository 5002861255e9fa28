"""Incremental sync against a real Chroma on disk and the persisted BM25 index."""

import json
import os
import signal
import subprocess
import sys

import pytest

from rag.errors import IndexNotReady
from tests.paths import ROOT, SHARED


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


def test_vector_search_returns_only_chunks_the_catalog_holds_at_their_place(make_engine):
    """Chroma keeps no texts: a passage's text is cut from the catalog's article, and a stored chunk
    is returned only if its id is the chunk id of that text there. A vector of an article's older
    version (same span, other text) or of a file the catalog never committed is dropped."""
    import numpy as np

    from rag.chunking import chunk_id
    from rag.schema import Chunk

    engine = make_engine(ARTICLES)
    engine.ingest()
    older = "Blinken met Lavrov in Geneva on Monday."  # a.txt once said Monday, at the same offsets
    assert ARTICLES["a.txt"][: len(older)] != older and len(ARTICLES["a.txt"].split(". ")[0]) + 1 == len(older)
    stale = Chunk("a.txt", 0, len(older), older, chunk_id("a.txt", 0, len(older), older), {})
    ghost = Chunk("z.txt", 0, 10, "Ghost text", chunk_id("z.txt", 0, 10, "Ghost text"), {})
    vector = engine.index.embedder.embed([older])[0]
    engine.index.vectors.add([stale, ghost], np.stack([vector, vector]), ["a.txt", "z.txt"])
    found = engine.index.vector_search(vector.tolist(), 10)
    assert found and {stale.id, ghost.id}.isdisjoint(p.id for p in found)
    assert all(p.text == engine.article(p.source)[p.start : p.end] for p in found)
    assert engine.retrieve("Blinken Lavrov Geneva Monday", k=1)[0].text == ARTICLES["a.txt"]


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
    writes: list[int] = []
    collection = engine.index.vectors._collection
    add = collection.add
    monkeypatch.setattr(collection, "add", lambda **kw: (writes.append(len(kw["ids"])), add(**kw))[1])
    embedded = _spy_embed(monkeypatch, engine)
    report = engine.ingest()
    assert report.errors == [] and report.added == 2 and report.chunks == 46
    assert max(embedded) <= 10 and sum(embedded) == 46  # memory stays flat: never the whole file at once
    assert max(writes) <= 7
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
    with pytest.raises(IndexNotReady):  # Chroma holds 30 chunks, but the catalog vouches for none yet
        engine.retrieve("delegation number 3", k=3)
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


# --- kill -9 at named points (rag.hooks) -----------------------------------------------------------

RAG = [sys.executable, "-m", "rag.cli"]
INGEST_SCRIPT = """
import sys
import rag.index
from rag.engine import Engine
rag.index.EMBED_PIECE = int(sys.argv[3])
report = Engine.open(corpus=sys.argv[1], index=sys.argv[2]).ingest()
print("done", report.added, report.updated, report.chunks, flush=True)
"""
RGB = SHARED / "benchmarks" / "rgb" / "en_fact.json"
PER_FILE = 25


def _rgb_passages(count: int = 300) -> list[str]:
    if not RGB.exists():
        pytest.skip(f"{RGB} is missing (RAG_SHARED_DIR)")
    rows = [json.loads(line) for line in RGB.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(dict.fromkeys(p for r in rows for p in r["positive"] + r["negative"] if p.strip()))[:count]


def _rgb_files(passages: list[str]) -> dict[str, str]:
    """The passages as JSON Lines files of PER_FILE articles each (every passage is one chunk)."""
    return {
        f"rgb{i // PER_FILE:02}.jsonl": "".join(json.dumps({"text": p}) + "\n" for p in passages[i : i + PER_FILE])
        for i in range(0, len(passages), PER_FILE)
    }


def _ingest_paused_at(corpus, index, point: str, piece: int = 256) -> subprocess.Popen:
    """An ingest in a new process, stopped at `point` (rag.hooks): it has printed that it is there."""
    proc = subprocess.Popen(
        [sys.executable, "-c", INGEST_SCRIPT, str(corpus), str(index), str(piece)], cwd=ROOT, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, "RAG_TEST_PAUSE_AT": point, "RAG_INGEST_BATCH_CHARS": "8000"},  # groups of ~2 files
    )
    for line in proc.stdout:
        if line.startswith("rag-test-paused-at"):
            return proc
    proc.wait(timeout=60)
    pytest.fail(f"the ingest ended (status {proc.returncode}) without reaching the point {point}")


def _kill_9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdin.close()
    proc.stdout.close()


def _consistent(engine) -> set[str]:
    catalog_ids = set().union(*engine.index.catalog.chunk_ids_by_file().values())
    assert engine.index.vectors.ids() == catalog_ids
    assert {row["id"] for row in engine.index.bm25_rows()} == catalog_ids
    return catalog_ids


def _reads_work_after_the_kill(engine, passages: list[str]) -> None:
    """`rag ask` (a new process) and Engine.retrieve/ask work, also on the passages that Chroma holds
    but the catalog does not vouch for, also with --source filters naming them."""
    index = engine.index
    vouched = set().union(*index.catalog.chunk_ids_by_file().values())
    rows = index.vectors.rows()
    unvouched = sorted({row["source"] for chunk_id, row in rows.items() if chunk_id not in vouched})
    committed = sorted({row["source"] for chunk_id, row in rows.items() if chunk_id in vouched})
    assert committed, "pick a point after at least one commit"
    targets = (unvouched or committed)[:1] + committed[:1]
    questions = []
    for source in targets:
        file, line = source.split("#")
        text = json.loads((engine.settings.corpus / file).read_text().splitlines()[int(line) - 1])["text"]
        questions.append(" ".join(text.split()[:12]))
    ask = subprocess.run(
        [*RAG, "--corpus", str(engine.settings.corpus), "--index", str(engine.settings.index), "ask",
         "--source", targets[0], "--source", targets[-1], questions[0]],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert ask.returncode == 0 and "Traceback" not in ask.stderr, ask.stderr
    for question in questions:
        for filters in (None, {"source": targets[0]}, {"source": targets}):
            for p in engine.retrieve(question, k=5, filters=filters):
                assert p.text == engine.article(p.source)[p.start : p.end]
        answer = engine.ask(question, filters={"source": targets})
        assert all(c.quote == engine.article(c.source)[c.start : c.end] for c in answer.citations)


@pytest.mark.parametrize("point, piece", [
    ("embed:5", 8),  # four pieces of 8 written: one file committed, the next one half written
    ("commit:3", 256),  # two files committed, the third one's chunks in Chroma but not in the catalog
    ("bm25", 256),  # every file committed, the old BM25 index moved aside, the new one not in place
])
def test_kill_9_during_a_first_ingest_loses_nothing_written_and_the_next_ingest_repairs(make_engine, point, piece):
    passages = _rgb_passages()
    engine = make_engine(_rgb_files(passages))
    corpus, index = engine.settings.corpus, engine.settings.index
    engine.close()
    _kill_9(_ingest_paused_at(corpus, index, point, piece))
    survivor = make_engine()  # same folders
    written = survivor.index.vectors.ids()
    _reads_work_after_the_kill(survivor, passages)
    report = survivor.ingest()
    assert report.errors == [] and report.added + report.unchanged == len(_rgb_files(passages))
    assert report.chunks == len(passages) - len(written)  # what was written before the kill is kept
    assert len(_consistent(survivor)) == len(passages)
    again = survivor.ingest()
    assert (again.added, again.updated, again.chunks) == (0, 0, 0)


@pytest.mark.parametrize("point", [
    "commit:2",  # the second changed file: its new chunks in Chroma, the catalog still has the old version
    "update:1",  # the first changed file committed, its replaced chunks still in Chroma
    "bm25",
])
def test_kill_9_during_an_update_of_changed_files_is_repaired(make_engine, point):
    passages = _rgb_passages()
    files = _rgb_files(passages)
    engine = make_engine(files)
    engine.ingest()
    corpus, index = engine.settings.corpus, engine.settings.index
    engine.close()
    changed = sorted(files)[2:5]
    for name in changed:  # every other article of three files gets a new last sentence
        lines = [json.loads(line) for line in files[name].splitlines()]
        for row in lines[::2]:
            row["text"] += " Officials later corrected the figures."
        (corpus / name).write_text("".join(json.dumps(row) + "\n" for row in lines))
    _kill_9(_ingest_paused_at(corpus, index, point))
    survivor = make_engine()
    _reads_work_after_the_kill(survivor, passages)
    report = survivor.ingest()
    assert report.errors == [] and report.updated + report.unchanged == len(files) and report.added == 0
    assert all("Officials later corrected" in survivor.article(f"{name}#1") for name in changed)
    assert len(_consistent(survivor)) == len(passages)
    again = survivor.ingest()
    assert (again.updated, again.chunks) == (0, 0)


# --- one process owns an embedded index (rag.lock) -------------------------------------------------

SERVE_SCRIPT = """
import json, sys
from rag.engine import Engine
engine = Engine.open(corpus=sys.argv[1], index=sys.argv[2])
print("ready", flush=True)
for line in sys.stdin:
    try:
        found = [[p.source, p.text] for p in engine.retrieve(line.strip(), k=3)]
    except Exception as error:
        found = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(found), flush=True)
"""


class _Serving:
    """A long-lived engine in another process (as `rag ui` is): it retrieves each line sent to it."""

    def __init__(self, corpus, index, env=None):
        self.proc = subprocess.Popen([sys.executable, "-c", SERVE_SCRIPT, str(corpus), str(index)], cwd=ROOT,
                                     text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        assert self.proc.stdout.readline() == "ready\n"

    def retrieve(self, question: str):
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


def _rag(engine_or_dirs, *args, env=None):
    corpus, index = engine_or_dirs
    return subprocess.run([*RAG, "--corpus", str(corpus), "--index", str(index), *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env=env)


def test_a_second_process_cannot_write_an_index_that_a_serving_engine_has_open(make_engine):
    engine = make_engine(ARTICLES)
    engine.ingest()
    dirs = (engine.settings.corpus, engine.settings.index)
    engine.close()
    serving = _Serving(*dirs)
    try:
        before = serving.retrieve("Where did Blinken meet Lavrov?")
        assert before[0][0] == "a.txt"
        corpus = dirs[0]
        (corpus / "a.txt").write_text("Blinken met Lavrov in Vienna on Monday, officials said.")
        (corpus / "b.txt").unlink()
        (corpus / "d.txt").write_text("Germany said Nord Stream 2 would not go ahead if Russia invaded.")
        writer = _rag(dirs, "ingest", "-q")
        assert writer.returncode == 2, writer.stdout + writer.stderr
        message = writer.stderr.strip()
        assert "\n" not in message and "Traceback" not in message
        assert f"pid {serving.proc.pid}" in message and "RAG_CHROMA_HOST" in message
        reader = _rag(dirs, "ask", "Where did Blinken meet Lavrov?")  # readers share the index
        assert reader.returncode == 0 and "Geneva" in reader.stdout, reader.stderr
        after = serving.retrieve("Where did Blinken meet Lavrov?")  # nothing changed under it
        assert after == before
        assert all("error" not in serving.retrieve(q) for q in ("troops near the border", "Nord Stream 2"))
    finally:
        serving.stop()
    assert _rag(dirs, "ingest", "-q").returncode == 0  # once it is closed, the writer may
    serving = _Serving(*dirs)
    try:
        assert "Vienna" in serving.retrieve("Where did Blinken meet Lavrov?")[0][1]
        assert serving.retrieve("Nord Stream 2 Germany")[0][0] == "d.txt"
        assert all(source != "b.txt" for source, _ in serving.retrieve("troops near the border"))
    finally:
        serving.stop()


def test_no_process_opens_an_index_while_another_one_writes_it(make_engine):
    engine = make_engine(ARTICLES)
    dirs = (engine.settings.corpus, engine.settings.index)
    engine.ingest()
    engine.close()
    (dirs[0] / "a.txt").write_text("Blinken met Lavrov in Vienna on Monday, officials said.")
    writer = _ingest_paused_at(*dirs, "commit")
    try:
        reader = _rag(dirs, "ask", "Where did Blinken meet Lavrov?")
        assert reader.returncode == 2 and "Traceback" not in reader.stderr
        assert f"pid {writer.pid}" in reader.stderr and "is writing" in reader.stderr
        from rag.errors import IndexBusy

        with pytest.raises(IndexBusy, match=f"pid {writer.pid}"):
            make_engine()  # same folders: a long-lived reader is refused as well
    finally:
        writer.stdin.close()  # let it finish
        assert writer.stdout.read().startswith("done 0 1")
        writer.wait(timeout=60)
        writer.stdout.close()
    reader = _rag(dirs, "ask", "Where did Blinken meet Lavrov?")
    assert reader.returncode == 0 and "Vienna" in reader.stdout


def test_engines_of_one_process_share_its_lock(make_engine):
    writer = make_engine(ARTICLES)
    reader = make_engine()  # same folders, same process: no refusal
    writer.ingest()
    assert reader.retrieve("Where did Blinken meet Lavrov?", k=1)[0].source == "a.txt"
    writer.close()
    assert reader.retrieve("troops near the border", k=1)[0].source == "b.txt"
