"""The newsrag chat page (Gradio): streaming answers, citation cards, the cited spans highlighted
in their article, a library with upload, and answer settings.

`rag ui [--host H] [--port P]` serves it (entry point `newsrag.commands: ui`). It talks only to the
public `rag.Engine` API. Layout and event wiring live here; the handlers in ui/handlers.py, HTML in
ui/render.py, behaviour that needs no browser in ui/chat.py, upload safety in ui/uploads.py, the look in ui/styles.css.
"""


import argparse
import logging
from pathlib import Path
from typing import Any

from rag import SUPPORTED_SUFFIXES, Engine
from ui import render
from ui.chat import MODES

log = logging.getLogger("newsrag.ui")

STYLES = Path(__file__).with_name("styles.css")
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue",
                "Arial", "sans-serif"]  # no web fonts: the page must not fetch anything from the internet
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]

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
    """The page as a gr.Blocks (layout and event wiring; the handlers are ui.handlers.Handlers).
    Launch it with `launch_kwargs(engine)`."""
    import gradio as gr

    from ui.handlers import Handlers

    page = Handlers(engine)
    # --- layout ---------------------------------------------------------------------------------
    start_mode = engine.settings.answer_mode if engine.settings.answer_mode in MODES else "auto"
    # delete_cache: Gradio keeps a copy of every upload in its temp folder; drop copies older than a day.
    with gr.Blocks(title="newsrag", analytics_enabled=False, fill_width=True, delete_cache=(3600, 86400)) as app:
        turns = gr.State([])
        top = gr.HTML(page.header(start_mode), elem_id="topbar", js_on_load=None)
        with gr.Sidebar(label="Settings & library", open=True, width=340, elem_id="sidebar"):
            gr.HTML('<div class="side-title">Answer settings</div>', js_on_load=None)
            mode_value = gr.Radio(list(MODES), value=start_mode, label="Answer mode", elem_id="mode",
                                  info="auto uses the model endpoint when one is configured")
            model = gr.HTML(page.model_html(start_mode), elem_id="model", js_on_load=None)
            k = gr.Slider(1, 20, value=engine.settings.top_k, step=1, label="Passages (k)", info="How many passages an answer may draw on (per part of a two-part question)",
                          elem_id="top-k")
            sources = gr.Dropdown(choices=page.library.choices(), value=[], multiselect=True, label="Only these articles",
                                  info="Leave empty to search all", elem_id="source-filter")
            gr.HTML('<div class="side-title">Library</div><div class="side-hint">Add articles: .txt .md .html '
                    '.jsonl, up to ' f'{engine.settings.max_upload_bytes / 1e6:g} MB each</div>', js_on_load=None)
            upload = gr.File(file_count="multiple", file_types=list(SUPPORTED_SUFFIXES),
                             label="Add articles", show_label=False, elem_id="upload", height=110)
            upload_report = gr.HTML("", elem_id="upload-report", js_on_load=None)
            lib = gr.HTML(render.library_html(page.library.articles()), elem_id="library", js_on_load=LIBRARY_JS)
        with gr.Row(elem_id="main", equal_height=False):
            with gr.Column(scale=6, elem_id="chat-col"):
                chat = gr.HTML(page.chat_view([]), elem_id="chat", js_on_load=CHAT_JS)
                with gr.Row(elem_id="composer", equal_height=True):
                    question = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False,
                                          lines=1, max_lines=4, container=False, scale=8, elem_id="question",
                                          autofocus=True, max_length=engine.settings.max_question_chars)
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    new = gr.Button("New chat", variant="secondary", scale=1, min_width=100, elem_id="new-chat")
            with gr.Column(scale=5, elem_id="evidence-col"):
                cards = gr.HTML(page.cards_view([], None), elem_id="cards", js_on_load=CITE_JS)
                viewer = gr.HTML(render.empty_viewer(), elem_id="viewer", js_on_load=VIEWER_JS)

        asked = dict(fn=page.on_ask, inputs=[question, turns, mode_value, k, sources],
                     outputs=[chat, question, turns, cards, viewer], show_progress="hidden")
        ask.click(**asked)
        question.submit(**asked)
        new.click(page.on_new_chat, outputs=[chat, question, turns, cards, viewer], show_progress="hidden")
        chat.click(page.on_cite, inputs=[turns], outputs=[cards, viewer], show_progress="hidden")
        cards.click(page.on_cite, inputs=[turns], outputs=[cards, viewer], show_progress="hidden")
        lib.click(page.on_open, inputs=[turns], outputs=[viewer], show_progress="hidden")
        upload.upload(page.on_upload, inputs=[upload, mode_value], outputs=[upload_report, lib, sources, top, upload],
                      show_progress="full")
        app.load(page.on_load, inputs=[mode_value], outputs=[top, lib, sources, chat], show_progress="hidden")
        mode_value.change(page.on_mode, inputs=[mode_value], outputs=[top, model], show_progress="hidden")
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
