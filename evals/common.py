"""Paths and engine set-up shared by the evaluation modules.

The suite talks to newsrag only through the public API (`from rag import Engine`). It keeps its own
indexes under `.cache/eval/` (git-ignored), never the user's `.rag`: Chroma allows one process per
persistent directory, and `rag ui` may be holding `.rag` open while a release is evaluated.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from rag.progress import ingest_progress_bar

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
    """A tqdm-backed callback for `Engine.ingest(progress=...)`, or None when quiet."""
    return None if quiet else ingest_progress_bar(label)


# What decides the chunks and vectors in an index. newsrag's incremental ingest re-embeds a file only
# when its bytes change (and resets on a new embedding model), so an index cached across runs must
# also be keyed by these, or a new chunk size or cleaning rule would be evaluated on stale chunks.
INDEX_SETTINGS = ("chunk_chars", "embedder", "embed_model", "collection")
INDEX_SOURCES = ("documents.py", "chunking.py", "spans.py", "embeddings.py", "index.py", "catalog.py")


def index_fingerprint(**overrides: Any) -> str:
    """A short hash of the settings and newsrag source files that shape an index (see above).
    Reads the settings the way `Engine.open(**overrides)` does (rag.config.Settings: env, .env)."""
    import rag
    from rag.config import Settings

    settings = Settings(**overrides)
    digest = hashlib.sha256(json.dumps({k: str(getattr(settings, k, None)) for k in INDEX_SETTINGS}, sort_keys=True).encode())
    package = Path(rag.__file__).parent
    for name in INDEX_SOURCES:
        path = package / name
        digest.update(name.encode() + (path.read_bytes() if path.is_file() else b"-"))
    return digest.hexdigest()[:12]


def cached_folder(prefix: str, key: str, **overrides: Any) -> Path:
    """CACHE_DIR/<prefix>-<key>-<index fingerprint>/, removing older folders of the same prefix and key
    (built with other settings or code) so the cache does not grow without bound."""
    folder = CACHE_DIR / f"{prefix}-{key}-{index_fingerprint(**overrides)}"
    for old in CACHE_DIR.glob(f"{prefix}-{key}-*") if CACHE_DIR.is_dir() else []:
        if old != folder and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return folder


def open_engine(corpus: Path, index: Path, quiet: bool = False, label: str = "ingest", **overrides: Any):
    """An Engine over `corpus` with its index in `index`, brought up to date (incremental ingest)."""
    from rag import Engine

    engine = Engine.open(corpus=corpus, index=index, **overrides)
    report = engine.ingest(progress=progress_bar(label, quiet))
    return engine, report
