"""`rag bench`: where the time goes in ingest and ask. Prints numbers; asserts nothing.

- ingest: chunks/s of a full in-process ingest into a fresh index, next to the bare embedder's
  chunks/s on the very same chunks (the embedder is the floor: MiniLM on 2 cores is compute-bound),
  with the time split into embedding and everything else; one-time imports are reported apart.
- ask: warm extractive latency percentiles over different questions (built in, or `--questions`), and cold `rag ask` (a new process).
- `--mode local`: the local models' speed instead (rag.bench_local).

The index is a fresh temporary one and the user's embedding cache is not read (embed_cache="off"):
vectors kept from an earlier run would inflate the ingest rate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.chunking import chunk_article
from rag.config import Settings
from rag.documents import discover, load_file
from rag.embeddings import make_embedder
from rag.schema import Chunk
from rag.stats import percentile

# Questions about the seeds, asked once each; `--questions FILE` (one per line, or JSON Lines with a
# "question" field, e.g. evals/qa.jsonl) measures others.
QUESTIONS = [
    "Where did Blinken meet Lavrov?",
    "How many Russian troops are near the Ukrainian border?",
    "How much additional aid did Washington announce for Ukraine?",
    "What did Lavrov say he did not expect from the talks?",
    "Who won the football World Cup?",
    "What did the United States propose to Russia?",
    "Which countries did Blinken visit before Geneva?",
    "What does Russia demand from NATO?",
    "What sanctions did the West threaten?",
    "Who is the foreign minister of Russia?",
    "What did Biden say about a minor incursion?",
    "When did Blinken and Lavrov meet?",
    "How long did the Geneva meeting last?",
    "What did Lavrov accuse the West of?",
    "Why did Blinken go to Kyiv?",
    "What did the Kremlin say after the talks?",
    "Will the United States answer Russia in writing?",
    "What is the Swift banking system?",
    "What did Germany say about Nord Stream 2?",
    "Which exercises did Russia hold in Belarus?",
]


class _TimedEmbedder:
    """Wraps an embedder to add up the seconds spent embedding."""

    def __init__(self, inner):
        self.inner, self.seconds, self.name, self.dim = inner, 0.0, inner.name, inner.dim

    def embed(self, texts):
        started = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - started


def read_questions(path: Path | None) -> list[str]:
    """The questions to time: QUESTIONS, or those of `path` (follow-ups, which need a history, skipped)."""
    if path is None:
        return list(QUESTIONS)
    questions = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            row = json.loads(line)
            if not row.get("history"):
                questions.append(row["question"])
        else:
            questions.append(line.strip())
    return questions


def corpus_chunks(settings: Settings) -> list[Chunk]:
    """The chunks of every readable file of the settings' corpus, as ingest would cut them."""
    corpus = Path(settings.corpus)
    return [c for p in discover(corpus) for a in _safe_load(p, corpus) for c in chunk_article(a, settings.chunk_chars)]


def run(args: argparse.Namespace) -> int:
    from rag.engine import Engine

    settings = Settings(**({"corpus": args.corpus} if args.corpus else {}), embed_cache="off")
    if getattr(args, "mode", None) == "local":
        from rag import bench_local

        return bench_local.run(settings, [args.size] if args.size else None, args.runs,
                               read_questions(args.questions)[: bench_local.ANSWERS])
    corpus = Path(settings.corpus)
    started = time.perf_counter()
    import bm25s  # noqa: F401
    import chromadb  # noqa: F401  - one-time import costs, reported apart from ingest throughput

    imports = time.perf_counter() - started
    embedder = _TimedEmbedder(make_embedder(settings))
    chunks = [c.text for c in corpus_chunks(settings)]
    embedder.inner.embed(chunks[:8])  # warm-up
    bare = []
    for _ in range(3):
        t = time.perf_counter()
        for i in range(0, len(chunks), 256):
            embedder.inner.embed(chunks[i : i + 256])
        bare.append(len(chunks) / (time.perf_counter() - t))
    bare_rate = statistics.median(bare)

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings(corpus=corpus, index=Path(tmp) / "index", answer_mode="extractive", embed_cache="off"), embedder)
        report = engine.ingest()
        rate = report.chunks / report.seconds
        print(f"corpus            {corpus}  ({report.added} files, {report.chunks} chunks)")
        print(f"imports (once)    {imports:.2f} s  (chromadb + bm25s; paid by the first ingest of a process)")
        print(f"bare embedder     {bare_rate:.1f} chunks/s  ({embedder.inner.name}, median of 3)")
        print(f"ingest            {rate:.1f} chunks/s  = bare / {bare_rate / rate:.2f}")
        print(f"  embedding       {embedder.seconds:.2f} s of {report.seconds:.2f} s; "
              f"loading, chunking, Chroma, BM25, catalog: {report.seconds - embedder.seconds:.2f} s")

        questions = read_questions(args.questions)[: args.asks]
        engine.ask("Which article mentions the weather?")  # warm: loads BM25 and term weights
        latencies = []
        for question in questions:  # each question once: repeats would only measure caches
            t = time.perf_counter()
            engine.ask(question)
            latencies.append((time.perf_counter() - t) * 1000)
        print(f"ask (warm)        p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms "
              f"over {len(latencies)} different extractive questions")
        engine.close()

        cold = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "rag.cli", "--corpus", str(corpus), "--index", str(Path(tmp) / "index"),
                 "ask", "--mode", "extractive", questions[0]],
                check=True, capture_output=True,
            )
            cold.append(time.perf_counter() - t)
        print(f"rag ask (cold)    median {statistics.median(cold):.2f} s over 3 new processes")
    return 0


def _safe_load(path, root):
    try:
        return load_file(path, root)
    except Exception:  # bench measures; `rag ingest` reports bad files
        return []
