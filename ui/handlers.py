"""What the chat page does when the user acts: one method per event, each returning the new values
of the components it updates (`gr.skip()` for those it leaves alone). The layout and the wiring of
events to these methods are in ui/app.py; behaviour that needs no Gradio is in ui/chat.py.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Engine, NewsragError
from ui import render
from ui.chat import Library, answer_into, history, ingest_uploads, model_label
from ui.render import Turn

log = logging.getLogger("newsrag.ui")

STREAM_EVERY = 0.05  # seconds between re-renders while an answer streams in


class Handlers:
    """The page's views and event handlers over one engine and its library."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.library = Library(engine)

    # --- views ----------------------------------------------------------------------------------
    def summary(self) -> str:
        return render.corpus_summary(self.library.articles())

    def chat_view(self, turns: list[Turn]) -> str:
        return render.chat_html(turns)

    def cards_view(self, turns: list[Turn], index: int | None, active: int | None = None) -> str:
        if index is None or not 0 <= index < len(turns):
            return render.cards_html(None, [], {}, {})
        t = turns[index]
        texts = self.library.texts([c.source for c in t.citations])
        return render.cards_html(index, t.citations, self.library.titles(), texts, active, t.refused)

    def viewer_view(self, source: str, citations: list[Any], active: int | None) -> str:
        try:
            text = self.engine.article(source)
        except NewsragError as error:
            return render.empty_panel("Article", str(error))
        own = [c for c in citations if c.source == source]
        return render.article_html(source, text, self.library.meta(source), own, active)

    def header(self, mode: str | None) -> str:
        return render.header_html(self.summary(), model_label(self.engine, mode))

    def model_html(self, mode: str | None) -> str:
        return f'<div class="model-info">Model in use: <b>{render.esc(model_label(self.engine, mode))}</b></div>'

    # --- events ---------------------------------------------------------------------------------
    def on_ask(self, question: str, turns: list[Turn], mode: str, k: float, sources: list[str] | None):
        """Outputs: chat, question box, turns, cards, viewer."""
        turns = list(turns or [])
        turn = Turn(question=(question or "").strip())
        past = history(turns)
        turns.append(turn)
        index = len(turns) - 1
        yield self.chat_view(turns), "", turns, gr.skip(), gr.skip()
        shown = 0.0
        for _ in answer_into(self.engine, turn, past, k=int(k) if k else None, sources=sources, mode=mode):
            if not turn.done and time.monotonic() - shown < STREAM_EVERY:
                continue  # a token-by-token stream need not re-render more than ~20 times a second
            shown = time.monotonic()
            if not turn.done:
                yield self.chat_view(turns), gr.skip(), turns, gr.skip(), gr.skip()
        first = turn.citations[0] if turn.citations else None
        if first:
            viewer = self.viewer_view(first.source, turn.citations, first.marker)
        else:  # a refusal: do not leave the previous answer's article looking like support
            viewer = render.empty_viewer() if turn.refused else gr.skip()
        active = first.marker if first else None
        cards = self.cards_view(turns, index, active) if not turn.error else gr.skip()
        yield self.chat_view(turns), gr.skip(), turns, cards, viewer

    def on_new_chat(self):
        """Outputs: chat, question box, turns, cards, viewer."""
        return self.chat_view([]), "", [], self.cards_view([], None), render.empty_viewer()

    def on_cite(self, turns: list[Turn], evt: gr.EventData):
        """A click on a marker or card ({turn, marker}, untrusted). Outputs: cards, viewer."""
        data = getattr(evt, "_data", None) or {}
        try:
            index, marker = int(data.get("turn")), int(data.get("marker"))
        except (TypeError, ValueError):
            return gr.skip(), gr.skip()
        if not 0 <= index < len(turns or []):
            return gr.skip(), gr.skip()
        cited = next((c for c in turns[index].citations if c.marker == marker), None)
        if cited is None:
            return gr.skip(), gr.skip()
        return self.cards_view(turns, index, marker), self.viewer_view(cited.source, turns[index].citations, marker)

    def on_open(self, turns: list[Turn], evt: gr.EventData):
        """A click on a library row ({source}, untrusted). Output: viewer."""
        data = getattr(evt, "_data", None) or {}
        source = data.get("source")
        if not isinstance(source, str) or source not in self.library.titles():
            return gr.skip()
        latest = next((t for t in reversed(turns or []) if t.done and t.citations), None)
        return self.viewer_view(source, latest.citations if latest else [], None)

    def on_upload(self, files: list[str] | None, mode: str, progress=gr.Progress()):
        """Outputs: upload report, library, source filter, header, upload box."""
        if not files:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        progress(0, desc="Saving files")
        payload = [(Path(f).name, Path(f)) for f in files]  # Gradio's copies keep the original names

        def report(done: int, total: int, name: str) -> None:
            progress((done, total), desc=f"Indexing {name}" if name else "Indexing", unit="files")

        try:
            added, problems, chunks = ingest_uploads(self.engine, payload, report)
        except NewsragError as error:  # e.g. another process is writing the index: say who, and what to do
            added, problems, chunks = [], [(n, str(error)) for n, _ in payload], 0
        except Exception as error:  # noqa: BLE001 - report on the page, keep the traceback in the log
            log.exception("upload failed")
            added, problems, chunks = [], [(n, f"could not be indexed ({type(error).__name__})") for n, _ in payload], 0
        self.library.refresh()
        return (
            render.upload_report_html(added, problems, chunks),
            render.library_html(self.library.articles()),
            gr.update(choices=self.library.choices()),
            self.header(mode),
            None,
        )

    def on_load(self, mode: str):
        """Each new page shows the library as it is now (the layout's values were fixed at build).
        Outputs: header, library, source filter, chat."""
        self.library.refresh()
        return (self.header(mode), render.library_html(self.library.articles()),
                gr.update(choices=self.library.choices()), self.chat_view([]))

    def on_mode(self, mode: str):
        """Outputs: header, model info."""
        return self.header(mode), self.model_html(mode)
