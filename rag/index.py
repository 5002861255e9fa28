"""The index: the catalog (source of truth) and the two search stores it vouches for.

Layout of the index directory::

    catalog.sqlite   files, content hashes, cleaned articles, chunk spans (rag.catalog)
    chroma/          Chroma PersistentClient data (unless RAG_CHROMA_HOST points at a server)
    bm25/            the bm25s index, with the catalog generation it was built from (rag.stores)

Crash safety: for one file, vectors are written to Chroma first and the catalog is committed last.
A killed ingest therefore leaves the catalog at the file's old hash, and the next ingest redoes that
file; `reconcile()` deletes vectors that no catalog entry owns and re-queues files whose vectors are
missing. BM25 is rebuilt from the catalog into a temporary directory and swapped in, and is rebuilt
whenever its recorded generation differs from the catalog's.
"""

from __future__ import annotations

from pathlib import Path

from rag.catalog import Catalog
from rag.chunking import CHUNKER_VERSION, chunk_article
from rag.config import Settings
from rag.embeddings import Embedder
from rag.schema import Article, Passage
from rag.stores import Filters, TermStore, VectorStore

# Bump when the rows the stores keep change shape: indexes written before are rebuilt.
STORE_VERSION = 2


class Index:
    """Chroma + BM25 + catalog under one directory. Not process-safe: one writer per directory."""

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self.dir = Path(settings.index)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.dir / "catalog.sqlite")
        self.vectors = VectorStore.open(self.dir / "chroma", settings.collection, settings.chroma_host, settings.chroma_port)
        self.terms = TermStore(self.dir / "bm25")
        self._articles: dict[str, str] = {}  # cleaned texts, valid for one catalog generation
        self._articles_generation = -1

    def fingerprint(self) -> str:
        """What the stored chunks and vectors depend on besides the articles themselves. An index
        built under another fingerprint is rebuilt by the next ingest: mixing two models' vectors, or
        two chunk sizes, would silently degrade every answer."""
        return (
            f"embedder={self.embedder.name};chunk_chars={self.settings.chunk_chars};chunker={CHUNKER_VERSION}"
            f";stores={STORE_VERSION}"
        )

    def built_differently(self) -> bool:
        built_with = self.catalog.get_state("fingerprint")
        return bool(built_with) and built_with != self.fingerprint()

    def reset(self) -> None:
        """Forget everything (used when the fingerprint changed)."""
        self.vectors.clear()
        self.catalog.clear()

    # --- writing --------------------------------------------------------------------------------
    def sync_files(self, files: list[tuple[str, str, list[Article]]]) -> int:
        """Make the index hold exactly these articles for each (file, sha256, articles); returns the
        number of chunks embedded. Chunks already in Chroma under the same id (same text at the same
        place) are not re-embedded. The missing chunks of all the files are embedded together, in
        length-sorted batches (less padding), and then each file is written and committed on its own."""
        plans = []
        for file, sha256, articles in files:
            chunks = [c for a in articles for c in chunk_article(a, self.settings.chunk_chars)]
            plans.append((file, sha256, articles, chunks, self.vectors.ids(file)))
        missing = [c for *_, chunks, present in plans for c in chunks if c.id not in present]
        vectors = dict(zip((c.id for c in missing), self.embedder.embed([c.text for c in missing])))
        for file, sha256, articles, chunks, present in plans:
            new = [c for c in chunks if c.id in vectors]
            if new:
                self.vectors.add(new, [vectors[c.id] for c in new], file)
            stale = present - {c.id for c in chunks}
            if stale:
                self.vectors.delete(stale)
            spans: dict[str, list[tuple[str, int, int]]] = {a.source: [] for a in articles}
            for c in chunks:
                spans[c.source].append((c.id, c.start, c.end))
            self.catalog.put_file(file, sha256, articles, spans)  # the file's commit point
        self.catalog.set_state("fingerprint", self.fingerprint())
        return len(missing)

    def remove_file(self, file: str) -> None:
        self.vectors.delete_file(file)
        self.catalog.remove_file(file)

    def reconcile(self) -> set[str]:
        """Repair Chroma against the catalog; returns files whose vectors are missing (to redo)."""
        in_chroma = self.vectors.ids()
        owned = self.catalog.chunk_ids_by_file()
        orphans = in_chroma - set().union(*owned.values()) if owned else in_chroma
        if orphans:
            self.vectors.delete(orphans)
        return {file for file, ids in owned.items() if not ids <= in_chroma}

    def refresh_bm25(self) -> None:
        """Rebuild BM25 from the catalog if it does not match the catalog's generation."""
        generation = str(self.catalog.generation)
        if not self.terms.holds(generation):
            self.terms.build(self.catalog.chunks(), generation)

    # --- reading --------------------------------------------------------------------------------
    def article(self, source: str) -> str | None:
        """The cleaned text of an indexed article (None: not in the catalog). Cached until the
        catalog changes, by this process or another one."""
        generation = self.catalog.generation
        if generation != self._articles_generation:
            self._articles, self._articles_generation = {}, generation
        text = self._articles.get(source)
        if text is None:
            found = self.catalog.article(source)
            if found is None:
                return None
            text = self._articles[source] = found.text
        return text

    def count(self) -> int:
        return self.vectors.count()

    def vector_search(self, embedding: list[float], depth: int, filters: Filters | None = None) -> list[Passage]:
        return self.vectors.search(embedding, depth, filters)

    def bm25_search(self, question: str, depth: int, filters: Filters | None = None) -> list[Passage]:
        return self.terms.search(question, depth, self._bm25_generation(), filters)

    def bm25_rows(self) -> list[dict]:
        """What the BM25 index holds (id, text, metadata per chunk), matching the catalog."""
        return self.terms.rows(self._bm25_generation())

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        """({stemmed term: number of chunks containing it}, number of chunks), read from BM25."""
        return self.terms.document_frequencies(self._bm25_generation())

    def _bm25_generation(self) -> str:
        """The catalog's generation, with BM25 rebuilt first if it lags (another engine, or a crash,
        may have changed the catalog): queries cost one SQLite read for the check, no file I/O."""
        generation = str(self.catalog.generation)
        if not self.terms.holds(generation):
            self.terms.build(self.catalog.chunks(), generation)
        return generation
