"""The table and the plot of benchmarks/RESULTS.md, from the runs `benchmarks/scale.py` appended to
WORK/results.jsonl (the last run of each size, mode and embedding cache state; --work may be given
several times, e.g. a work folder of --no-cache runs and one of runs with the cache). Prints the
markdown table, writes the plot.

    .venv/bin/python benchmarks/scale_report.py [--work DIR ...] [--plot benchmarks/scale.png]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

COLUMNS = [  # (header, key, format)
    ("chunks", "chunks", "{:,}"),
    ("mode", "mode", "{}"),
    ("ingest chunks/s (model runs)", None, None),
    ("bare embedder chunks/s: during, after ingest", None, None),
    ("ingest / bare: during, after (its own model time / its time)", None, None),
    ("ingest split: embed / Chroma / BM25 / catalog / other s", None, None),
    ("re-ingest unchanged s", "reingest_s", "{:.2f}"),
    ("1 % change s (chunks)", None, None),
    ("retrieve p50 / p95 ms", None, None),
    ("retrieve - embed vs bare p50 ms", None, None),
    ("retrieve / bare", "retrieve_vs_bare", "{:.2f}"),
    ("ask p50 / p95 ms", None, None),
    ("peak RSS ingest / serve MB", None, None),
]


def cell(run: dict, header: str, key: str | None, fmt: str | None) -> str:
    if key:
        value = run.get(key)
        return "-" if value is None else fmt.format(value)
    if header.startswith("ingest chunks/s"):
        return f"{run['ingest_chunks_per_s']:.1f} ({run['ingest_model_texts']:,} embedded, {run['ingest_cached']:,} cached)"
    if header.startswith("bare embedder"):
        during = run.get("bare_during_chunks_per_s")
        return (f"{during:.1f}, " if during else "-, ") + f"{run['bare_embed_chunks_per_s']:.1f}"
    if header.startswith("ingest / bare"):  # only meaningful when the model computed every vector
        if run["ingest_cached"]:
            return "- (cached)"
        during, inside = run.get("ingest_vs_bare_during"), run.get("ingest_vs_model")
        return ((f"**{during:.2f}**, " if during is not None else "-, ") + f"{run['ingest_vs_bare']:.2f}"
                + (f" ({inside:.2f})" if inside is not None else ""))
    if header.startswith("ingest split"):
        return " / ".join(f"{run.get(f'ingest_{k}_s', 0):.1f}" for k in ("embedding", "chroma_add", "bm25_build", "catalog", "other"))
    if header.startswith("1 %"):
        return f"{run['change_s']:.2f} ({run['change_chunks']})"
    if header.startswith("retrieve p50"):
        return f"{run['retrieve_p50_ms']:.1f} / {run['retrieve_p95_ms']:.1f}"
    if header.startswith("retrieve - embed"):
        return f"{run['retrieve_minus_embed_p50_ms']:.1f} vs {run['bare_sum_p50_ms']:.1f}"
    if header.startswith("ask"):
        return f"{run['ask_p50_ms']:.1f} / {run['ask_p95_ms']:.1f}"
    if header.startswith("peak RSS"):
        server = f" (+ server {run['chroma_server_rss_mb']:.0f})" if run.get("chroma_server_rss_mb") else ""
        return f"{run['ingest_rss_mb']:.0f} / {run['serve_rss_mb']:.0f}{server}"
    return "?"


def latest_runs(paths: list[Path]) -> list[dict]:
    runs: dict[tuple, dict] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                run = json.loads(line)
                runs[(run["mode"], run["target_chunks"], run["shape"], run["ingest_cached"] > 0)] = run
    return sorted(runs.values(), key=lambda r: (r["mode"], r["ingest_cached"] > 0, r["chunks"]))


def plot(runs: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    groups = (("embedded", False, "o-"), ("embedded", True, "o:"), ("server", False, "s-."), ("server", True, "s--"))
    for group, cached, style in groups:
        rows = [r for r in runs if r["mode"] == group and (r["ingest_cached"] > 0) == cached]
        if not rows:
            continue
        mode = f"{group}{', cached' if cached else ''}"
        x = [r["chunks"] for r in rows]
        axes[0].plot(x, [r["retrieve_minus_embed_p50_ms"] for r in rows], style, label=f"Engine.retrieve - embed ({mode})")
        axes[0].plot(x, [r["bare_sum_p50_ms"] for r in rows], style, alpha=0.5, label=f"bare chromadb+bm25s+rrf ({mode})")
        axes[1].plot(x, [r["ask_p50_ms"] for r in rows], style, label=f"extractive ask p50 ({mode})")
        axes[2].plot(x, [r["ingest_rss_mb"] for r in rows], style, label=f"ingest ({mode})")
        axes[2].plot(x, [r["serve_rss_mb"] for r in rows], style, alpha=0.5, label=f"serving ({mode})")
    for ax, title, unit in zip(axes, ("retrieve p50", "ask p50", "peak RSS"), ("ms", "ms", "MB")):
        ax.set_xscale("log")
        ax.set_xlabel("chunks")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_work = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsrag" / "bench"
    parser.add_argument("--work", type=Path, action="append", help=f"a work folder (default {default_work})")
    parser.add_argument("--plot", type=Path, default=Path(__file__).with_name("scale.png"))
    args = parser.parse_args()
    runs = latest_runs([work / "results.jsonl" for work in args.work or [default_work]])
    print("| " + " | ".join(h for h, _, _ in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for run in runs:
        print("| " + " | ".join(cell(run, *c) for c in COLUMNS) + " |")
    plot(runs, args.plot)
    print(f"\n(plot: {args.plot})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
