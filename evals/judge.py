"""LLM-judged metrics (ragas 0.4 + one citation-support check), run only when a judge is configured.

Configure an OpenAI-compatible endpoint with RAG_JUDGE_MODEL and RAG_JUDGE_BASE_URL (and
RAG_JUDGE_API_KEY if it needs one); newsrag's Settings read them (also from .env). Metrics:

- faithfulness (ragas Faithfulness): share of the answer's statements that the retrieved passages
  support; 1.0 = nothing made up.
- answer_relevancy (ragas AnswerRelevancy): how well the answer addresses the question (the judge
  writes questions the answer would answer; cosine similarity to the real question, with newsrag's
  own local embedder).
- answer_correctness (ragas AnswerCorrectness): agreement of the answer's statements with the
  reference answer (F-score of statement classification, 0.75) plus embedding similarity (0.25).
- citation_support: for citations that do not overlap the gold evidence, whether the judge finds
  that the quote supports the answer sentence; feeds citation precision (see evals.metrics).

Every judge call that raises (HTTP error, timeout, unparseable output) or returns NaN is a
*failure*: counted per metric, with the question id and reason, and shown in the report. A failed
call never becomes a score and is never silently dropped.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

JUDGE_METRICS = ("faithfulness", "answer_relevancy", "answer_correctness", "citation_support")


@dataclass(frozen=True)
class JudgeConfig:
    model: str
    base_url: str
    api_key: str | None = None
    timeout: float = 120.0


def judge_config(settings: Any) -> JudgeConfig | None:
    """The configured judge, or None unless both the model and the base URL are set."""
    model, base_url = getattr(settings, "judge_model", None), getattr(settings, "judge_base_url", None)
    if not model or not base_url:
        return None
    return JudgeConfig(model=model, base_url=base_url, api_key=getattr(settings, "judge_api_key", None))


@dataclass
class JudgeTally:
    """Attempts and failures per metric; failures keep (question id, reason)."""

    attempts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def attempt(self, metric: str) -> None:
        self.attempts[metric] = self.attempts.get(metric, 0) + 1

    def fail(self, metric: str, qid: str, reason: str) -> None:
        self.failures.setdefault(metric, []).append((qid, reason))

    def summary(self) -> dict[str, Any]:
        total = sum(self.attempts.values())
        failed = sum(len(v) for v in self.failures.values())
        return {
            "attempts": dict(self.attempts),
            "failures": {k: len(v) for k, v in self.failures.items()},
            "failure_rate": failed / total if total else None,
            "failure_examples": {k: [f"{q}: {r}" for q, r in v[:5]] for k, v in self.failures.items()},
        }


@dataclass
class JudgeItem:
    """What the judge needs to know about one answered question."""

    qid: str
    user_input: str  # the question, with earlier turns for follow-ups
    response: str  # answer text without markers
    contexts: list[str]  # retrieved passage texts
    reference: str  # reference answer ("" for unanswerable)
    statements: dict[int, tuple[str, str]] = field(default_factory=dict)  # citation index -> (sentence, quote) to check


def _local_embeddings(embed: Callable[[list[str]], Any]):
    from ragas.embeddings.base import BaseRagasEmbedding

    class LocalEmbeddings(BaseRagasEmbedding):
        """ragas embeddings backed by newsrag's local embedder (no network)."""

        def embed_text(self, text: str, **kwargs: Any) -> list[float]:
            return [float(x) for x in embed([text])[0]]

        async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
            return self.embed_text(text)

        async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
            return [[float(x) for x in row] for row in embed(list(texts))]

    return LocalEmbeddings()


def _citation_verdict_model():
    from pydantic import BaseModel, Field

    class CitationVerdict(BaseModel):
        reason: str = Field(..., description="one short sentence")
        supported: bool = Field(..., description="true if the quote supports the statement")

    return CitationVerdict


CITATION_PROMPT = """You check citations in answers about news articles.
Question: {question}
Statement from the answer: {statement}
Quoted passage cited for it: {quote}

Does the quoted passage support the statement, as an answer to the question? Answer in JSON with the
keys "reason" (one short sentence) and "supported" (true or false)."""


def sentence_with_marker(text: str, marker: int) -> str:
    """The sentence of `text` carrying citation marker [marker] (the whole text if none found)."""
    for sentence in re.split(r"(?<=[.!?\]])\s+(?=[A-Z“\"'])", text):
        if f"[{marker}]" in sentence:
            return re.sub(r"\s*\[\d+\]", "", sentence).strip()
    return re.sub(r"\s*\[\d+\]", "", text).strip()


class Judge:
    """Runs the LLM metrics for a batch of answered questions, concurrently, counting failures."""

    def __init__(
        self,
        config: JudgeConfig,
        embed: Callable[[list[str]], Any] | None = None,
        metrics: Sequence[str] = JUDGE_METRICS,
        concurrency: int = 4,
    ):
        import warnings

        from openai import AsyncOpenAI
        from ragas.llms import llm_factory

        self.config = config
        self.tally = JudgeTally()
        self.notes: list[str] = []
        self.concurrency = concurrency
        client = AsyncOpenAI(base_url=config.base_url, api_key=config.api_key or "not-needed",
                             timeout=config.timeout, max_retries=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.llm = llm_factory(config.model, client=client)
        self.embeddings = _local_embeddings(embed) if embed is not None else None
        self.metrics = [m for m in metrics if m in JUDGE_METRICS]
        if self.embeddings is None:
            for name in ("answer_relevancy",):
                if name in self.metrics:
                    self.metrics.remove(name)
                    self.notes.append(f"{name} skipped: no embedder available")
        self._scorers = self._build()

    def _build(self) -> dict[str, Any]:
        from ragas.metrics.collections import AnswerCorrectness, AnswerRelevancy, Faithfulness

        scorers: dict[str, Any] = {}
        if "faithfulness" in self.metrics:
            scorers["faithfulness"] = Faithfulness(llm=self.llm)
        if "answer_relevancy" in self.metrics:
            scorers["answer_relevancy"] = AnswerRelevancy(llm=self.llm, embeddings=self.embeddings)
        if "answer_correctness" in self.metrics:
            if self.embeddings is not None:
                scorers["answer_correctness"] = AnswerCorrectness(llm=self.llm, embeddings=self.embeddings)
            else:
                scorers["answer_correctness"] = AnswerCorrectness(llm=self.llm, weights=[1.0, 0.0])
        return scorers

    async def _call(self, metric: str, qid: str, coro) -> Any:
        self.tally.attempt(metric)
        try:
            async with self._gate:
                value = await coro
        except Exception as error:  # HTTP errors, timeouts, unparseable output: all counted
            self.tally.fail(metric, qid, f"{type(error).__name__}: {str(error).splitlines()[0][:160] if str(error) else ''}")
            return None
        if isinstance(value, float) and math.isnan(value):
            self.tally.fail(metric, qid, "NaN")
            return None
        return value

    async def _score_one(self, item: JudgeItem) -> dict[str, Any]:
        out: dict[str, Any] = {}
        jobs: dict[str, Any] = {}
        if "faithfulness" in self._scorers and item.contexts:
            jobs["faithfulness"] = self._value(self._scorers["faithfulness"].ascore(
                user_input=item.user_input, response=item.response, retrieved_contexts=item.contexts))
        if "answer_relevancy" in self._scorers:
            jobs["answer_relevancy"] = self._value(self._scorers["answer_relevancy"].ascore(
                user_input=item.user_input, response=item.response))
        if "answer_correctness" in self._scorers and item.reference:
            jobs["answer_correctness"] = self._value(self._scorers["answer_correctness"].ascore(
                user_input=item.user_input, response=item.response, reference=item.reference))
        names = list(jobs)
        results = await asyncio.gather(*(self._call(n, item.qid, jobs[n]) for n in names))
        out.update(zip(names, results))
        if "citation_support" in self.metrics and item.statements:
            verdicts = await asyncio.gather(*(
                self._call("citation_support", item.qid, self._support(item.user_input, sentence, quote))
                for sentence, quote in item.statements.values()
            ))
            out["citation_support"] = {i: v for i, v in zip(item.statements, verdicts) if v is not None}
        return out

    @staticmethod
    async def _value(coro) -> float:
        result = await coro
        return float(result.value) if result.value is not None else float("nan")

    async def _support(self, question: str, statement: str, quote: str) -> bool:
        verdict = await self.llm.agenerate(
            CITATION_PROMPT.format(question=question, statement=statement, quote=quote), _citation_verdict_model()
        )
        return bool(verdict.supported)

    def score(self, items: Sequence[JudgeItem], progress: Callable[[int], None] | None = None) -> dict[str, dict[str, Any]]:
        """question id -> {metric: value}; failures are in `self.tally`."""

        async def run() -> dict[str, dict[str, Any]]:
            self._gate = asyncio.Semaphore(self.concurrency)
            results: dict[str, dict[str, Any]] = {}

            async def one(item: JudgeItem) -> None:
                results[item.qid] = await self._score_one(item)
                if progress:
                    progress(1)

            await asyncio.gather(*(one(item) for item in items))
            return results

        return asyncio.run(run())
