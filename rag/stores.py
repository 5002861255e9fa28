"""The two stores behind the index, written and read only here: Chroma (vectors) and bm25s (terms).

Both hold the same chunk ids and the same metadata (source, file, start, end and the article's title,
date, url, outlet, author), and both answer a search with `Hit`s: id, row and the searcher's own score.
Neither keeps texts: rag.index cuts them from the catalog's articles.
A search filter is a dict ``{field: value or list of values}``; `chroma_where` and `matches` are its
two translations, side by side so that they cannot drift apart.

Why not through llama-index's ChromaVectorStore and BM25Retriever (newsrag did that once): importing
llama-index costs about 3.5 s, which a cold `rag ask` cannot pay; ChromaVectorStore sends a whole
file's chunks in one `add`, which Chroma refuses above its max batch size (a 20 MB file could never
be ingested); and reading the stores directly while writing them through llama-index meant two
definitions of every row format. llama-index users still get a llama-index retriever over the one
query path (`Engine.as_retriever`, rag.llama).

>>> matches({"source": "a.txt", "outlet": "AP"}, {"source": ["a.txt", "b.txt"]})
True
>>> chroma_where({"source": ["a.txt", "b.txt"], "outlet": "AP"})
{'$and': [{'source': {'$in': ['a.txt', 'b.txt']}}, {'outlet': 'AP'}]}
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from rag import hooks
from rag.memory import release_free_memory
from rag.schema import Chunk, Passage
from rag.terms import bm25_tokenize, bm25_tokenize_all

ARTICLE_META = ("title", "date", "url", "outlet", "author")
Filters = dict[str, Any]


# --- filters --------------------------------------------------------------------------------------


def _allowed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def chroma_where(filters: Filters | None) -> dict[str, Any] | None:
    """The filter as a Chroma `where` clause (None: no filter)."""
    if not filters:
        return None
    clauses = [
        {key: {"$in": _allowed(value)}} if isinstance(value, (list, tuple, set)) else {key: value}
        for key, value in filters.items()
    ]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def matches(row: dict[str, Any], filters: Filters) -> bool:
    """Does a stored row's metadata pass the filter?"""
    return all(row.get(key) in _allowed(value) for key, value in filters.items())


# --- rows -----------------------------------------------------------------------------------------


def row_metadata(chunk: Chunk, file: str) -> dict[str, Any]:
    """What both stores keep about a chunk besides its id and text."""
    meta: dict[str, Any] = {k: chunk.meta[k] for k in ARTICLE_META if chunk.meta.get(k) not in (None, "")}
    meta.update(source=chunk.source, file=file, start=chunk.start, end=chunk.end)
    return meta


class Hit(NamedTuple):
    """A search result of either store: a chunk's id, its stored row (`row_metadata`) and its score.
    No text: neither store keeps one (rag.index cuts it from the catalog's article and makes the
    `Passage`, once, for the hits the catalog vouches for)."""

    id: str
    row: dict[str, Any]
    score: float


def passage(hit: Hit, text: str) -> Passage:
    """The passage of a hit whose text is `text` (article metadata only, as strings)."""
    row = hit.row
    meta = {key: str(row[key]) for key in ARTICLE_META if row.get(key) not in (None, "")}
    return Passage(row["source"], int(row["start"]), int(row["end"]), text, hit.score, hit.id, meta)


# --- Chroma ---------------------------------------------------------------------------------------


class VectorStore:
    """One Chroma collection (cosine space), embedded on disk or on a `chroma run` server.

    Writes are cut into batches of at most the client's max batch size. Vectors are always given:
    newsrag embeds, and Chroma must never fall back to its default model (which it would try to
    download)."""

    def __init__(self, client: Any, name: str):
        self._client = client
        self._name = name
        self._collection = self._open()

    @classmethod
    def open(cls, directory: Path, name: str, host: str | None = None, port: int = 8000) -> VectorStore:
        import chromadb  # telemetry is off through the environment (rag.offline)

        if host:
            return cls(chromadb.HttpClient(host=host, port=port), name)
        return cls(chromadb.PersistentClient(path=str(directory)), name)

    def _open(self):
        return self._client.get_or_create_collection(
            self._name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )

    @property
    def max_batch(self) -> int:
        return int(self._client.get_max_batch_size())

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, files: Sequence[str]) -> None:
        """Write chunks with their vectors (`files[i]` is chunk i's file), replacing any row of the
        same id whole: Chroma's upsert would merge metadata, keeping a key (an outlet, a title) the new
        row no longer has. No texts: the catalog keeps them (one copy), and Chroma indexing each text
        for its own full-text search tripled the cost of an add (1.8 vs 0.6 ms per 500-character chunk)."""
        step = self.max_batch
        for i in range(0, len(chunks), step):
            part = chunks[i : i + step]
            self._collection.delete(ids=[c.id for c in part])
            self._collection.add(
                ids=[c.id for c in part],
                embeddings=np.asarray(vectors[i : i + step], dtype=np.float32),
                metadatas=[row_metadata(c, f) for c, f in zip(part, files[i : i + step])],
            )

    def rewrite_metadata(self, chunks: Sequence[Chunk], file: str) -> None:
        """Give stored chunks their current metadata, keeping their vectors (no re-embedding)."""
        for i in range(0, len(chunks), self.max_batch):
            part = chunks[i : i + self.max_batch]
            got = self._collection.get(ids=[c.id for c in part], include=["embeddings"])
            vectors = dict(zip(got["ids"], got["embeddings"]))
            kept = [c for c in part if c.id in vectors]
            if kept:
                self.add(kept, np.array([vectors[c.id] for c in kept]), [file] * len(kept))

    def delete(self, ids: Iterable[str]) -> None:
        ids = sorted(ids)
        for i in range(0, len(ids), self.max_batch):
            self._collection.delete(ids=ids[i : i + self.max_batch])

    def delete_file(self, file: str) -> None:
        self._collection.delete(where={"file": file})

    def ids(self, file: str | None = None) -> set[str]:
        return set(self._collection.get(where={"file": file} if file else None, include=[])["ids"])

    def rows(self, file: str | None = None) -> dict[str, dict[str, Any]]:
        """Every stored chunk's metadata by id, or those of one file (for syncs and checks, not queries)."""
        got = self._collection.get(where={"file": file} if file else None, include=["metadatas"])
        return dict(zip(got["ids"], got["metadatas"]))

    def count(self) -> int:
        return self._collection.count()

    def close(self) -> None:
        """Release the client: the last client of a folder in a process drops Chroma's in-memory state."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    def clear(self) -> None:
        self._client.delete_collection(self._name)
        self._collection = self._open()

    def search(self, vector: Sequence[float], depth: int, filters: Filters | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity (score = 1 - cosine distance). Chroma (1.x) returns
        fewer than `depth` when fewer match, so no count() per query: it costs a round trip that grows
        with the collection (~2-5 ms at 1k-20k chunks)."""
        if depth < 1:
            return []
        found = self._collection.query(
            query_embeddings=[list(vector)], n_results=depth, where=chroma_where(filters),
            include=["metadatas", "distances"],
        )
        return [Hit(chunk_id, row, 1.0 - distance)
                for chunk_id, row, distance in zip(found["ids"][0], found["metadatas"][0], found["distances"][0])]


# --- bm25s ----------------------------------------------------------------------------------------


class TermStore:
    """A bm25s index over chunk texts, persisted in `directory` with the catalog generation it was
    built from. `build` writes a new one beside it and swaps it in (readers see the old or the new)."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self._bm25 = None
        self._rows: list[dict[str, Any]] = []
        self._generation: str | None = None

    def generation(self) -> str | None:
        """The catalog generation the index on disk was built from (None: no index)."""
        marker = self.dir / "generation"
        return marker.read_text() if marker.exists() else None

    def holds(self, generation: str) -> bool:
        """Is the index (loaded, or on disk) the one built from this catalog generation?"""
        return self._generation == generation or self.generation() == generation

    def build(self, chunks: Iterable[tuple[Chunk, str]], generation: str, persist: bool = True) -> None:
        """Index (chunk, file) pairs. An empty corpus leaves only the generation marker.

        Written beside the index under a name of its own, then swapped in by two renames; a kill
        between them leaves no index, which reads take for an index of no generation (rebuilt). Left
        over folders of a killed build are removed by the next one. `persist=False` keeps the index in
        this object only (a reader that may not write the folder: rag.lock)."""
        # One pass, streaming: rows keep ids and metadata, not texts (a passage's text is cut from its
        # article, rag.index), and texts are tokenised a batch at a time into compact arrays.
        rows: list[dict[str, Any]] = []

        def texts() -> Iterator[str]:
            for chunk, file in chunks:
                rows.append({"id": chunk.id, **row_metadata(chunk, file)})
                yield chunk.text

        tokenized = bm25_tokenize_all(texts())
        if not persist:
            bm25 = None
            if rows:
                bm25 = lean_bm25()
                bm25.index(tokenized, show_progress=False)
            self._bm25, self._rows, self._generation = bm25, rows, generation
            return
        for leftover in self.dir.parent.glob(f"{self.dir.name}.*-*"):  # .tmp-* and .old-* of a killed build
            shutil.rmtree(leftover, ignore_errors=True)
        unique = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp = self.dir.with_name(f"{self.dir.name}.tmp-{unique}")
        tmp.mkdir(parents=True)
        if rows:
            # rows go to disk and out of memory before bm25s builds its matrices: the build's peak
            # (a few copies of the term-document scores) is the largest of an ingest.
            (tmp / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
            rows.clear()
            release_free_memory()
            bm25 = lean_bm25()
            bm25.index(tokenized, show_progress=False)
            del tokenized
            bm25.save(str(tmp))
            del bm25
        (tmp / "generation").write_text(generation)
        old = self.dir.with_name(f"{self.dir.name}.old-{unique}")
        if self.dir.exists():
            self.dir.rename(old)
        hooks.point("bm25")
        tmp.rename(self.dir)
        shutil.rmtree(old, ignore_errors=True)
        self._bm25, self._rows, self._generation = None, [], None

    def _load(self, generation: str):
        if self._generation != generation:
            import bm25s

            self._bm25, self._rows, self._generation = None, [], None
            if self.generation() == generation:  # only a generation found on disk counts as loaded
                if (self.dir / "rows.json").exists():
                    self._bm25 = bm25s.BM25.load(str(self.dir), show_progress=False)
                    self._rows = json.loads((self.dir / "rows.json").read_text(encoding="utf-8"))
                self._generation = generation
        return self._bm25

    def search(self, question: str, depth: int, generation: str, filters: Filters | None = None) -> list[Hit]:
        """Chunks by BM25 score; only chunks sharing a term with the question."""
        bm25 = self._load(generation)
        if bm25 is None:
            return []
        mask = None
        if filters:
            mask = np.array([matches(row, filters) for row in self._rows], dtype=float)
            if not mask.any():
                return []
        ids, scores = bm25.retrieve(
            bm25_tokenize(question), k=min(depth, len(self._rows)), weight_mask=mask, show_progress=False
        )
        return [
            Hit(self._rows[i]["id"], self._rows[i], float(score))
            for i, score in zip(ids[0], scores[0])
            if score > 0  # bm25s fills k slots even with chunks sharing no term with the question
        ]

    def rows(self, generation: str) -> list[dict[str, Any]]:
        """Every indexed chunk: id and metadata (for checks, not for queries)."""
        self._load(generation)
        return list(self._rows)

    def document_frequencies(self, generation: str) -> tuple[dict[str, int], int]:
        """({stemmed term: number of chunks containing it}, number of chunks)."""
        bm25 = self._load(generation)
        if bm25 is None:
            return {}, 0
        # bm25s keeps one sparse column per vocabulary term: its length is the term's df.
        per_term = np.diff(np.asarray(bm25.scores["indptr"]))
        return {t: int(per_term[i]) for t, i in bm25.vocab_dict.items() if i < len(per_term)}, int(bm25.scores["num_docs"])


def lean_bm25():
    """A bm25s.BM25 whose index is built straight into its CSC arrays (`csc_scores`), the same
    numbers as bm25s's own build: that one (scores, document and term index arrays, then scipy's
    CSC from them) peaks at several times the index it makes, the largest memory of a big ingest.
    `build_index_from_ids` is bm25s's documented place to build the index another way."""
    return _lean_bm25_class()()


@lru_cache(maxsize=1)
def _lean_bm25_class():
    import bm25s  # imported when an index is built, not with newsrag (a cold `rag ask` is timed)

    class LeanBM25(bm25s.BM25):
        def build_index_from_ids(self, unique_token_ids, corpus_token_ids, show_progress=True,
                                 leave_progress=False):
            if self.method in self.methods_requiring_nonoccurrence:  # not the default (lucene)
                return super().build_index_from_ids(unique_token_ids, corpus_token_ids, show_progress, leave_progress)
            self.nonoccurrence_array = None  # as bm25s's build sets it (save() reads it)
            return csc_scores(corpus_token_ids, len(unique_token_ids), self.method, self.idf_method, self.k1,
                              self.b, self.dtype, self.int_dtype)

    return LeanBM25


def csc_scores(docs: Sequence[np.ndarray], n_vocab: int, method: str = "lucene", idf_method: str | None = None,
               k1: float = 1.5, b: float = 0.75, dtype: str = "float32", int_dtype: str = "int32") -> dict:
    """BM25 scores of each term in each document as a term-major CSC matrix (bm25s's "scores"), in
    two passes over the token ids: count each term's documents (the column sizes), then write each
    document's scores into their columns. Memory: the matrix and one cursor per term.

    >>> m = csc_scores([np.array([0, 1, 1]), np.array([1, 2])], 3)
    >>> m["indptr"].tolist(), m["indices"].tolist(), m["num_docs"]
    ([0, 1, 3, 4], [0, 0, 1, 1], 2)
    """
    from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer

    idf_of, tfc_of = _select_idf_scorer(idf_method or method), _select_tfc_scorer(method)
    n_docs = len(docs)
    frequency = np.zeros(n_vocab, dtype=np.int64)
    docs = [np.asarray(ids, dtype=np.int64) for ids in docs] if docs and not isinstance(docs[0], np.ndarray) else docs
    for ids in docs:
        frequency[np.unique(ids)] += 1
    idf = np.array([idf_of(int(f), N=n_docs) if f else 0.0 for f in frequency], dtype=dtype)
    ends = np.cumsum(frequency)
    if len(ends) and ends[-1] > np.iinfo(int_dtype).max:
        raise ValueError(f"{ends[-1]} postings do not fit the index's {int_dtype} offsets")
    indptr = np.concatenate(([0], ends)).astype(int_dtype)
    data, indices = np.empty(int(indptr[-1]), dtype=dtype), np.empty(int(indptr[-1]), dtype=int_dtype)
    cursor = indptr[:-1].astype(np.int64)
    average = np.array([len(ids) for ids in docs]).mean() if docs else 0.0
    for doc, ids in enumerate(docs):
        terms, counts = np.unique(ids, return_counts=True)
        at = cursor[terms]
        tfc = tfc_of(tf_array=counts.astype(dtype), l_d=len(ids), l_avg=average, k1=k1, b=b, delta=None)
        data[at] = idf[terms] * tfc
        indices[at] = doc
        cursor[terms] += 1
    return {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}
