"""Hybrid retrieval: vector (Chroma) and BM25 results fused by reciprocal rank fusion (RRF).

RRF scores a chunk by sum(1 / (60 + rank)) over the two result lists (Cormack et al., SIGIR 2009;
the same k=60 as llama-index's QueryFusionRetriever). `as_llama_retriever()` returns that very
llama-index QueryFusionRetriever over the same stores, for llama-index pipelines; newsrag's own query
path does the fusion here because importing llama-index costs 3.5 s (see rag.index).

>>> rrf([["a", "b"], ["b", "c"]])
[('b', 0.03306010928961749), ('a', 0.016666666666666666), ('c', 0.01639344262295082)]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rag.embeddings import Embedder
from rag.index import Hit, Index
from rag.schema import Passage

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


_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def same_years_first(question: str, passages: list[Passage]) -> list[Passage]:
    """When the question names a year, passages that mention it come before those that do not
    (each group keeps its fused order): news about the same event in another year is the most
    common distractor ("2021 Super Bowl" vs 2022's).

    >>> p = lambda text: Passage("a", 0, len(text), text, 0.0)
    >>> [x.text for x in same_years_first("Who won in 2019?", [p("In 2018 A won."), p("In 2019 B won.")])]
    ['In 2019 B won.', 'In 2018 A won.']
    """
    years = set(_YEAR.findall(question))
    if not years:
        return passages
    return sorted(passages, key=lambda p: not (years & set(_YEAR.findall(p.text))))


class HybridRetriever:
    """Vector + BM25 search over one `Index`, fused with RRF.

    `article_text(source)` supplies the cleaned article text so that every passage is cut from it:
    `passage.text == article_text(passage.source)[passage.start:passage.end]`.
    """

    def __init__(self, index: Index, embedder: Embedder, article_text: Callable[[str], str]):
        self.index = index
        self.embedder = embedder
        self.article_text = article_text

    def retrieve(self, question: str, k: int = 5, filters: dict[str, Any] | None = None) -> list[Passage]:
        depth = max(k * DEPTH_PER_PASSAGE, 10)
        vector_hits = self.index.vector_search(self.embedder.embed([question])[0].tolist(), depth, filters)
        term_hits = self.index.bm25_search(question, depth, filters)
        hits: dict[str, Hit] = {h.chunk_id: h for h in vector_hits + term_hits}
        fused = rrf([[h.chunk_id for h in vector_hits], [h.chunk_id for h in term_hits]])
        candidates = []
        for chunk_id, score in fused:
            hit = hits[chunk_id]
            text = self.article_text(hit.source)[hit.start : hit.end]
            candidates.append(Passage(hit.source, hit.start, hit.end, text, score, chunk_id, hit.meta))
        return same_years_first(question, candidates)[:k]

    def as_llama_retriever(self, k: int = 5, filters: dict[str, Any] | None = None):
        """llama-index's QueryFusionRetriever (reciprocal rerank, one query, no LLM) over the index's
        VectorIndexRetriever and BM25Retriever."""
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever

        return QueryFusionRetriever(
            self.index.llama_retrievers(max(k * DEPTH_PER_PASSAGE, 10), filters),
            llm=MockLLM(),  # never called with num_queries=1; stops llama-index resolving an OpenAI LLM
            mode="reciprocal_rerank",
            similarity_top_k=k,
            num_queries=1,
            use_async=False,
        )
