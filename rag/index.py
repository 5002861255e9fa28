"""The index: Chroma (vectors) and BM25 (terms) over the same chunk ids, plus the catalog.

Layout of the index directory::

    catalog.sqlite   files, content hashes, cleaned articles, chunk spans (rag.catalog)
    chroma/          Chroma PersistentClient data (unless RAG_CHROMA_HOST points at a server)
    bm25/            llama-index BM25Retriever (bm25s) persisted, with the catalog generation it matches

Crash safety: for one file, vectors are written to Chroma first and the catalog is committed last.
A killed ingest therefore leaves the catalog at the file's old hash, and the next ingest redoes that
file; `reconcile()` deletes vectors that no catalog entry owns and re-queues files whose vectors are
missing. BM25 is rebuilt from the catalog into a temporary directory and swapped in, and is rebuilt
whenever its recorded generation differs from the catalog's.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.catalog import Catalog
from rag.chunking import CHUNKER_VERSION, chunk_article
from rag.config import Settings
from rag.embeddings import Embedder
from rag.schema import Article, Chunk

def _to_node(chunk: Chunk, file: str, embedding: list[float] | None = None):
    from llama_index.core.schema import TextNode

    meta: dict[str, Any] = {**chunk.meta, "source": chunk.source, "file": file, "start": chunk.start, "end": chunk.end}
    hidden = sorted(meta)  # metadata stays out of the embedded and prompted text: the chunk alone counts
    return TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=meta,
        embedding=embedding,
        # Exact offsets into the cleaned article (llama-index's own would be relative to its parser).
        start_char_idx=chunk.start,
        end_char_idx=chunk.end,
        excluded_embed_metadata_keys=hidden,
        excluded_llm_metadata_keys=hidden,
    )


def metadata_filters(filters: dict[str, Any] | None):
    """{"source": "a.txt", "outlet": ["Ambito", "AFP"]} -> llama-index MetadataFilters (EQ / IN, AND)."""
    if not filters:
        return None
    from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

    parts = []
    for key, value in filters.items():
        if isinstance(value, (list, tuple, set)):
            parts.append(MetadataFilter(key=key, value=list(value), operator=FilterOperator.IN))
        else:
            parts.append(MetadataFilter(key=key, value=value, operator=FilterOperator.EQ))
    return MetadataFilters(filters=parts)


class Index:
    """Chroma + BM25 + catalog under one directory. Not process-safe: one writer per directory."""

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self.dir = Path(settings.index)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.dir / "catalog.sqlite")
        self._collection = self._open_collection()
        self._bm25 = None  # bm25s.BM25, loaded lazily
        self._bm25_generation = -1  # the catalog generation self._bm25 was loaded for

    # --- opening --------------------------------------------------------------------------------
    def _open_collection(self):
        import chromadb

        if self.settings.chroma_host:
            client = chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port)
        else:
            client = chromadb.PersistentClient(path=str(self.dir / "chroma"))
        self._client = client
        # embedding_function=None: we always pass vectors, and Chroma must never fall back to its
        # default model (which it would try to download). Cosine space is not Chroma's default.
        return client.get_or_create_collection(
            self.settings.collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )

    @property
    def vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._collection)

    def fingerprint(self) -> str:
        """What the stored chunks and vectors depend on besides the articles themselves. An index
        built under another fingerprint is rebuilt by the next ingest: mixing two models' vectors, or
        two chunk sizes, would silently degrade every answer."""
        return f"embedder={self.embedder.name};chunk_chars={self.settings.chunk_chars};chunker={CHUNKER_VERSION}"

    def built_differently(self) -> bool:
        built_with = self.catalog.get_state("fingerprint")
        return bool(built_with) and built_with != self.fingerprint()

    def reset(self) -> None:
        """Forget everything (used when the fingerprint changed)."""
        self._client.delete_collection(self.settings.collection)
        self._collection = self._open_collection()
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
            present = set(self._collection.get(where={"file": file}, include=[])["ids"])
            plans.append((file, sha256, articles, chunks, present))
        missing = [c for *_, chunks, present in plans for c in chunks if c.id not in present]
        vectors = dict(zip((c.id for c in missing), self.embedder.embed([c.text for c in missing])))
        for file, sha256, articles, chunks, present in plans:
            new = [_to_node(c, file, vectors[c.id].tolist()) for c in chunks if c.id in vectors]
            if new:
                self.vector_store.add(new)
            stale = sorted(present - {c.id for c in chunks})
            if stale:
                self._collection.delete(ids=stale)
            spans: dict[str, list[tuple[str, int, int]]] = {a.source: [] for a in articles}
            for c in chunks:
                spans[c.source].append((c.id, c.start, c.end))
            self.catalog.put_file(file, sha256, articles, spans)  # the file's commit point
        self.catalog.set_state("fingerprint", self.fingerprint())
        return len(missing)

    def remove_file(self, file: str) -> None:
        self._collection.delete(where={"file": file})
        self.catalog.remove_file(file)

    def reconcile(self) -> set[str]:
        """Repair Chroma against the catalog; returns files whose vectors are missing (to redo)."""
        in_chroma = set(self._collection.get(include=[])["ids"])
        owned = self.catalog.chunk_ids_by_file()
        orphans = in_chroma - set().union(*owned.values()) if owned else in_chroma
        if orphans:
            self._collection.delete(ids=sorted(orphans))
        return {file for file, ids in owned.items() if not ids <= in_chroma}

    def refresh_bm25(self) -> None:
        """Rebuild BM25 from the catalog if it does not match the catalog's generation."""
        generation = str(self.catalog.generation)
        marker = self.dir / "bm25" / "generation"
        if marker.exists() and marker.read_text() == generation:
            return
        from llama_index.retrievers.bm25 import BM25Retriever

        target, tmp = self.dir / "bm25", self.dir / "bm25.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        nodes = [_to_node(c, "") for c in self.catalog.chunks()]
        if nodes:
            tmp.mkdir()
            BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=1).persist(str(tmp), show_progress=False)
            (tmp / "generation").write_text(generation)
        shutil.rmtree(target, ignore_errors=True)
        if nodes:
            tmp.rename(target)  # atomic on one file system: readers see the old or the new index
        self._bm25 = None

    # --- reading --------------------------------------------------------------------------------
    # The query path talks to Chroma and bm25s directly: importing llama-index costs about 3.5 s on
    # this machine, which alone would break the 3 s budget of a cold `rag ask`. It reads the very
    # stores that llama-index wrote (ChromaVectorStore rows, BM25Retriever's persisted bm25s index),
    # and `llama_retrievers()` gives llama-index users the same two as llama-index retrievers.
    def count(self) -> int:
        return self._collection.count()

    def vector_search(self, embedding: list[float], depth: int, filters: dict[str, Any] | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity (score = 1 - cosine distance)."""
        depth = min(depth, self.count())
        if depth == 0:
            return []
        found = self._collection.query(
            query_embeddings=[embedding], n_results=depth, where=_chroma_where(filters), include=["metadatas", "distances"]
        )
        return [
            Hit(chunk_id, m["source"], int(m["start"]), int(m["end"]), 1.0 - d, _article_meta(m))
            for chunk_id, m, d in zip(found["ids"][0], found["metadatas"][0], found["distances"][0])
        ]

    def bm25_search(self, question: str, depth: int, filters: dict[str, Any] | None = None) -> list[Hit]:
        """Chunks by BM25 score, tokenized exactly as llama-index's BM25Retriever does."""
        import bm25s

        bm25 = self._load_bm25()
        if bm25 is None:
            return []
        corpus = bm25.corpus
        mask = None
        if filters:
            mask = np.array([_matches(doc, filters) for doc in corpus], dtype=float)
            if not mask.any():
                return []
        tokens = bm25s.tokenize(question, stemmer=_stemmer(), token_pattern=_TOKEN_PATTERN, show_progress=False)
        docs, scores = bm25.retrieve(tokens, k=min(depth, len(corpus)), weight_mask=mask, show_progress=False)
        return [
            Hit(doc["node_id"], doc["source"], int(doc["start"]), int(doc["end"]), float(score), _article_meta(doc))
            for doc, score in zip(docs[0], scores[0])
            if score > 0  # bm25s fills k slots even with documents sharing no term with the query
        ]

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        """({stemmed term: number of chunks containing it}, number of chunks), read from BM25."""
        bm25 = self._load_bm25()
        if bm25 is None:
            return {}, 0
        # bm25s keeps one sparse column per vocabulary term: its length is the term's df.
        indptr = np.asarray(bm25.scores["indptr"])
        per_term = np.diff(indptr)
        return {t: int(per_term[i]) for t, i in bm25.vocab_dict.items() if i < len(per_term)}, int(bm25.scores["num_docs"])

    def _load_bm25(self):
        """The BM25 index matching the catalog, loaded once per catalog generation (queries then cost
        one SQLite read for the check, no file I/O)."""
        generation = self.catalog.generation
        if self._bm25 is not None and self._bm25_generation == generation:
            return self._bm25
        self._bm25 = None  # another generation: the files may have been rebuilt, by us or another engine
        self.refresh_bm25()
        if (self.dir / "bm25").exists():
            import bm25s

            self._bm25 = bm25s.BM25.load(str(self.dir / "bm25"), load_corpus=True, show_progress=False)
            self._bm25_generation = generation
        return self._bm25

    def llama_retrievers(self, depth: int, filters: dict[str, Any] | None = None) -> list:
        """The same two searches as llama-index retrievers: VectorIndexRetriever over the Chroma
        collection and the persisted BM25Retriever (omitted when nothing passes the filters)."""
        from llama_index.core import VectorStoreIndex
        from llama_index.retrievers.bm25 import BM25Retriever

        from rag.embeddings import LlamaIndexEmbedding

        vector_index = VectorStoreIndex.from_vector_store(self.vector_store, embed_model=LlamaIndexEmbedding(self.embedder))
        retrievers = [vector_index.as_retriever(similarity_top_k=depth, filters=metadata_filters(filters))]
        bm25 = self._load_bm25()
        if bm25 is not None:
            size = int(bm25.scores["num_docs"])
            try:
                retrievers.append(
                    BM25Retriever(existing_bm25=bm25, similarity_top_k=min(depth, size), filters=metadata_filters(filters))
                )
            except ValueError:  # "All nodes were filtered out by the metadata filters."
                pass
        return retrievers


@dataclass(frozen=True)
class Hit:
    """One search result: a chunk id, where it lies, and the searcher's own score."""

    chunk_id: str
    source: str
    start: int
    end: int
    score: float
    meta: dict[str, str] = field(default_factory=dict)  # the article's title, date, url, outlet, author


_ARTICLE_META = ("title", "date", "url", "outlet", "author")


def _article_meta(stored: dict[str, Any]) -> dict[str, str]:
    """The article metadata among a stored chunk's fields (which also hold ids, offsets, node data)."""
    return {key: str(stored[key]) for key in _ARTICLE_META if stored.get(key) not in (None, "")}


_TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # llama-index BM25Retriever's default


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _matches(doc: dict[str, Any], filters: dict[str, Any]) -> bool:
    for key, value in filters.items():
        allowed = value if isinstance(value, (list, tuple, set)) else [value]
        if doc.get(key) not in allowed:
            return False
    return True


def _chroma_where(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    clauses = [
        {key: {"$in": list(value)}} if isinstance(value, (list, tuple, set)) else {key: value}
        for key, value in filters.items()
    ]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
