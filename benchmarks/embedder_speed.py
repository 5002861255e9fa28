"""Chunks per second of the bare MiniLMEmbedder (no index, no Chroma) on ~110-token chunks of seeds/.

    .venv/bin/python benchmarks/embedder_speed.py [--repeat 2]

Chunks are made here (not by rag.chunking, so the numbers do not move when the chunker changes):
sentences of each seed article, greedily joined until about 110 tokens. Prints a table for batch sizes
1, 4, 8, 16 and onnxruntime threads 1, 2 (--spin: also 2 threads with spinning workers; best of --repeat
runs after a warm-up), then the effect of sorting by length on a mixed set of sentences and chunks. Numbers are only
meaningful on an otherwise idle machine: the load average is printed first. Takes well under a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.embeddings import MiniLMEmbedder  # noqa: E402

TARGET_TOKENS = 110


def seed_chunks(embedder: MiniLMEmbedder) -> tuple[list[str], list[str]]:
    """(~110-token chunks, single sentences) from seeds/*.txt."""
    chunks: list[str] = []
    sentences: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sents = [s.strip() for s in re.split(r"(?<=[.!?”\"])\s+|\n+", text) if s.strip()]
        sentences.extend(sents)
        counts = embedder.token_counts(sents)
        current: list[str] = []
        tokens = 0
        for sent, n in zip(sents, counts):
            current.append(sent)
            tokens += n - 2
            if tokens >= TARGET_TOKENS - 2:
                chunks.append(" ".join(current))
                current, tokens = [], 0
        if tokens >= TARGET_TOKENS // 2:
            chunks.append(" ".join(current))
    return chunks, sentences


def rate(embedder: MiniLMEmbedder, texts: list[str], repeat: int) -> float:
    embedder.embed(texts[:4])  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        embedder.embed(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--spin", action="store_true", help="add a row: 2 threads with spinning workers")
    args = parser.parse_args()
    started = time.perf_counter()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    probe = MiniLMEmbedder()
    chunks, sentences = seed_chunks(probe)
    counts = probe.token_counts(chunks)
    print(f"{len(chunks)} chunks from seeds/, tokens per chunk: mean {sum(counts) / len(counts):.0f}, "
          f"min {min(counts)}, max {max(counts)}; {os.cpu_count()} CPUs")
    print()
    batch_sizes = (1, 4, 8, 16)
    print(f"{'chunks/s':<16}" + "".join(f"batch {b:<4}" for b in batch_sizes))
    rows = [("threads 1", 1, False), ("threads 2", 2, False)]
    if args.spin:
        rows.append(("threads 2 +spin", 2, True))
    for label, threads, spinning in rows:
        row = []
        for batch in batch_sizes:
            emb = MiniLMEmbedder(batch_size=batch, threads=threads, allow_spinning=spinning)
            row.append(rate(emb, chunks, args.repeat))
        print(f"{label:<16}" + "".join(f"{r:<10.1f}" for r in row), flush=True)
    default = MiniLMEmbedder()
    print(f"default ({default.batch_size=}, {default.threads=}): {rate(default, chunks, args.repeat):.1f} chunks/s")

    mixed = [t for pair in zip(chunks, sentences[::3]) for t in pair]
    print()
    print(f"mixed set ({len(mixed)} texts: chunks interleaved with sentences), texts/s:")
    for batch in (8,):
        on = rate(MiniLMEmbedder(batch_size=batch, sort_by_length=True), mixed, args.repeat)
        off = rate(MiniLMEmbedder(batch_size=batch, sort_by_length=False), mixed, args.repeat)
        print(f"  batch {batch:<3} sorted by length {on:6.1f}   input order {off:6.1f}")
    print(f"sentences alone ({len(sentences)}, threads 1), sentences/s:", end="")
    for batch in (1, 4, 8):
        print(f"  batch {batch}: {rate(MiniLMEmbedder(batch_size=batch, threads=1), sentences, args.repeat):.0f}",
              end="", flush=True)
    print()
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
