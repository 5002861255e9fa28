"""Ingest of one large generated text file: chunks/s and peak RSS at several sizes. Prints numbers,
asserts nothing.

    .venv/bin/python benchmarks/large_file.py                  # 1, 5 and 20 MB, the real embedder
    .venv/bin/python benchmarks/large_file.py --sizes 1 5      # only these sizes (MB)
    .venv/bin/python benchmarks/large_file.py --fake-embedder  # everything but the model (fast)

Each size runs in a fresh process (peak RSS is per process: VmHWM) that ingests one file of that
size into a fresh index, with the default settings (chunk_chars 500). `--fake-embedder` swaps MiniLM
for hashed random unit vectors of the same size, which measures what ingest itself costs (chunking,
Chroma, BM25, catalog) at sizes whose real embedding takes long (20 MB is ~40,000 chunks: about 20 min
of MiniLM on 2 cores). Since ingest embeds and writes in pieces of `rag.index.EMBED_PIECE` chunks,
peak RSS should grow little with the file size; the baseline (libraries and the model loaded, before
ingesting) is printed too. "peak RSS" is the ingest's; "+ a question" is the peak once a question has
been answered after it (the vector index and BM25 loaded back: serving memory, which grows with the
index).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = (
    "minister talks border troops aid sanctions meeting officials government election vote economy market "
    "prices energy gas oil pipeline summit agreement ceasefire army president parliament court ruling law "
    "report analysts growth inflation bank rates exports imports harvest drought flood storm weather city "
    "council mayor police protest strike union workers wages company shares profit losses investors deal"
).split()


def article_text(megabytes: float, seed: int = 12) -> str:
    """About `megabytes` MB of news-like prose: sentences of 8-30 words, paragraphs of 3-6 sentences,
    numbers and names sprinkled in (so chunks are not identical)."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    paragraphs, size, n = [], 0, 0
    while size < target:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            n += 1
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 30))]
            words.insert(rng.randrange(len(words)), f"{n}")
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "Generated report\n\n" + "\n\n".join(paragraphs)


class FakeEmbedder:
    """Hashed random unit vectors: no model, same shapes."""

    name, dim = "fake-384", 384

    def embed(self, texts):
        import numpy as np

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "little")
            row = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = row / np.linalg.norm(row)
        return out


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def write_corpus(directory: Path, megabytes: float, files: int = 1) -> None:
    """One file of `megabytes` MB in `directory` (or the same text cut into `files` files). Written by
    the parent process: generating the text in the measured process would count it in its RSS."""
    directory.mkdir(parents=True)
    text = article_text(megabytes)
    if files == 1:
        (directory / "large.txt").write_text(text, encoding="utf-8")
        return
    paragraphs = text.split("\n\n")  # the same paragraphs, cut into `files` articles: the same index size
    step = -(-len(paragraphs) // files)
    for i in range(0, len(paragraphs), step):
        (directory / f"part{i // step:05}.txt").write_text("\n\n".join(paragraphs[i : i + step]), encoding="utf-8")


def one(corpus: Path, megabytes: float, fake: bool, files: int, chroma_port: int | None, cache: bool) -> dict:
    """Ingest the corpus in this process into a fresh index; return the measurements."""
    sys.path.insert(0, str(ROOT))
    from rag.config import Settings
    from rag.embeddings import make_embedder
    from rag.engine import Engine

    with tempfile.TemporaryDirectory() as tmp:
        server = {"chroma_host": "127.0.0.1", "chroma_port": chroma_port} if chroma_port else {}
        settings = Settings(corpus=corpus, index=Path(tmp) / "index", answer_mode="extractive", _env_file=None,
                            embed_cache=str(Path(tmp) / "vectors.sqlite") if not cache else None,
                            collection=f"large-{os.getpid()}", **server)
        embedder = FakeEmbedder() if fake else make_embedder(settings)
        engine = Engine(settings, embedder)
        embedder.embed(["warm up the model"])
        baseline = _rss_mb("VmRSS")
        started = time.perf_counter()
        report = engine.ingest()
        seconds = time.perf_counter() - started
        ingest_peak = _rss_mb("VmHWM")
        assert report.errors == [] and report.added == files, report
        # A question afterwards checks the file is answerable; it loads the vector index and BM25 back
        # (serving memory, which grows with the index by nature): reported apart.
        answer = engine.ask("What did the minister say about the border talks?")
        engine.close()
    return {
        "mb": megabytes, "chunks": report.chunks, "seconds": seconds, "chunks_per_s": report.chunks / seconds,
        "baseline_rss_mb": baseline, "peak_rss_mb": ingest_peak, "with_question_mb": _rss_mb("VmHWM"),
        "answered": not answer.refused,
    }


def _chroma_server(path: Path) -> tuple[subprocess.Popen, int]:
    """`rag chroma` on a free port, ready."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "--index", str(path), "chroma", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the chroma server did not start")


def _peak_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 20], help="file sizes in MB (default 1 5 20)")
    parser.add_argument("--fake-embedder", action="store_true", help="hashed random vectors instead of MiniLM")
    parser.add_argument("--files", type=int, default=1, help="cut the same text into this many files (compare: "
                        "what grows with the index, not with the size of one file)")
    parser.add_argument("--server", action="store_true", help="Chroma in its own process (`rag chroma`): the ingest "
                        "process then holds no vector index; the server's peak RSS is printed apart")
    parser.add_argument("--cache", action="store_true", help="use the user's embedding cache (default: a fresh one "
                        "per run, so every chunk is embedded and chunks/s is the model's)")
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chroma-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.corpus, args.one, args.fake_embedder, args.files, args.chroma_port, args.cache)))
        return 0
    kind = "fake embedder" if args.fake_embedder else "MiniLM"
    what = "one large file" if args.files == 1 else f"the same text cut into {args.files} files"
    where = "Chroma server in its own process" if args.server else "embedded Chroma"
    print(f"ingest of {what} ({kind}, {where}, default settings, each size in a new process)")
    print(f"{'MB':>5} {'chunks':>7} {'seconds':>8} {'chunks/s':>9} {'RSS before':>11} {'peak RSS':>9} {'peak/first':>10}"
          f" {'+ a question':>12}" + ("  server peak" if args.server else ""))
    first = None
    for megabytes in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write_corpus(Path(tmp) / "corpus", megabytes, args.files)
            server, port = _chroma_server(Path(tmp) / "server") if args.server else (None, None)
            command = [sys.executable, __file__, "--one", str(megabytes), "--files", str(args.files),
                       "--corpus", str(Path(tmp) / "corpus")]
            command += ["--fake-embedder"] if args.fake_embedder else []
            command += ["--cache"] if args.cache else []
            command += ["--chroma-port", str(port)] if port else []
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            server_peak = _peak_of(server.pid) if server else None
            if server:
                server.terminate()
                server.wait(timeout=30)
        if done.returncode != 0:
            print(f"{megabytes:>5g} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        first = first or row["peak_rss_mb"]
        print(f"{row['mb']:>5g} {row['chunks']:>7} {row['seconds']:>8.1f} {row['chunks_per_s']:>9.1f} "
              f"{row['baseline_rss_mb']:>8.0f} MB {row['peak_rss_mb']:>6.0f} MB {row['peak_rss_mb'] / first:>9.2f}x"
              f" {row['with_question_mb']:>9.0f} MB"
              + (f"  {server_peak:>8.0f} MB" if server_peak else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
