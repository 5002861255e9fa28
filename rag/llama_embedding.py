"""A llama-index embedding model backed by any newsrag embedder, so llama-index retrievers and
pipelines use exactly the vectors of the index. Kept apart from rag.embeddings because importing
llama-index costs about 3.5 s, which newsrag's own query path never pays.

>>> from rag.embeddings import MiniLMEmbedder                  # doctest: +SKIP
>>> LlamaIndexEmbedding(MiniLMEmbedder()).get_query_embedding("Geneva")[:2]   # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.embeddings import Embedder


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
