"""The catalog: which files are indexed, their content hash, their cleaned articles and chunk spans.

It is the source of truth that Chroma and BM25 are checked against. One SQLite file under the index
directory; every change of one file is one transaction, so a killed ingest leaves either the old or
the new state of that file, never a mix (see `rag.index` for how Chroma is reconciled with it).

>>> cat = Catalog(":memory:")
>>> cat.put_file("a.txt", "h1", [Article("a.txt", "Hi.")], {"a.txt": [("id1", 0, 3)]})
>>> cat.file_hashes(), cat.article("a.txt").text
({'a.txt': 'h1'}, 'Hi.')
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from rag.schema import Article, Chunk
from rag.sqlite import batches, marks, transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (file TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    source TEXT PRIMARY KEY, file TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL,
    chunks TEXT NOT NULL,  -- JSON list of [chunk id, start, end]
    sha TEXT  -- sha256 of text: articles with the same text (rag.catalog.text_sha)
);
CREATE INDEX IF NOT EXISTS articles_by_file ON articles(file);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Files whose chunks are being written to Chroma ahead of their commit (rag.index): their vectors are
-- kept by reconcile so that an interrupted ingest of a long file resumes instead of starting over.
CREATE TABLE IF NOT EXISTS pending (file TEXT PRIMARY KEY);
"""

ChunkSpans = list[tuple[str, int, int]]


def text_sha(text: str) -> str:
    """sha256 of the text's UTF-8, encoded a megabyte at a time (not a copy of a 20 MB article at once).

    >>> text_sha("Geneva") == hashlib.sha256("Geneva".encode()).hexdigest()
    True
    """
    digest = hashlib.sha256()
    for i in range(0, len(text), 1 << 20):
        digest.update(text[i : i + (1 << 20)].encode("utf-8"))
    return digest.hexdigest()


class Catalog:
    def __init__(self, path: Path | str):
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        # Ingest commits once per file. In WAL mode with synchronous=NORMAL a commit does not wait for
        # an fsync (the WAL is synced at checkpoints): a killed process still leaves every committed
        # file intact (only a power cut may lose the last commits, which the next ingest redoes), and
        # readers in other processes never block the writer.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._hash_texts()

    def _hash_texts(self) -> None:
        """Catalogs written before articles had a text hash get one (once)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        if "sha" not in columns:
            with transaction(self._db):
                if "sha" not in {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}:
                    self._db.execute("ALTER TABLE articles ADD COLUMN sha TEXT")
        if self._db.execute("SELECT 1 FROM articles WHERE sha IS NULL LIMIT 1").fetchone():
            with transaction(self._db):
                rows = self._db.execute("SELECT source, text FROM articles WHERE sha IS NULL").fetchall()
                self._db.executemany("UPDATE articles SET sha = ? WHERE source = ?", [(text_sha(t), s) for s, t in rows])
        self._db.execute("CREATE INDEX IF NOT EXISTS articles_by_sha ON articles(sha)")

    # --- files ----------------------------------------------------------------------------------
    def file_hashes(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT file, sha256 FROM files"))

    def put_file(
        self, file: str, sha256: str, articles: list[Article], spans: dict[str, ChunkSpans]
    ) -> None:
        """Replace everything known about `file` in one transaction."""
        with transaction(self._db):
            self._db.execute("DELETE FROM articles WHERE file = ?", (file,))
            self._db.execute("DELETE FROM pending WHERE file = ?", (file,))
            self._db.execute("INSERT OR REPLACE INTO files VALUES (?, ?)", (file, sha256))
            self._db.executemany(
                "INSERT OR REPLACE INTO articles (source, file, text, meta, chunks, sha) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (a.source, file, a.text, json.dumps(a.meta), json.dumps(spans[a.source]), text_sha(a.text))
                    for a in articles
                ],
            )
            self._bump_generation()

    def known_files(self, files: list[str]) -> set[str]:
        """Those of `files` that are indexed or pending (the only ones Chroma can hold chunks of)."""
        found: set[str] = set()
        for part in batches(files):
            found.update(row[0] for row in self._db.execute(
                f"SELECT file FROM files WHERE file IN ({marks(part)}) UNION SELECT file FROM pending WHERE file IN ({marks(part)})",
                [*part, *part]))
        return found

    def remove_file(self, file: str) -> None:
        with transaction(self._db):
            self._db.execute("DELETE FROM articles WHERE file = ?", (file,))
            self._db.execute("DELETE FROM pending WHERE file = ?", (file,))
            self._db.execute("DELETE FROM files WHERE file = ?", (file,))
            self._bump_generation()

    def clear(self, **state: str) -> None:
        """Forget every file; set `state` keys in the same transaction (a reader sees the old state
        with the old generation, or the new state with the new one)."""
        with transaction(self._db):
            self._db.execute("DELETE FROM articles")
            self._db.execute("DELETE FROM files")
            self._db.execute("DELETE FROM pending")
            for key, value in state.items():
                self.set_state(key, value)
            self._bump_generation()

    # --- files being written --------------------------------------------------------------------
    def mark_pending(self, files: list[str]) -> None:
        """Say that these files' chunks are about to be written to Chroma ahead of their commit
        (`put_file` or `remove_file` ends it). Not a change of what the catalog vouches for: the
        generation stays."""
        with transaction(self._db):
            self._db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", [(f,) for f in files])

    def unmark_pending(self, file: str) -> None:
        self._db.execute("DELETE FROM pending WHERE file = ?", (file,))

    def pending_files(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT file FROM pending")}

    # --- articles and chunks --------------------------------------------------------------------
    def article(self, source: str) -> Article | None:
        row = self._db.execute("SELECT text, meta FROM articles WHERE source = ?", (source,)).fetchone()
        return Article(source, row[0], json.loads(row[1])) if row else None

    def texts(self, sources: Sequence[str]) -> dict[str, str]:
        """The cleaned texts of those of `sources` that are indexed, in one query."""
        found: dict[str, str] = {}
        for part in batches(list(dict.fromkeys(sources))):
            found.update(self._db.execute(f"SELECT source, text FROM articles WHERE source IN ({marks(part)})", part))
        return found

    def articles(self) -> Iterator[tuple[Article, ChunkSpans]]:
        for source, text, meta, chunks in self._db.execute(
            "SELECT source, text, meta, chunks FROM articles ORDER BY source"
        ):
            yield Article(source, text, json.loads(meta)), [tuple(c) for c in json.loads(chunks)]

    def chunks(self) -> Iterator[tuple[Chunk, str]]:
        """Every indexed chunk with the file it came from, rebuilt from the stored text and spans."""
        for source, file, text, meta, chunks in self._db.execute(
            "SELECT source, file, text, meta, chunks FROM articles ORDER BY source"
        ):
            article_meta = json.loads(meta)
            for chunk_id, start, end in json.loads(chunks):
                yield Chunk(source, start, end, text[start:end], chunk_id, article_meta), file

    def duplicate_groups(self) -> list[list[str]]:
        """Sources of articles with exactly the same text, in groups of two or more (each sorted)."""
        groups: dict[str, list[str]] = {}
        for sha, source in self._db.execute(
            "SELECT sha, source FROM articles WHERE sha IN (SELECT sha FROM articles GROUP BY sha HAVING COUNT(*) > 1)"
            " ORDER BY source"
        ):
            groups.setdefault(sha, []).append(source)
        return sorted(groups.values())

    def same_text(self) -> dict[str, list[str]]:
        """{source: the other sources whose article has exactly the same text}, for duplicated texts only."""
        return {s: [o for o in group if o != s] for group in self.duplicate_groups() for s in group}

    def chunk_count(self) -> int:
        row = self._db.execute("SELECT COALESCE(SUM(json_array_length(chunks)), 0) FROM articles").fetchone()
        return int(row[0])

    def chunk_ids_by_file(self) -> dict[str, set[str]]:
        ids: dict[str, set[str]] = {}
        for file, chunks in self._db.execute("SELECT file, chunks FROM articles"):
            ids.setdefault(file, set()).update(c[0] for c in json.loads(chunks))
        return ids

    # --- state ----------------------------------------------------------------------------------
    def get_state(self, key: str, default: str = "") -> str:
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        """Grows with every change; BM25 records the generation it was built from."""
        return int(self.get_state("generation", "0"))

    def _bump_generation(self) -> None:
        self.set_state("generation", str(self.generation + 1))

    def close(self) -> None:
        self._db.close()
