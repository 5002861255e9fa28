"""`Engine`: the public API of newsrag. The CLI, the UI and the evaluation suite all go through it.

>>> from rag import Engine
>>> eng = Engine.open(corpus="seeds", index=".rag")          # doctest: +SKIP
>>> eng.ingest().added                                        # doctest: +SKIP
5
>>> ans = eng.ask("Where did Blinken meet Lavrov?")          # doctest: +SKIP
>>> all(c.quote == eng.article(c.source)[c.start:c.end] for c in ans.citations)  # doctest: +SKIP
True
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.answering import Answerer, Reply, SecondOpinion, WithFallback
from rag.condense import Condensed, condense
from rag.config import Settings
from rag.embeddings import CachedEmbedder, Embedder, make_embedder
from rag.errors import IndexNotReady, InvalidQuestion, NewsragError, UnknownSource
from rag.extractive import ExtractiveAnswerer
from rag.generative import GenerativeAnswerer
from rag.index import Index
from rag.ingest import Progress, ingest
from rag.judged import JudgedAnswerer
from rag.llm import LLMClient
from rag.prompts import fallback_notice
from rag.question_parts import question_parts
from rag.retrieval import HybridRetriever, fuse, same_years_first
from rag.schema import Answer, ArticleInfo, IngestReport, Passage
from rag.stores import Filters
from rag.terms import TermWeights

History = list[tuple[str, str]]  # [("user", "..."), ("assistant", "...")]

# Terminal escape sequences (ESC [ ... or the one-character CSI) and control characters other than
# white space: no question means them; a terminal or a pasted log can put them in.
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b[@-_]")
# Unicode's control characters (category Cc) that str.isspace() does not count as white space, and
# lone surrogates: a regex each, not a Python loop over the characters (every query runs them).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_question(question: object, limit: int) -> str:
    """The question as newsrag answers it, or InvalidQuestion: one line that never quotes the question.

    Refused: anything but a str; text that is not valid Unicode (a byte of a command line that is not
    UTF-8 arrives as a lone surrogate, and so can a string built through the API); a question with
    nothing but white space, terminal escape sequences and control characters (NUL included); a
    question longer than `limit` characters. Control characters inside a question become spaces.

    >>> check_question("  Where\\x00 is Geneva? ", 1000)
    'Where  is Geneva?'
    """
    if question is None:
        question = ""
    if not isinstance(question, str):
        raise InvalidQuestion(f"the question must be text, not {type(question).__name__}")
    surrogate = _SURROGATE.search(question)
    if surrogate is not None:
        raise InvalidQuestion(
            f"the question is not valid text: character {surrogate.start() + 1} is a byte that is not UTF-8 or a lone "
            "surrogate; type the question again"
        )
    if not question.strip():
        raise InvalidQuestion("the question is empty: type a question about the articles")
    question = _ESCAPES.sub(" ", question)
    question = _CONTROLS.sub(" ", question)
    question = question.strip()
    if not question:
        raise InvalidQuestion("the question is only control characters: type a question about the articles")
    if len(question) > limit:
        raise InvalidQuestion(
            f"the question is {len(question)} characters long; the limit is {limit} (RAG_MAX_QUESTION_CHARS)"
        )
    return question


class Engine:
    """Ingest a corpus of articles and answer questions about it with exact, cited spans."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.index = Index(settings, self.embedder)
        self._query_embedder = CachedEmbedder(self.embedder)  # questions and answer sentences
        self._retriever = HybridRetriever(self.index, self._query_embedder)
        self._weights: tuple[int, TermWeights] | None = None  # (catalog generation, weights)
        self._lock = threading.RLock()

    @classmethod
    def open(cls, corpus: str | Path | None = None, index: str | Path | None = None, **overrides: Any) -> Engine:
        """An engine over `corpus` with its index in `index` (defaults from settings / env / .env).
        Other keyword arguments override settings, e.g. `Engine.open(top_k=3, answer_mode="llm")`."""
        if corpus is not None:
            overrides["corpus"] = Path(corpus)
        if index is not None:
            overrides["index"] = Path(index)
        return cls(Settings(**overrides))

    # --- ingest ---------------------------------------------------------------------------------
    def ingest(self, paths: list[str | Path] | None = None, progress: Progress | None = None) -> IngestReport:
        """Bring the index in line with the corpus (rag.ingest): new files are added, changed files
        replaced, deleted files removed (only when no `paths` are given), unchanged files cost a hash.
        Unreadable files are reported in `errors` and leave what was indexed before untouched. Links
        that loop, are broken or lead out of the corpus (unless RAG_FOLLOW_OUTSIDE_LINKS) are reported
        there too, and not read."""
        with self._lock:
            return ingest(
                self.index, Path(self.settings.corpus), [Path(p) for p in paths] if paths else None,
                batch_chars=self.settings.ingest_batch_chars, progress=progress,
                follow_outside_links=self.settings.follow_outside_links,
            )

    # --- reading --------------------------------------------------------------------------------
    def article(self, source: str) -> str:
        """The cleaned text of an article: every offset of every passage and citation refers to it."""
        text = self.index.article(source)
        if text is None:
            raise UnknownSource(f"no article {source!r} in the index: run `rag ingest` or check the name")
        return text

    def chunk_count(self) -> int:
        """Number of indexed chunks (0: nothing ingested yet)."""
        return self.index.count()

    def articles(self) -> list[ArticleInfo]:
        """The indexed articles, by source: title, chunk count, metadata."""
        if not self.index.exists():
            return []
        return [
            ArticleInfo(a.source, a.meta.get("title", ""), len(spans), dict(a.meta))
            for a, spans in self.index.catalog.articles()
        ]

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        """The k passages most relevant to `question` (hybrid vector + BM25, fused by RRF)."""
        question = self._check_question(question)
        return self._retriever.retrieve(question, k or self.settings.top_k, filters, self._ready_generation())

    def answer_passages(self, question: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        """The passages `ask()` answers from: `retrieve()`'s, and for a question of several parts
        (rag.question_parts: "Whom did he meet, and what did he promise?") `k` per part, fused by RRF
        of the whole question's ranking and each part's, as llama-index's QueryFusionRetriever fuses
        its generated queries (ours come from rules, not a model). One search for two questions finds
        the evidence of one of them (train split, extractive: multi-article citation recall 0.518 ->
        0.596, comparisons 0.654 -> 0.731; see the commit for the rest). The whole question's ranking
        overlaps the first part's, which so counts about twice; fusing the parts alone, or putting each
        part's best passage first, did worse on train (multi 0.544 and 0.570, each refitted)."""
        question = self._check_question(question)
        parts = question_parts(question)[0]
        if len(parts) == 1:
            return self.retrieve(question, k, filters)
        k, generation = k or self.settings.top_k, self._ready_generation()
        rankings = [self._retriever.retrieve(q, k, filters, generation) for q in [question, *parts]]
        return same_years_first(question, fuse(rankings, k * len(parts)))

    def _ready_generation(self) -> int | None:
        """The catalog's generation, read once per query (each read is an SQLite round trip), after
        checking that the index can answer at all."""
        generation = self.index.generation() if self.index.exists() else None
        if self.index.count(generation) == 0:
            raise IndexNotReady("the index is empty: run `rag ingest` (or Engine.ingest()) first")
        if self.index.built_differently(generation):
            raise IndexNotReady("the index was built with other embedding or chunking settings: run `rag ingest` to rebuild it")
        return generation

    def as_retriever(self, k: int | None = None, filters: Filters | None = None):
        """A llama-index retriever over `retrieve()` itself (same passages, order and scores), for
        llama-index pipelines."""
        from rag.llama import NewsragRetriever

        return NewsragRetriever(lambda question: self.retrieve(question, k, filters))

    # --- answering ------------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: History | None = None,
        k: int | None = None,
        filters: Filters | None = None,
        *,
        mode: str | None = None,
    ) -> Answer:
        """Answer from the indexed articles; every citation quotes an exact article span.
        `mode` ("auto", "extractive", "local", "llm") overrides RAG_ANSWER_MODE for this question."""
        answer: Answer | None = None
        for event in self.stream(question, history, k, filters, mode=mode):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        history: History | None = None,
        k: int | None = None,
        filters: Filters | None = None,
        *,
        mode: str | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas as the answer is produced, then the final `Answer` (always last).

        `mode` ("auto", "extractive", "local", "llm") overrides RAG_ANSWER_MODE for this question. In
        llm and local mode the model's citations are verified as it streams (rag.citations); if the
        model fails (or cannot start), the answer is extractive with a notice. The deltas always
        concatenate to `Answer.text`."""
        question = self._check_question(question)
        wanted = self.settings.resolved_answer_mode(mode)
        client, notice = None, ""
        if wanted in ("llm", "local"):
            try:
                client = self._model_client(wanted)
            except NewsragError as error:  # no endpoint configured, model not installed or corrupt...
                notice = fallback_notice(str(error))
        try:
            condensed = self._standalone(question, history or [], client)
            passages = self.answer_passages(condensed.question, k, filters)
            answerer: Answerer = self._extractive()
            if condensed.error:  # the endpoint just failed: do not wait for it a second time
                notice = fallback_notice(condensed.error)
            elif client is not None:
                extractive = answerer
                # The local 1.5B answers "The US Secretary of State. [1]" for Zelensky's office: a
                # sentence of names alone cannot be checked against its span, so local mode drops it
                # (its judged sentences are then quoted, rag.judged); a strong llm's "Geneva. [1]" stands
                model = GenerativeAnswerer(client, self._term_weights(), mode=wanted, allow_names_only=wanted != "local")
                if wanted == "local":  # the model judges the candidate sentences, then writes (rag.judged)
                    answerer = WithFallback(JudgedAnswerer.for_client(client, extractive, model), extractive)
                else:
                    answerer = WithFallback(SecondOpinion(model, extractive, extractive.model.confident), extractive)
            for event in answerer.stream(question, passages, condensed.question):
                if isinstance(event, Reply):
                    yield Answer(
                        question, event.text, event.citations, event.refused, event.mode, passages,
                        notice=event.notice or notice, unsupported=event.unsupported,
                        standalone_question=condensed.question, confidence=event.confidence,
                    )
                else:
                    yield event
        finally:
            if client is not None:
                client.close()

    def model_state(self, mode: str | None = None) -> str:
        """What the model of `mode` is doing, for a status line: "" for extractive and llm; for local
        "not installed", "stopped", "loading" or "ready"."""
        if self.settings.resolved_answer_mode(mode) != "local":
            return ""
        if not self.settings.local_model_installed():
            return "not installed"
        from rag.local_server import shared_server

        return shared_server(self.settings).state

    # --- helpers --------------------------------------------------------------------------------
    def _model_client(self, mode: str) -> LLMClient:
        """A client for the configured endpoint (llm) or for newsrag's own llama.cpp server (local),
        which is started, after its model file is verified, if it is not running yet."""
        if mode == "llm":
            return LLMClient.from_settings(self.settings)
        from rag.local_server import local_llm_client

        return local_llm_client(self.settings)

    def _check_question(self, question: str) -> str:
        return check_question(question, self.settings.max_question_chars)

    def _standalone(self, question: str, history: History, client: LLMClient | None = None) -> Condensed:
        """The question to retrieve with: a follow-up is condensed with the history (rag.condense),
        by the model when `client` is given, else by the heuristic."""
        if not any(role == "user" for role, _ in history):
            return Condensed(question, "none")
        condensed = condense(question, history, client, self._term_weights(), self.settings.max_question_chars)
        return condensed if condensed.question.strip() else Condensed(question, "none", condensed.error)

    def _term_weights(self) -> TermWeights:
        """Term weights of the indexed chunks, recomputed when the catalog changes."""
        generation = self.index.catalog.generation
        if self._weights is None or self._weights[0] != generation:
            df, n = self.index.document_frequencies()
            self._weights = (generation, TermWeights(df, n))
        return self._weights[1]

    def _extractive(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(
            self._term_weights(), self._query_embedder.embed, self.settings.max_answer_sentences,
            threshold=self.settings.answer_threshold,
        )

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
