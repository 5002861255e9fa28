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

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag import documents
from rag.condense import Condensed, condense
from rag.config import Settings
from rag.embeddings import CachedEmbedder, Embedder, make_embedder
from rag.errors import CorpusNotFound, IndexNotReady, InvalidQuestion, UnknownSource
from rag.extractive import ExtractiveAnswerer
from rag.generative import LLMAnswerer
from rag.index import Index
from rag.llm import LLMClient, LLMError
from rag.prompts import fallback_notice
from rag.retrieval import HybridRetriever
from rag.schema import Answer, IngestReport, Passage
from rag.terms import TermWeights

Progress = Callable[[int, int, str], None]  # (files done, files total, file just done)
History = list[tuple[str, str]]  # [("user", "..."), ("assistant", "...")]


class Engine:
    """Ingest a corpus of articles and answer questions about it with exact, cited spans."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.index = Index(settings, self.embedder)
        self._query_embedder = CachedEmbedder(self.embedder)  # questions and answer sentences
        self._retriever = HybridRetriever(self.index, self._query_embedder, self.article)
        self._articles: dict[str, str] = {}
        self._weights: TermWeights | None = None
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
        """Bring the index in line with the corpus: new files are added, changed files replaced,
        deleted files removed (only when no `paths` are given), unchanged files cost a hash.
        Unreadable files are reported in `errors` and leave what was indexed before untouched."""
        started = time.perf_counter()
        root = Path(self.settings.corpus)
        if not root.is_dir():
            raise CorpusNotFound(f"corpus folder {root} does not exist: create it or set RAG_CORPUS / --corpus")
        with self._lock:
            report = IngestReport()
            if self.index.built_differently():
                self.index.reset()  # another embedder or chunking: nothing stored can be reused
            files = documents.discover(root, [Path(p) for p in paths] if paths else None)
            known = self.index.catalog.file_hashes()
            redo = self.index.reconcile()
            seen: set[str] = set()
            pending: list[tuple[str, str, list]] = []  # changed files, written in groups
            pending_chars = 0
            finished = 0

            def finish(names: list[str]) -> None:
                # Progress counts files done: skipped, failed, or embedded and committed. Embedding is
                # the slow part, so counting files read would race ahead and then stall.
                nonlocal finished
                for name in names:
                    finished += 1
                    if progress:
                        progress(finished, len(files), name)

            if progress:
                progress(0, len(files), "")
            for path in files:
                name = documents.source_name(path, root)
                seen.add(name)
                try:
                    sha = hashlib.sha256(path.read_bytes()).hexdigest()
                    if known.get(name) == sha and name not in redo:
                        report.unchanged += 1
                        finish([name])
                        continue
                    articles = documents.load_file(path, root)
                except (documents.DocumentError, OSError) as error:
                    report.errors.append((name, str(error)))
                    finish([name])
                    continue
                pending.append((name, sha, articles))
                pending_chars += sum(len(a.text) for a in articles)
                if pending_chars >= self.settings.ingest_batch_chars:  # big batches, bounded loss on a kill
                    self._write(pending, known, report)
                    finish([n for n, _, _ in pending])
                    pending, pending_chars = [], 0
            self._write(pending, known, report)
            finish([n for n, _, _ in pending])
            if paths is None:
                for name in sorted(set(known) - seen):
                    self.index.remove_file(name)
                    report.removed += 1
            self.index.refresh_bm25()
            self._articles.clear()
            self._weights = None
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, pending: list[tuple[str, str, list]], known: dict[str, str], report: IngestReport) -> None:
        """Index a group of changed files and count them in `report`."""
        if not pending:
            return
        report.chunks += self.index.sync_files(pending)
        for name, _, _ in pending:
            if name in known:
                report.updated += 1
            else:
                report.added += 1

    # --- reading --------------------------------------------------------------------------------
    def article(self, source: str) -> str:
        """The cleaned text of an article: every offset of every passage and citation refers to it."""
        text = self._articles.get(source)
        if text is None:
            found = self.index.catalog.article(source)
            if found is None:
                raise UnknownSource(f"no article {source!r} in the index: run `rag ingest` or check the name")
            text = self._articles[source] = found.text
        return text

    def chunk_count(self) -> int:
        """Number of indexed chunks (0: nothing ingested yet)."""
        return self.index.count()

    def articles(self) -> list[dict[str, Any]]:
        """The indexed articles: source, title, chunk count."""
        return [
            {"source": a.source, "title": a.meta.get("title", ""), "chunks": len(spans), "meta": a.meta}
            for a, spans in self.index.catalog.articles()
        ]

    def retrieve(self, question: str, k: int | None = None, filters: dict[str, Any] | None = None) -> list[Passage]:
        """The k passages most relevant to `question` (hybrid vector + BM25, fused by RRF)."""
        question = self._check_question(question)
        if self.index.count() == 0:
            raise IndexNotReady("the index is empty: run `rag ingest` (or Engine.ingest()) first")
        if self.index.built_differently():
            raise IndexNotReady("the index was built with other embedding or chunking settings: run `rag ingest` to rebuild it")
        return self._retriever.retrieve(question, k or self.settings.top_k, filters)

    def as_retriever(self, k: int | None = None, filters: dict[str, Any] | None = None):
        """A llama-index retriever (QueryFusionRetriever) over this index, for llama-index pipelines."""
        return self._retriever.as_llama_retriever(k or self.settings.top_k, filters)

    # --- answering ------------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: History | None = None,
        k: int | None = None,
        filters: dict[str, Any] | None = None,
        *,
        mode: str | None = None,
    ) -> Answer:
        """Answer from the indexed articles; every citation quotes an exact article span.
        `mode` ("auto", "extractive", "llm") overrides RAG_ANSWER_MODE for this question."""
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
        filters: dict[str, Any] | None = None,
        *,
        mode: str | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas as the answer is produced, then the final `Answer` (always last).

        `mode` ("auto", "extractive", "llm") overrides RAG_ANSWER_MODE for this question. In llm mode
        the model's citations are verified as it streams (rag.citations); if the endpoint fails, the
        answer is extractive with a notice. The deltas always concatenate to `Answer.text`."""
        question = self._check_question(question)
        wanted = self.settings.resolved_answer_mode(mode)
        client, notice = None, ""
        if wanted == "llm":
            try:
                client = LLMClient.from_settings(self.settings)
            except LLMError as error:  # e.g. llm asked for but no endpoint configured
                notice = fallback_notice(str(error))
        try:
            condensed = self._standalone(question, history or [], client)
            standalone = condensed.question
            passages = self.retrieve(standalone, k, filters)
            if condensed.error:  # the endpoint just failed: do not wait for it a second time
                notice = fallback_notice(condensed.error)
            if client is None or condensed.error:
                answer = self._extractive().answer(standalone, passages, self.article)
                answer.question, answer.standalone_question = question, standalone
                answer.notice = answer.notice or notice
                yield answer.text
                yield answer
                return
            extractive = self._extractive()
            answerer = LLMAnswerer(client, extractive.weights, extractive)
            for event in answerer.stream(question, passages, self.article, standalone=standalone):
                if isinstance(event, Answer):
                    event.question, event.standalone_question = question, standalone
                yield event
        finally:
            if client is not None:
                client.close()

    # --- helpers --------------------------------------------------------------------------------
    def _check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise InvalidQuestion("the question is empty: type a question about the articles")
        question = question.strip()
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InvalidQuestion(
                f"the question is {len(question)} characters long; the limit is {limit} (RAG_MAX_QUESTION_CHARS)"
            )
        return question

    def _standalone(self, question: str, history: History, client: LLMClient | None = None) -> Condensed:
        """The question to retrieve with: a follow-up is condensed with the history (rag.condense),
        by the model when `client` is given, else by the heuristic."""
        if not any(role == "user" for role, _ in history):
            return Condensed(question, "none")
        condensed = condense(question, history, client, self._extractive().weights, self.settings.max_question_chars)
        return condensed if condensed.question.strip() else Condensed(question, "none", condensed.error)

    def _extractive(self) -> ExtractiveAnswerer:
        if self._weights is None:
            df, n = self.index.document_frequencies()
            self._weights = TermWeights(df, n)
        return ExtractiveAnswerer(
            self._weights, self._query_embedder.embed, self.settings.min_support, self.settings.max_answer_sentences
        )

    def close(self) -> None:
        self.index.catalog.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
