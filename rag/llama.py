"""newsrag as llama-index parts, for llama-index pipelines: a retriever over newsrag's one query path
and an embedding model that gives exactly the index's vectors. Kept apart because importing
llama-index costs about 3.5 s, which newsrag's own query path never pays.

>>> from rag import Engine                                                     # doctest: +SKIP
>>> nodes = Engine.open().as_retriever(k=3).retrieve("Where did Blinken meet Lavrov?")  # doctest: +SKIP
>>> from rag.embeddings import MiniLMEmbedder                                  # doctest: +SKIP
>>> LlamaIndexEmbedding(MiniLMEmbedder()).get_query_embedding("Geneva")[:2]    # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
from typing import Any

from collections.abc import Callable
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from pydantic import PrivateAttr

from rag.embeddings import Embedder
from rag.schema import Passage


class NewsragRetriever(BaseRetriever):
    """A llama-index retriever that is `Engine.retrieve`: the same passages, order and scores (the
    fused RRF score), with exact offsets in `start_char_idx`/`end_char_idx` and the article's
    metadata. Not a second search path: a fix to retrieval reaches llama-index users too."""

    def __init__(self, retrieve: Callable[[str], list[Passage]]) -> None:
        super().__init__()
        self._retrieve_passages = retrieve

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [NodeWithScore(node=to_node(p), score=p.score) for p in self._retrieve_passages(query_bundle.query_str)]


def to_node(passage: Passage) -> TextNode:
    meta = {**passage.meta, "source": passage.source, "start": passage.start, "end": passage.end}
    return TextNode(
        id_=passage.id,
        text=passage.text,
        metadata=meta,
        start_char_idx=passage.start,
        end_char_idx=passage.end,
        # the chunk alone is embedded and prompted: metadata stays out of its text
        excluded_embed_metadata_keys=sorted(meta),
        excluded_llm_metadata_keys=sorted(meta),
    )


class LlamaIndexEmbedding(BaseEmbedding):
    """A llama-index embedding model backed by one of our embedders (same vectors as the index).

    Queries and texts are embedded the same way (all-MiniLM-L6-v2 is symmetric). Async methods run the
    embedder in a worker thread so they do not block the event loop.
    """

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        # Hand llama-index's batching large batches: our embedder sorts and batches internally.
        kwargs.setdefault("embed_batch_size", 256)
        kwargs.setdefault("model_name", embedder.name)
        super().__init__(**kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "NewsragEmbedding"

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def _embed_lists(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed_lists([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed_lists([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed_lists(list(texts))

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return (await asyncio.to_thread(self._embed_lists, [query]))[0]

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return (await asyncio.to_thread(self._embed_lists, [text]))[0]

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self._embed_lists, list(texts))
