"""Paths and engine set-up shared by the evaluation modules.

The suite talks to newsrag only through the public API (`from rag import Engine`). It keeps its own
indexes under `.cache/eval/` (git-ignored), never the user's `.rag`: Chroma allows one process per
persistent directory, and `rag ui` may be holding `.rag` open while a release is evaluated.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS = REPO_ROOT / "seeds"
CACHE_DIR = REPO_ROOT / ".cache" / "eval"
REPORTS_DIR = Path(__file__).resolve().parent / "reports"
GATE_FILE = Path(__file__).resolve().parent / "gate.toml"


def shared_dir() -> Path:
    """../shared beside the repository, or RAG_SHARED_DIR."""
    given = os.environ.get("RAG_SHARED_DIR")
    return Path(given) if given else REPO_ROOT.parent / "shared"


def progress_bar(label: str, quiet: bool = False):
    """A tqdm-backed callback for `Engine.ingest(progress=...)`."""
    if quiet:
        return None
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int, name: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit="file", file=sys.stderr, leave=False)
        bar.n = done
        bar.set_postfix_str(name[-30:])
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def open_engine(corpus: Path, index: Path, quiet: bool = False, label: str = "ingest", **overrides: Any):
    """An Engine over `corpus` with its index in `index`, brought up to date (incremental ingest)."""
    from rag import Engine

    engine = Engine.open(corpus=corpus, index=index, **overrides)
    report = engine.ingest(progress=progress_bar(label, quiet))
    return engine, report
