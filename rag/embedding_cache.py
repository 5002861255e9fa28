"""Chunk vectors kept across ingests, keyed by the text's sha256 and the embedder's name.

Embedding is most of ingest's time (MiniLM on 2 cores: ~35-70 chunks/s), so no text should be
embedded twice: not on a re-ingest after a chunking change (most chunk texts come back), not for a
second index of the same articles, not on a benchmark rerun. One SQLite file per user
(`$XDG_CACHE_HOME/newsrag/embeddings.sqlite` by default, `RAG_EMBED_CACHE` names another, an empty
value `off` turns it off; empty means the default), shared by every index and process (WAL mode; concurrent writers wait on
SQLite's busy timeout). Only ingest goes through it: questions have their own in-memory cache
(`rag.embeddings.CachedEmbedder`).

>>> import numpy as np, tempfile, pathlib
>>> class Count:
...     name, dim, calls = "count", 2, 0
...     def embed(self, texts):
...         Count.calls += len(texts)
...         return np.ones((len(texts), 2), dtype=np.float32)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "vectors.sqlite"
>>> first = StoredEmbedder(Count(), path)
>>> _ = first.embed(["a", "b"]); _ = StoredEmbedder(Count(), path).embed(["b", "c"]); Count.calls
3
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.embeddings import Embedder
from rag.sqlite import batches, marks, transaction


def default_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsrag" / "embeddings.sqlite"


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors (float32) by (model name, sha256 of the text)."""

    def __init__(self, path: Path | str):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, sha BLOB, vector BLOB, PRIMARY KEY (model, sha))"
        )
        self._lock = threading.Lock()

    def get(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors of those texts that have one."""
        found: dict[str, np.ndarray] = {}
        by_key = {_key(t): t for t in texts}
        keys = list(by_key)
        with self._lock:
            for part in batches(keys):
                rows = self._db.execute(
                    f"SELECT sha, vector FROM vectors WHERE model = ? AND sha IN ({marks(part)})", [model, *part])
                for sha, blob in rows:
                    found[by_key[sha]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(model, _key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)]
        with self._lock, transaction(self._db):
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()


class StoredEmbedder:
    """An embedder that looks each text up in an `EmbeddingCache` first and stores what it embeds.
    `hits` and `misses` count texts since creation (the ingest report shows them)."""

    def __init__(self, inner: Embedder, path: Path | str):
        self.inner = inner
        self.name = inner.name
        self.cache = EmbeddingCache(path)
        self.hits = self.misses = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return self.inner.embed(texts)
        found = self.cache.get(self.name, texts)
        self.hits += sum(t in found for t in texts)  # only vectors that were in the cache before
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            vectors = self.inner.embed(missing)
            self.cache.put(self.name, missing, vectors)
            found.update(zip(missing, vectors))
        self.misses += len(missing)
        return np.stack([found[t] for t in texts])

    def close(self) -> None:
        self.cache.close()
