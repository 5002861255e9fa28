"""The index: the catalog (source of truth) and the two search stores it vouches for.

Layout of the index directory::

    catalog.sqlite   files, content hashes, cleaned articles, chunk spans (rag.catalog)
    chroma/          Chroma PersistentClient data: ids, vectors, metadata, no texts (unless RAG_CHROMA_HOST
                     points at a server)
    bm25/            the bm25s index, with the catalog generation it was built from (rag.stores)
    lock             who has the folder open: readers shared, a writer exclusive (rag.lock)

The folder is created by the first write: reading an index that was never written creates nothing.

Crash safety: for one file, vectors are written to Chroma first (in pieces of `EMBED_PIECE` chunks,
the file marked pending in the catalog before the first) and the catalog is committed last. A killed
ingest therefore leaves the catalog at the file's old hash, and the next ingest redoes that file,
embedding only the chunks not yet in Chroma; `reconcile()` deletes vectors that no catalog entry owns
(except those of pending files) and re-queues files whose vectors are missing. Reads never return a
chunk the catalog does not vouch for (rag.retrieval). BM25 is rebuilt from the catalog into a folder
of its own and swapped in, and is rebuilt whenever its recorded generation differs from the
catalog's. Tests kill -9 an ingest at the named points of rag.hooks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rag import hooks
from rag.catalog import Catalog
from rag.chunking import CHUNKER_VERSION, chunk_id, chunk_spans, make_chunk
from rag.config import Settings
from rag.embedding_cache import StoredEmbedder
from rag.embeddings import Embedder
from rag.errors import IndexBusy
from rag.lock import IndexLock
from rag.memory import release_free_memory
from rag.schema import Article, Chunk, Passage
from rag.stores import Filters, Hit, TermStore, VectorStore, passage, row_metadata

# Bump when the rows the stores keep change shape: indexes written before are rebuilt.
STORE_VERSION = 2
# Chunks embedded and written to Chroma at a time: bounds ingest memory whatever the size of a file, and
# how much embedding a kill can lose (what was written is kept: see `Index.reconcile`).
EMBED_PIECE = 256
# A file of this many new chunks (~2 MB of text) is committed with Chroma's memory released first.
LARGE_FILE_CHUNKS = 4000


@dataclass(eq=False)  # hashed by identity: a piece groups its chunks by plan
class _Plan:
    """One file of a `sync_files` call: its articles, the (id, start, end) of their chunks, the chunk
    ids already in Chroma, the chunks to write as (article, span), and how many of those are written.
    Spans, not chunk texts: a 20 MB file has ~40,000 chunks, and their texts are cut piece by piece."""

    file: str
    sha256: str
    articles: list[Article]
    spans: dict[str, list[tuple[str, int, int]]]  # source -> chunk spans
    present: set[str]
    missing: list[tuple[Article, tuple[str, int, int]]]
    written: int = 0


class Index:
    """Chroma + BM25 + catalog under one directory.

    One process writes an embedded index, or any number read it (rag.lock): an open Index holds the
    folder's lock shared, and writing (`writing()`) takes it exclusive; either raises IndexBusy, naming
    the other process, instead of letting two processes' Chroma states drift apart. With a Chroma
    server (RAG_CHROMA_HOST) readers take no lock: they follow the catalog's generation (articles,
    BM25; Engine's term weights), and the vectors are the server's."""

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self.dir = Path(settings.index)
        self.lock = IndexLock(self.dir, server_mode=bool(settings.chroma_host))
        self.terms = TermStore(self.dir / "bm25")
        self._catalog: Catalog | None = None
        self._vectors: VectorStore | None = None
        self._opening = threading.Lock()
        self._articles: dict[str, str] = {}  # cleaned texts, valid for one catalog generation
        self._articles_generation = -1
        self._same_text: tuple[int, dict[str, list[str]]] = (-1, {})  # (generation, rag.catalog.same_text)
        self._count = (-1, 0)  # (generation, chunks)
        self._built_with = (-1, "")  # (generation, the fingerprint the index was built with)
        self._searches = 0  # vector searches under way (`release_vectors` waits for them)
        self._vectors_idle = threading.Condition()
        self._stored_embedder: StoredEmbedder | None = None  # ingest's, through the embedding cache
        if self.dir.is_dir():
            self._open()  # an existing index is opened (and locked) now: a refusal comes at once

    # The folder is created by the first write, not by opening: reading an index that was never
    # written (`rag ask` before any ingest, with a corpus that does not exist) leaves nothing behind.
    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._open()
        return self._catalog  # type: ignore[return-value]

    @property
    def vectors(self) -> VectorStore:
        if self._vectors is None:
            if self._catalog is None:
                self._open()
            with self._opening:  # reopened after `release_vectors`
                if self._vectors is None:
                    self._vectors = self._open_vectors()
        return self._vectors  # type: ignore[return-value]

    def _open_vectors(self) -> VectorStore:
        s = self.settings
        return VectorStore.open(self.dir / "chroma", s.collection, s.chroma_host, s.chroma_port)

    def exists(self) -> bool:
        """Is there an index (open, or a folder to open)?"""
        return self._catalog is not None or self.dir.is_dir()

    def _open(self) -> None:
        with self._opening:
            if self._catalog is not None:
                return
            self.dir.mkdir(parents=True, exist_ok=True)
            self.lock.shared()  # before Chroma loads anything from disk
            try:
                catalog = Catalog(self.dir / "catalog.sqlite")
                self._vectors = self._open_vectors()
            except BaseException:
                self.lock.release_shared()
                raise
            self._catalog = catalog

    def fingerprint(self) -> str:
        """What the stored chunks and vectors depend on besides the articles themselves. An index
        built under another fingerprint is rebuilt by the next ingest: mixing two models' vectors, or
        two chunk sizes, would silently degrade every answer."""
        return (
            f"embedder={self.embedder.name};chunk_chars={self.settings.chunk_chars};chunker={CHUNKER_VERSION}"
            f";stores={STORE_VERSION}"
        )

    def built_differently(self, generation: int | None = None) -> bool:
        """Was the index built with another embedder or chunking (`fingerprint`)? Checked by every
        question: read once per catalog generation (an ingest that rebuilds changes the generation;
        a query passes the one it read, `generation()`)."""
        generation = self.catalog.generation if generation is None else generation
        if self._built_with[0] != generation:
            self._built_with = (generation, self.catalog.get_state("fingerprint"))
        built_with = self._built_with[1]
        return bool(built_with) and built_with != self.fingerprint()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index exclusively while writing it (IndexBusy if another process has it open)."""
        self._open()
        with self.lock.exclusive():
            yield

    def reset(self) -> None:
        """Forget everything (used when the fingerprint changed); the new fingerprint is recorded with
        the catalog's clearing, so no reader caches the old one under the new generation."""
        self.vectors.clear()
        self.catalog.clear(fingerprint=self.fingerprint())

    # --- writing --------------------------------------------------------------------------------
    def sync_files(self, files: list[tuple[str, str, list[Article]]]) -> tuple[int, int]:
        """Make the index hold exactly these articles for each (file, sha256, articles); returns the
        number of chunks written to Chroma, and how many of those had their vector in the embedding
        cache (rag.embedding_cache). Chunks already in Chroma under the same id (same text at the same
        place) are not written again.

        The missing chunks of all the files are embedded and written to Chroma in pieces of
        `EMBED_PIECE` (each piece length-sorted by the embedder: less padding), so memory stays flat
        whatever the size of a file; a file is committed to the catalog as soon as its last piece is
        in Chroma. The files are marked pending first: if the ingest dies, `reconcile` keeps what was
        written and the next ingest embeds only the rest."""
        plans = []
        known = self.catalog.known_files([file for file, _, _ in files])
        for file, sha256, articles in files:
            spans = {a.source: chunk_spans(a, self.settings.chunk_chars) for a in articles}
            # A file new to the catalog (and not pending) has nothing in Chroma: no lookup (one round
            # trip per file, ~3 ms on a server, adds up over 100k files).
            stored = self.vectors.rows(file) if file in known else {}
            # Same id = same text at the same place, but the article's metadata (an outlet, a title)
            # may have changed around it: such chunks keep their vectors and get the new metadata.
            kept = [make_chunk(a, span) for a in articles for span in spans[a.source] if span[0] in stored]
            changed = [c for c in kept if stored[c.id] != row_metadata(c, file)]
            if changed:
                self.vectors.rewrite_metadata(changed, file)
            present = set(stored)
            missing = [(a, span) for a in articles for span in spans[a.source] if span[0] not in present]
            plans.append(_Plan(file, sha256, articles, spans, present, missing))
        self.catalog.mark_pending([plan.file for plan in plans if plan.missing])
        piece: list[tuple[_Plan, Chunk]] = []
        embedder = self._ingest_embedder()
        hits_before = getattr(embedder, "hits", 0)
        written = 0
        for plan in plans:
            if not plan.missing:
                self._commit(plan)
            for article, span in plan.missing:
                piece.append((plan, make_chunk(article, span)))
                if len(piece) >= EMBED_PIECE:
                    written += self._write_piece(piece, embedder)
                    piece = []
        written += self._write_piece(piece, embedder)
        self.catalog.set_state("fingerprint", self.fingerprint())
        return written, getattr(embedder, "hits", 0) - hits_before

    def _ingest_embedder(self) -> Embedder:
        """The embedder through the embedding cache, unless RAG_EMBED_CACHE=off."""
        path = self.settings.embed_cache_path()
        if path is None:
            return self.embedder
        if self._stored_embedder is None:
            self._stored_embedder = StoredEmbedder(self.embedder, path)
        return self._stored_embedder

    def _write_piece(self, piece: list[tuple[_Plan, Chunk]], embedder: Embedder) -> int:
        """Embed one piece of chunks, write it to Chroma in one call, and commit the files it completes
        (many small files share a piece: one write for all of them, not one per file)."""
        if not piece:
            return 0
        hooks.point("embed")
        vectors = embedder.embed([chunk.text for _, chunk in piece])
        self.vectors.add([chunk for _, chunk in piece], vectors, [plan.file for plan, _ in piece])
        for plan, _ in piece:
            plan.written += 1
        for plan in dict.fromkeys(plan for plan, _ in piece):  # in order: a file completes once
            if plan.written == len(plan.missing):
                if len(plan.missing) >= LARGE_FILE_CHUNKS:
                    # SQLite copies a large article twice while committing it (~45 MB for 20 MB of
                    # text): without Chroma's in-memory index beside it (reopened by the next write).
                    self.release_vectors()
                self._commit(plan)
        return len(piece)

    def _commit(self, plan: _Plan) -> None:
        """Commit one file whose chunks are all in Chroma, then drop its chunks no longer used."""
        hooks.point("commit")
        self.catalog.put_file(plan.file, plan.sha256, plan.articles, plan.spans)  # the file's commit point
        # Deleted after the commit: until then the catalog vouches for them. If the ingest dies here,
        # they are orphans that reads skip and the next reconcile deletes.
        stale = plan.present - {chunk_id for spans in plan.spans.values() for chunk_id, _, _ in spans}
        if stale:
            hooks.point("update")
            self.vectors.delete(stale)

    def remove_file(self, file: str) -> None:
        self.vectors.delete_file(file)
        self.catalog.remove_file(file)

    def drop_pending(self, keep: set[str]) -> None:
        """Forget the half-written chunks of files that are pending but not in `keep` (deleted from the
        corpus since an interrupted ingest)."""
        for file in sorted(self.catalog.pending_files() - keep):
            self.vectors.delete_file(file)
            self.catalog.unmark_pending(file)

    def reconcile(self) -> set[str]:
        """Repair Chroma against the catalog; returns files whose vectors are missing (to redo).
        Chunks that no catalog entry owns are deleted, except those of pending files (written ahead of
        a commit that an interrupted ingest never reached: the next sync of the file reuses them).

        Ingest calls it only when `needs_reconcile()`: reading every id in Chroma costs
        time that grows with the collection, and only an interrupted write leaves anything to repair."""
        in_chroma = self.vectors.ids()
        owned = self.catalog.chunk_ids_by_file()
        orphans = in_chroma - set().union(*owned.values()) if owned else in_chroma
        if orphans:
            for file in self.catalog.pending_files():
                orphans -= self.vectors.ids(file)
        if orphans:
            self.vectors.delete(orphans)
        return {file for file, ids in owned.items() if not ids <= in_chroma}

    def needs_reconcile(self) -> bool:
        """Can Chroma disagree with the catalog? Yes if a write started and never finished (a killed
        ingest, or an index older than this mark), or if the counts differ (a wiped or restored
        Chroma): one count() per ingest instead of reading every id."""
        return self.catalog.get_state("writes") != "finished" or self.vectors.count() != self.catalog.chunk_count()

    def started_writing(self) -> None:
        """Say that a write is under way: until `finished_writing`, `needs_reconcile()` is true."""
        self.catalog.set_state("writes", "started")

    def finished_writing(self) -> None:
        self.catalog.set_state("writes", "finished")

    def refresh_bm25(self) -> None:
        """Rebuild BM25 from the catalog if it does not match the catalog's generation."""
        generation = str(self.catalog.generation)
        if not self.terms.holds(generation):
            self.terms.build(self.catalog.chunks(), generation)

    # --- reading --------------------------------------------------------------------------------
    def generation(self) -> int:
        """The catalog's generation: it grows with every change (one SQLite read). A query reads it
        once and passes it on (`article`, `same_text`, `bm25_search`) instead of reading it per passage."""
        return self.catalog.generation

    def article(self, source: str, generation: int | None = None) -> str | None:
        """The cleaned text of an indexed article (None: not in the catalog). Cached until the
        catalog changes, by this process or another one."""
        if not self.exists():
            return None
        cache = self._article_cache(self.catalog.generation if generation is None else generation)
        if source not in cache:
            cache.update(self.catalog.texts([source]))
        return cache.get(source)

    def prefetch(self, sources: list[str], generation: int) -> None:
        """Read the texts of these articles into the cache in one query (a question's passages come
        from ~15-30 articles: one SQLite query each would cost more than the searches' overhead)."""
        cache = self._article_cache(generation)
        missing = [s for s in sources if s not in cache]
        if missing:
            cache.update(self.catalog.texts(missing))

    def _article_cache(self, generation: int) -> dict[str, str]:
        """The cleaned texts read at this catalog generation (emptied when it changes)."""
        if generation != self._articles_generation:
            self._articles, self._articles_generation = {}, generation
        return self._articles

    def same_text(self, source: str, generation: int | None = None) -> list[str]:
        """The other indexed articles whose text is exactly that of `source` (cached per generation)."""
        generation = self.catalog.generation if generation is None else generation
        if self._same_text[0] != generation:
            self._same_text = (generation, self.catalog.same_text())
        return self._same_text[1].get(source, [])

    def count(self, generation: int | None = None) -> int:
        """Chunks the catalog vouches for (Chroma may hold more after a crash, until reconciled).
        Counted once per catalog generation: every question checks it, and counting reads every
        article row."""
        if not self.exists():
            return 0
        generation = self.catalog.generation if generation is None else generation
        if self._count[0] != generation:
            self._count = (generation, self.catalog.chunk_count())
        return self._count[1]

    def close(self) -> None:
        """Close the catalog and the Chroma client, and release the lock: a later Index on this folder
        reads Chroma anew from disk (Chroma keeps one in-memory state per folder and process until its
        last client closes). Using the index again opens it again."""
        with self._opening:
            if self._catalog is None:
                return
            self._catalog.close()
            if self._vectors is not None:  # (None after `release_vectors`)
                self._vectors.close()
            if self._stored_embedder is not None:
                self._stored_embedder.close()
                self._stored_embedder = None
            self._catalog = self._vectors = None
            self.lock.release_shared()

    def vector_search(self, embedding: list[float], depth: int, filters: Filters | None = None,
                      generation: int | None = None) -> list[Passage]:
        """Chroma's nearest chunks that the catalog vouches for, their texts cut from the articles
        (Chroma keeps no texts). Vouched: the chunk's id is that of the catalog's text at its offsets
        (rag.chunking.chunk_id), so a chunk left by a killed ingest, or of an older version of its
        article, is dropped."""
        with self._vectors_idle:
            store = self.vectors
            self._searches += 1
        try:
            found = store.search(embedding, depth, filters)
        finally:
            with self._vectors_idle:
                self._searches -= 1
                self._vectors_idle.notify_all()
        return self._with_texts(found, self.catalog.generation if generation is None else generation, check=True)

    def release_vectors(self) -> None:
        """Let embedded Chroma drop its in-memory vector index (~1.7 KB per chunk) until the next
        search reopens it: ingest calls this before rebuilding BM25, whose own peak would otherwise
        come on top (a 20 MB file: ~80 MB of Chroma plus ~120 MB of BM25 build). Waits for searches
        under way. Nothing to do with a Chroma server (the vectors live there)."""
        if self.settings.chroma_host:
            return
        with self._vectors_idle:
            self._vectors_idle.wait_for(lambda: self._searches == 0)
            with self._opening:
                if self._vectors is not None:
                    self._vectors.close()
                    self._vectors = None
        release_free_memory()

    def bm25_search(self, question: str, depth: int, filters: Filters | None = None,
                    generation: int | None = None) -> list[Passage]:
        """BM25's passages, their texts cut from the articles (the BM25 index keeps none)."""
        generation = self.catalog.generation if generation is None else generation

        found = self.terms.search(question, depth, self._bm25_generation(generation), filters)
        return self._with_texts(found, generation, check=False)  # built from this generation's catalog

    def _with_texts(self, hits: list[Hit], generation: int, check: bool) -> list[Passage]:
        """The hits' passages, their texts cut from the articles (read in one query); with `check`, only
        those whose id is the chunk id of that text at that place (sha1 of ~500 characters: ~2 us)."""
        self.prefetch([hit.row["source"] for hit in hits], generation)
        passages = []
        for hit in hits:
            source, start, end = hit.row["source"], int(hit.row["start"]), int(hit.row["end"])
            article = self.article(source, generation)
            if article is None:
                continue
            text = article[start:end]
            if not check or chunk_id(source, start, end, text) == hit.id:
                passages.append(passage(hit, text))
        return passages

    def bm25_rows(self) -> list[dict]:
        """What the BM25 index holds (id, metadata and text per chunk), matching the catalog."""
        rows = self.terms.rows(self._bm25_generation())
        return [{**row, "text": (self.article(row["source"]) or "")[row["start"] : row["end"]]} for row in rows]

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        """({stemmed term: number of chunks containing it}, number of chunks), read from BM25."""
        return self.terms.document_frequencies(self._bm25_generation())

    def _bm25_generation(self, at: int | None = None) -> str:
        """The catalog's generation (or `at`), with BM25 rebuilt first if it lags (another engine, or a
        crash, may have changed the catalog): queries cost one SQLite read for the check, no file I/O."""
        generation = str(self.catalog.generation if at is None else at)
        if not self.terms.holds(generation):
            try:
                with self.lock.exclusive():  # persisted for every process, if no other one has the index open
                    self.terms.build(self.catalog.chunks(), generation)
            except IndexBusy:  # other readers (or a writer, with a Chroma server): for this process only
                self.terms.build(self.catalog.chunks(), generation, persist=False)
        return generation
