"""The newsrag chat page (Gradio): streaming answers, citation cards, the cited spans highlighted
in their article, a library with upload, and answer settings.

`rag ui [--host H] [--port P]` serves it (entry point `newsrag.commands: ui`). It talks only to the
public `rag.Engine` API. Layout and event wiring live here; HTML in ui/render.py, behaviour that
needs no browser in ui/chat.py, upload safety in ui/uploads.py, the look in ui/styles.css.
"""


import argparse
import logging
import time
from pathlib import Path
from typing import Any

from rag import Engine, NewsragError
from ui import render
from ui.chat import MODES, Library, answer_into, history, ingest_uploads, model_label
from ui.render import Turn

log = logging.getLogger("newsrag.ui")

STYLES = Path(__file__).with_name("styles.css")
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue",
                "Arial", "sans-serif"]  # no web fonts: the page must not fetch anything from the internet
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
STREAM_EVERY = 0.05  # seconds between re-renders while an answer streams in

# Clicks on [n] markers and cards reach Python as a 'click' event carrying {turn, marker}; clicks on
# library rows carry {source}. The data is untrusted and checked in the handlers.
CITE_JS = """
const pick = (event) => {
  const hit = event.target.closest('[data-marker]');
  if (hit && element.contains(hit)) {
    trigger('click', {turn: Number(hit.dataset.turn), marker: Number(hit.dataset.marker)});
  }
};
element.addEventListener('click', pick);
// Cards are divs with role=button: make Enter/Space work (real buttons already click on their own).
element.addEventListener('keydown', (e) => {
  if ((e.key === 'Enter' || e.key === ' ') && e.target.matches('div[data-marker]')) { e.preventDefault(); pick(e); }
});
"""
CHAT_JS = CITE_JS + """
// Follow the answer as it streams, unless the reader scrolled up to read something else.
let pinned = true;
const box = () => element.querySelector('.chat');
element.addEventListener('scroll', (e) => {
  const b = e.target; pinned = b.scrollTop + b.clientHeight >= b.scrollHeight - 80;
}, true);
watch('value', () => { const b = box(); if (b && pinned) b.scrollTop = b.scrollHeight; });
"""
LIBRARY_JS = """
const open = (event) => {
  const hit = event.target.closest('[data-source]');
  if (hit && element.contains(hit)) trigger('click', {source: hit.dataset.source});
};
element.addEventListener('click', open);
element.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(e); } });
"""
VIEWER_JS = """
// Bring the active highlight into view inside the article's own scroll box.
const reveal = () => {
  const body = element.querySelector('.viewer-body');
  const mark = element.querySelector('mark[data-anchor]');
  if (body && mark) body.scrollTop = Math.max(0, mark.offsetTop - body.clientHeight / 3);
};
watch('value', () => requestAnimationFrame(reveal));
requestAnimationFrame(reveal);
"""


def _theme():
    import gradio as gr

    theme = gr.themes.Soft(primary_hue="indigo", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS)
    # Quiet labels: plain text instead of Soft's tinted label chips.
    return theme.set(
        block_title_background_fill="none", block_title_padding="0", block_title_text_color="*neutral_700",
        block_shadow="none", block_border_width="0",
    )


def build_app(engine: Engine):
    """The page as a gr.Blocks. Launch it with `launch_kwargs(engine)`."""
    import gradio as gr

    library = Library(engine)

    def summary() -> str:
        return render.corpus_summary(library.articles())

    def chat_view(turns: list[Turn]) -> str:
        return render.chat_html(turns)

    def cards_view(turns: list[Turn], index: int | None, active: int | None = None) -> str:
        if index is None or not 0 <= index < len(turns):
            return render.cards_html(None, [], {}, {})
        t = turns[index]
        texts = library.texts([c.source for c in t.citations])
        return render.cards_html(index, t.citations, library.titles(), texts, active, t.refused)

    def viewer_view(source: str, citations: list[Any], active: int | None) -> str:
        try:
            text = engine.article(source)
        except NewsragError as error:
            return render.empty_panel("Article", str(error))
        own = [c for c in citations if c.source == source]
        return render.article_html(source, text, library.meta(source), own, active)

    # --- handlers -------------------------------------------------------------------------------
    def on_ask(question: str, turns: list[Turn], mode: str, k: float, sources: list[str] | None):
        turns = list(turns or [])
        turn = Turn(question=(question or "").strip())
        past = history(turns)
        turns.append(turn)
        index = len(turns) - 1
        yield chat_view(turns), "", turns, gr.skip(), gr.skip()
        shown = 0.0
        for _ in answer_into(engine, turn, past, k=int(k) if k else None, sources=sources, mode=mode):
            if not turn.done and time.monotonic() - shown < STREAM_EVERY:
                continue  # a token-by-token stream need not re-render more than ~20 times a second
            shown = time.monotonic()
            if not turn.done:
                yield chat_view(turns), gr.skip(), turns, gr.skip(), gr.skip()
        first = turn.citations[0] if turn.citations else None
        if first:
            viewer = viewer_view(first.source, turn.citations, first.marker)
        else:  # a refusal: do not leave the previous answer's article looking like support
            viewer = render.empty_viewer() if turn.refused else gr.skip()
        active = first.marker if first else None
        cards = cards_view(turns, index, active) if not turn.error else gr.skip()
        yield chat_view(turns), gr.skip(), turns, cards, viewer

    def on_new_chat():
        return chat_view([]), "", [], cards_view([], None), render.empty_viewer()

    def on_cite(turns: list[Turn], evt: gr.EventData):
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
        return cards_view(turns, index, marker), viewer_view(cited.source, turns[index].citations, marker)

    def on_open(turns: list[Turn], evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        source = data.get("source")
        if not isinstance(source, str) or source not in library.titles():
            return gr.skip()
        latest = next((t for t in reversed(turns or []) if t.done and t.citations), None)
        return viewer_view(source, latest.citations if latest else [], None)

    def on_upload(files: list[str] | None, mode: str, progress=gr.Progress()):
        if not files:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        progress(0, desc="Saving files")
        payload = [(Path(f).name, Path(f)) for f in files]  # Gradio's copies keep the original names

        def report(done: int, total: int, name: str) -> None:
            progress((done, total), desc=f"Indexing {name}" if name else "Indexing", unit="files")

        try:
            added, problems, chunks = ingest_uploads(engine, payload, report)
        except Exception as error:  # noqa: BLE001 - report on the page, keep the traceback in the log
            log.exception("upload failed")
            added, problems, chunks = [], [(n, f"could not be indexed ({type(error).__name__})") for n, _ in payload], 0
        library.refresh()
        return (
            render.upload_report_html(added, problems, chunks),
            render.library_html(library.articles()),
            gr.update(choices=library.choices()),
            header(mode),
            None,
        )

    def on_load(mode: str):
        """Each new page shows the library as it is now (the layout's values were fixed at build)."""
        library.refresh()
        return header(mode), render.library_html(library.articles()), gr.update(choices=library.choices()), \
            chat_view([])

    def header(mode: str | None) -> str:
        return render.header_html(summary(), model_label(engine, mode))

    def on_mode(mode: str):
        return header(mode), model_html(mode)

    def model_html(mode: str | None) -> str:
        return f'<div class="model-info">Model in use: <b>{render.esc(model_label(engine, mode))}</b></div>'

    # --- layout ---------------------------------------------------------------------------------
    start_mode = engine.settings.answer_mode if engine.settings.answer_mode in MODES else "auto"
    # delete_cache: Gradio keeps a copy of every upload in its temp folder; drop copies older than a day.
    with gr.Blocks(title="newsrag", analytics_enabled=False, fill_width=True, delete_cache=(3600, 86400)) as app:
        turns = gr.State([])
        top = gr.HTML(header(start_mode), elem_id="topbar", js_on_load=None)
        with gr.Sidebar(label="Settings & library", open=True, width=340, elem_id="sidebar"):
            gr.HTML('<div class="side-title">Answer settings</div>', js_on_load=None)
            mode_value = gr.Radio(list(MODES), value=start_mode, label="Answer mode", elem_id="mode",
                                  info="auto uses the model endpoint when one is configured")
            model = gr.HTML(model_html(start_mode), elem_id="model", js_on_load=None)
            k = gr.Slider(1, 20, value=engine.settings.top_k, step=1, label="Passages (k)", info="How many passages an answer may draw on",
                          elem_id="top-k")
            sources = gr.Dropdown(choices=library.choices(), value=[], multiselect=True, label="Only these articles",
                                  info="Leave empty to search all", elem_id="source-filter")
            gr.HTML('<div class="side-title">Library</div><div class="side-hint">Add articles: .txt .md .html '
                    '.jsonl, up to ' f'{engine.settings.max_upload_bytes / 1e6:g} MB each</div>', js_on_load=None)
            upload = gr.File(file_count="multiple", file_types=[".txt", ".md", ".html", ".htm", ".jsonl"],
                             label="Add articles", show_label=False, elem_id="upload", height=110)
            upload_report = gr.HTML("", elem_id="upload-report", js_on_load=None)
            lib = gr.HTML(render.library_html(library.articles()), elem_id="library", js_on_load=LIBRARY_JS)
        with gr.Row(elem_id="main", equal_height=False):
            with gr.Column(scale=6, elem_id="chat-col"):
                chat = gr.HTML(chat_view([]), elem_id="chat", js_on_load=CHAT_JS)
                with gr.Row(elem_id="composer", equal_height=True):
                    question = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False,
                                          lines=1, max_lines=4, container=False, scale=8, elem_id="question",
                                          autofocus=True, max_length=engine.settings.max_question_chars)
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    new = gr.Button("New chat", variant="secondary", scale=1, min_width=100, elem_id="new-chat")
            with gr.Column(scale=5, elem_id="evidence-col"):
                cards = gr.HTML(cards_view([], None), elem_id="cards", js_on_load=CITE_JS)
                viewer = gr.HTML(render.empty_viewer(), elem_id="viewer", js_on_load=VIEWER_JS)

        asked = dict(fn=on_ask, inputs=[question, turns, mode_value, k, sources],
                     outputs=[chat, question, turns, cards, viewer], show_progress="hidden")
        ask.click(**asked)
        question.submit(**asked)
        new.click(on_new_chat, outputs=[chat, question, turns, cards, viewer], show_progress="hidden")
        chat.click(on_cite, inputs=[turns], outputs=[cards, viewer], show_progress="hidden")
        cards.click(on_cite, inputs=[turns], outputs=[cards, viewer], show_progress="hidden")
        lib.click(on_open, inputs=[turns], outputs=[viewer], show_progress="hidden")
        upload.upload(on_upload, inputs=[upload, mode_value], outputs=[upload_report, lib, sources, top, upload],
                      show_progress="full")
        app.load(on_load, inputs=[mode_value], outputs=[top, lib, sources, chat], show_progress="hidden")
        mode_value.change(on_mode, inputs=[mode_value], outputs=[top, model], show_progress="hidden")
    return app


def launch_kwargs(engine: Engine, host: str | None = None, port: int | None = None) -> dict[str, Any]:
    """How the page is served: loopback unless told otherwise, never a share link, no extra file
    access, uploads size-limited, no web fonts, no footer links to the outside."""
    return dict(
        server_name=host or engine.settings.host,
        server_port=port or engine.settings.port,
        share=False,
        max_file_size=engine.settings.max_upload_bytes,
        theme=_theme(),
        css=STYLES.read_text(encoding="utf-8"),
        footer_links=[],
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        show_error=False,
    )


def command(args: argparse.Namespace) -> int:
    """`rag ui`: index the corpus if the index is empty, then serve the page."""
    parser = argparse.ArgumentParser(prog="rag ui", description="Serve the newsrag chat page (127.0.0.1 by default).")
    parser.add_argument("--host", help="bind address (default: GRADIO_SERVER_NAME, RAG_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: GRADIO_SERVER_PORT, RAG_PORT or 7860)")
    options = parser.parse_args(getattr(args, "rest", None) or [])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engine = Engine.open(corpus=getattr(args, "corpus", None), index=getattr(args, "index", None))
    if engine.chunk_count() == 0:
        log.info("the index is empty: ingesting %s first", engine.settings.corpus)
        engine.ingest()
    build_app(engine).launch(**launch_kwargs(engine, options.host, options.port))
    return 0
