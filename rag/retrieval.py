"""Hybrid retrieval, the one query path: vector (Chroma) and BM25 results fused by reciprocal rank
fusion (RRF), cut from the catalog's article text.

RRF scores a chunk by sum(1 / (60 + rank)) over the two result lists (Cormack et al., SIGIR 2009;
the same k=60 as llama-index's QueryFusionRetriever). llama-index users get this very path as a
llama-index retriever (`Engine.as_retriever`, rag.llama).

>>> rrf([["a", "b"], ["b", "c"]])
[('b', 0.03306010928961749), ('a', 0.016666666666666666), ('c', 0.01639344262295082)]
"""

from __future__ import annotations

from dataclasses import replace

from rag.embeddings import Embedder
from rag.index import Index
from rag.schema import Passage
from rag.stores import Filters
from rag.terms import YEAR

RRF_K = 60
# Each searcher contributes this many candidates per wanted passage: fusion can only promote what
# one of the two found.
DEPTH_PER_PASSAGE = 3


def rrf(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ranked id lists, best first (ties keep first-seen order)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def fuse(rankings: list[list[Passage]], k: int) -> list[Passage]:
    """The best k passages of several rankings (of one index) by RRF of their ranks, scored by it.
    A text is kept under the first source found for it, and names every other source any search
    found it under (one search may have kept the copy another named in `also_in`).

    >>> p = lambda source, text, also="": Passage(source, 0, len(text), text, 0.0, meta={"also_in": also} if also else {})
    >>> [(x.source, x.text, x.meta) for x in fuse([[p("a", "A"), p("b", "B", "c")], [p("c", "C"), p("c", "B", "b, d")]], 2)]
    [('b', 'B', {'also_in': 'c, d'}), ('a', 'A', {})]
    """
    by_text: dict[str, Passage] = {}
    sources: dict[str, list[str]] = {}  # text -> every source found for it, in the order found
    for ranking in rankings:
        for passage in ranking:
            by_text.setdefault(passage.text, passage)
            found = [s for s in passage.meta.get("also_in", "").split(", ") if s]
            sources.setdefault(passage.text, []).extend([passage.source, *found])
    fused = []
    for text, score in rrf([[p.text for p in ranking] for ranking in rankings])[:k]:
        passage = by_text[text]
        also_in = ", ".join(s for s in dict.fromkeys(sources[text]) if s != passage.source)
        meta = {**passage.meta, "also_in": also_in} if also_in else passage.meta
        fused.append(replace(passage, score=score, meta=meta))
    return fused


def same_years_first(question: str, passages: list[Passage]) -> list[Passage]:
    """When the question names a year, passages that mention it come before those that do not
    (each group keeps its fused order): news about the same event in another year is the most
    common distractor ("2021 Super Bowl" vs 2022's).

    >>> p = lambda text: Passage("a", 0, len(text), text, 0.0)
    >>> [x.text for x in same_years_first("Who won in 2019?", [p("In 2018 A won."), p("In 2019 B won.")])]
    ['In 2019 B won.', 'In 2018 A won.']
    """
    years = set(YEAR.findall(question))
    if not years:
        return passages
    return sorted(passages, key=lambda p: not (years & set(YEAR.findall(p.text))))


class HybridRetriever:
    """Vector + BM25 search over one `Index`, fused with RRF. Every passage returned is vouched for
    by the catalog: `passage.text == index.article(passage.source)[passage.start:passage.end]` (the
    stores keep no texts: Index cuts them from the articles, and drops a stored chunk the catalog does
    not hold, such as one left by a killed ingest). A text is returned once: the same text under
    other names (the same story in two files) is named in the first passage's `meta["also_in"]`, so
    an answer cites it once and can name every outlet carrying it."""

    def __init__(self, index: Index, embedder: Embedder):
        self.index = index
        self.embedder = embedder

    def retrieve(self, question: str, k: int = 5, filters: Filters | None = None,
                 generation: int | None = None) -> list[Passage]:
        """`generation`: the catalog's, when the caller has just read it (`Index.generation`)."""
        depth = max(k * DEPTH_PER_PASSAGE, 10)
        if generation is None:
            generation = self.index.generation()  # read once: every lookup below is of this state
        vector = self.embedder.embed([question])[0].tolist()
        vector_hits = self.index.vector_search(vector, depth, filters, generation)
        term_hits = self.index.bm25_search(question, depth, filters, generation)
        found = {p.id: p for p in vector_hits + term_hits}
        fused = rrf([[p.id for p in vector_hits], [p.id for p in term_hits]])
        # Without a year in the question the first k distinct texts are the answer: later ones are
        # only looked at as copies of those (to name them), not verified and rebuilt one by one.
        enough = k if not YEAR.search(question) else len(fused)
        candidates: list[Passage] = []
        also_in: dict[str, list[str]] = {}  # text -> other sources found with exactly that text
        for chunk_id, score in fused:
            passage = found[chunk_id]
            if len(candidates) >= enough and passage.text not in also_in:
                continue
            if passage.text in also_in:  # the same text under another name: keep the first
                also_in[passage.text].append(passage.source)
                continue
            also_in[passage.text] = []
            candidates.append(Passage(passage.source, passage.start, passage.end, passage.text, score,
                                      passage.id, passage.meta))
        ranked = same_years_first(question, candidates)[:k]  # only the passages returned name their copies
        return [self._naming_copies(p, also_in[p.text], generation) for p in ranked]

    def _naming_copies(self, passage: Passage, found: list[str], generation: int) -> Passage:
        """The passage with `meta["also_in"]`: every other source carrying its text, found in this
        search or an exact copy of its whole article (which filters may have kept out)."""
        others = [s for s in dict.fromkeys(found + self.index.same_text(passage.source, generation))
                  if s != passage.source]
        return replace(passage, meta={**passage.meta, "also_in": ", ".join(others)}) if others else passage
