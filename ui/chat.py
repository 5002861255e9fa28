"""What the page does, without Gradio: answer a question into a `Turn`, build history, ingest uploads.

Kept apart from the layout so that it can be tested without a browser. Everything goes through the
public `rag.Engine` API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rag import Answer, ArticleInfo, Engine, NewsragError
from ui.render import Turn
from ui.uploads import SavedUploads, save_uploads

log = logging.getLogger("newsrag.ui")

MODES = ("auto", "extractive", "local", "llm")
TITLE_CHARS = 90  # an untitled article is listed by its opening words, cut here
UNEXPECTED = "Something went wrong while answering ({kind}). The details are in the server log."


def history(turns: Sequence[Turn]) -> list[tuple[str, str]]:
    """The conversation so far, as the Engine wants it; failed turns are left out."""
    pairs: list[tuple[str, str]] = []
    for t in turns:
        if t.done and not t.error and t.question:
            pairs += [("user", t.question), ("assistant", t.text)]
    return pairs


def filters_for(sources: Sequence[str] | None) -> dict[str, Any] | None:
    return {"source": list(sources)} if sources else None


def resolved_mode(engine: Engine, mode: str | None) -> str:
    """What `auto` means right now: llm with a model endpoint, else local with an installed model."""
    return engine.settings.resolved_answer_mode(mode)


def model_label(engine: Engine, mode: str | None) -> str:
    """The model in use, for the header and the settings panel (never shows the key)."""
    resolved = resolved_mode(engine, mode)
    s = engine.settings
    if resolved == "llm":
        if not s.llm_configured():
            return "llm: no endpoint configured"
        return f"llm: {s.llm_model} @ {urlsplit(s.openai_base_url or '').netloc}"
    if resolved == "local":
        return f"local: Qwen2.5 {s.local_model_size} on this machine ({engine.model_state(mode)})"
    return "extractive (no model)"


LOADING = "Starting the local model: the first answer takes longer while it loads."


def answer_into(
    engine: Engine,
    turn: Turn,
    past: list[tuple[str, str]],
    *,
    k: int | None = None,
    sources: Sequence[str] | None = None,
    mode: str | None = None,
) -> Iterator[Turn]:
    """Fill `turn` from engine.stream, yielding it after every change. Text deltas are appended as
    they come; the final Answer only adds citations and flags (if nothing was streamed, its text is
    used). Errors end the turn with a message, never an exception."""
    try:
        if engine.model_state(mode or None) in ("stopped", "loading"):
            turn.notice = LOADING  # the first local answer waits for the model: say so, not a frozen page
            yield turn
        for event in engine.stream(turn.question, past, k, filters_for(sources), mode=mode or None):
            if isinstance(event, Answer):
                _finish(turn, event)
            elif isinstance(event, str) and event:
                turn.text += event
            yield turn
    except NewsragError as error:
        turn.error = str(error) or type(error).__name__
    except Exception as error:  # noqa: BLE001 - the page shows a message, the log keeps the traceback
        log.exception("answering %r failed", turn.question)
        turn.error = UNEXPECTED.format(kind=type(error).__name__)
    if not turn.done or turn.error:
        turn.done = True
        if not turn.error and not turn.text:
            turn.error = UNEXPECTED.format(kind="no answer")
        yield turn


def _finish(turn: Turn, answer: Answer) -> None:
    if not turn.text:
        turn.text = answer.text
    turn.refused = bool(answer.refused)
    turn.citations = [] if answer.refused else list(answer.citations)
    turn.mode = answer.mode
    turn.notice = answer.notice or ""
    turn.unsupported = list(answer.unsupported or [])
    turn.done = True


class Library:
    """The indexed articles and their texts as the page shows them, cached until an ingest."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._articles: list[ArticleInfo] | None = None

    def articles(self) -> list[ArticleInfo]:
        """engine.articles(), sorted by source; an article without a title gets its opening words."""
        if self._articles is None:
            self._articles = [
                a if a.title else replace(a, title=self._opening(a.source))
                for a in sorted(self.engine.articles(), key=lambda a: a.source)
            ]
        return self._articles

    def _opening(self, source: str) -> str:
        try:
            first = self.engine.article(source).strip().split("\n", 1)[0]
        except NewsragError:
            return ""
        return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"

    def refresh(self) -> None:
        self._articles = None

    def titles(self) -> dict[str, str]:
        return {a.source: a.title for a in self.articles()}

    def meta(self, source: str) -> dict[str, str]:
        return next((dict(a.meta) for a in self.articles() if a.source == source), {})

    def texts(self, sources: Sequence[str]) -> dict[str, str]:
        found = {}
        for s in set(sources):
            try:
                found[s] = self.engine.article(s)
            except NewsragError:
                pass  # deleted since: the card still shows the quote
        return found

    def choices(self) -> list[tuple[str, str]]:
        """(label, source) pairs for the source filter."""
        return [(a.title or a.source, a.source) for a in self.articles()]


def ingest_uploads(
    engine: Engine,
    files: Sequence[tuple[str, bytes | Path]],
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[list[str], list[tuple[str, str]], int]:
    """Save uploaded files into the corpus and index them. Returns (sources added, (name, reason)
    for every rejected file, chunks written). A file the loader cannot read is removed again, so
    it does not fail every later ingest; nothing that was there before is touched."""
    corpus = Path(engine.settings.corpus)
    if not corpus.is_dir():
        return [], [(name, f"corpus folder {corpus} does not exist") for name, _ in files], 0
    stored: SavedUploads = save_uploads(list(files), corpus, engine.settings.max_upload_bytes)
    problems = list(stored.rejected)
    paths = stored.saved + stored.reused
    if not paths:
        return [], problems, 0
    report = engine.ingest(paths, progress=progress)
    failed = {name for name, _ in report.errors}
    for name, reason in report.errors:
        problems.append((name, reason))
    for path in stored.saved:
        if path.name in failed or path.relative_to(corpus.resolve()).as_posix() in failed:
            path.unlink(missing_ok=True)
    added = [p.relative_to(corpus.resolve()).as_posix() for p in paths]
    added = [name for name in added if name not in failed]
    return added, problems, report.chunks
