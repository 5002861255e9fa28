"""HTML for the chat page: the conversation, citation cards, the article viewer and the library.

Everything is built here by hand and every piece of article, answer or user text goes through
`html.escape`. Nothing is rendered as Markdown and no article HTML is passed through, so an article
cannot make the page load an image, follow a link or run a script (markdown-image exfiltration).
The only markup is ours; the only attributes carrying text are `data-*` / `title` / `aria-label`,
escaped with `quote=True`.

Offsets are never shifted: the viewer cuts the article at span boundaries and escapes each piece, so
what is highlighted is exactly `article[start:end]`.

>>> segments(10, [(2, 6, 1), (4, 8, 2)])
[(0, 2, frozenset()), (2, 4, frozenset({1})), (4, 6, frozenset({1, 2})), (6, 8, frozenset({2})), (8, 10, frozenset())]
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rag import ArticleInfo

MARKER = re.compile(r"\[(\d{1,3})\]")  # "[3]" in answer text
TIP_CHARS = 220  # hover tooltips show the start of long quotes


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def esc(text: object) -> str:
    """Escape for element content and for double-quoted attribute values."""
    return html.escape(str(text), quote=True)


@dataclass
class Turn:
    """One question and its answer as shown on the page. `text` only ever grows while streaming:
    deltas are appended and already shown text is never rewritten; citations come from the final
    Answer."""

    question: str
    text: str = ""
    citations: list[Any] = field(default_factory=list)  # rag.Citation
    done: bool = False
    refused: bool = False
    mode: str = ""
    notice: str = ""
    unsupported: list[str] = field(default_factory=list)
    error: str = ""


# --- span arithmetic ------------------------------------------------------------------------------
def segments(length: int, spans: Iterable[tuple[int, int, Hashable]]) -> list[tuple[int, int, frozenset]]:
    """Cut [0, length) at every span boundary; each piece carries the keys of the spans covering it.
    Overlapping and nested spans are fine; empty or out-of-range parts are clipped away."""
    clipped = [(max(0, s), min(length, e), key) for s, e, key in spans if min(length, e) > max(0, s)]
    cuts = sorted({0, length, *(s for s, _, _ in clipped), *(e for _, e, _ in clipped)})
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        keys = frozenset(key for s, e, key in clipped if s <= a and b <= e)
        pieces.append((a, b, keys))
    return pieces


def paragraph_number(text: str, offset: int) -> int:
    """1-based paragraph (blank-line separated) that `offset` falls in."""
    return len(re.findall(r"\n\s*\n", text[:offset])) + 1


def _tip(quote: str) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= TIP_CHARS else quote[: TIP_CHARS - 1].rstrip() + "…"


# --- conversation ---------------------------------------------------------------------------------
def answer_text_html(turn_index: int, turn: Turn) -> str:
    """The answer with each [n] as a button that opens citation n. While streaming, markers are
    shown as pending; once final, a marker without a citation is shown struck through (the
    verifier dropped it), and sentences listed in `unsupported` are flagged."""
    text = turn.text
    cited = {c.marker: c for c in turn.citations}
    flagged = []
    for sentence in turn.unsupported if turn.done else []:
        at = text.find(sentence) if sentence else -1
        if at >= 0:
            flagged.append((at, at + len(sentence), "unsupported"))
    ranges = [(m.start(), m.end(), m) for m in MARKER.finditer(text)]
    out = []
    for start, end, keys in segments(len(text), flagged + ranges):
        match = next((k for k in keys if isinstance(k, re.Match)), None)
        if match is not None:
            if match.start() == start:  # emit each marker once, at its first piece
                out.append(_marker_html(turn_index, int(match.group(1)), cited, turn.done))
            continue
        piece = esc(text[start:end])
        out.append(f'<span class="unsupported" title="Not supported by the cited article">{piece}</span>'
                   if "unsupported" in keys else piece)
    return "".join(out)


def _marker_html(turn_index: int, n: int, cited: Mapping[int, Any], done: bool) -> str:
    c = cited.get(n)
    if c is not None:
        return (
            f'<button type="button" class="cite" data-turn="{turn_index}" data-marker="{n}" '
            f'data-tip="{esc(_tip(c.quote))}" aria-label="Citation {n}: {esc(c.source)}">{n}</button>'
        )
    if done:
        return f'<span class="cite cite-dropped" title="Citation {n} did not hold up and was removed">{n}</span>'
    return f'<span class="cite cite-pending">{n}</span>'


def turn_html(turn_index: int, turn: Turn) -> str:
    parts = []
    if turn.question:
        parts.append(f'<div class="msg user"><div class="bubble">{esc(turn.question)}</div></div>')
    if turn.error:
        body = f'<div class="error-title">Could not answer</div><div class="answer-text">{esc(turn.error)}</div>'
        parts.append(f'<div class="msg bot error" role="alert" data-done="true"><div class="bubble">{body}</div></div>')
        return "".join(parts)
    kind = " refused" if turn.refused else ""
    body = []
    if turn.notice:
        body.append(f'<div class="notice">{esc(turn.notice)}</div>')
    if turn.refused:
        body.append('<div class="refusal-title">Not in the articles</div>')
    if turn.text:
        body.append(f'<div class="answer-text">{answer_text_html(turn_index, turn)}</div>')
    if not turn.done:
        body.append('<div class="typing" aria-label="answering"><i></i><i></i><i></i></div>')
    else:
        foot = [f'<span class="pill">{esc(turn.mode or "answer")}</span>']
        if turn.citations:
            sources = len({c.source for c in turn.citations})
            foot.append(f"{len(turn.citations)} citation{'s' if len(turn.citations) != 1 else ''} "
                        f"from {sources} article{'s' if sources != 1 else ''}")
        body.append(f'<div class="answer-foot">{" · ".join(foot)}</div>')
        if turn.unsupported:  # the model's claims no article supports: never the answer, shown folded
            n = len(turn.unsupported)
            items = "".join(f'<li class="unsupported">{esc(s)}</li>' for s in turn.unsupported)
            body.append(f'<details class="unsupported-list"><summary class="warn">{n} unsupported '
                        f'sentence{"s" if n != 1 else ""} left out (not in the cited articles)</summary>'
                        f'<ul>{items}</ul></details>')
    parts.append(f'<div class="msg bot{kind}" data-done="{str(turn.done).lower()}">'
                 f'<div class="bubble">{"".join(body)}</div></div>')
    return "".join(parts)


def chat_html(turns: Sequence[Turn]) -> str:
    """The whole conversation, or a welcome panel when it is empty."""
    if not turns:
        return (
            '<div class="chat"><div class="welcome">'
            "<h2>Ask your news archive</h2>"
            "<p>Every sentence of an answer is quoted from an article and cited. Click a number like "
            '<span class="cite cite-demo">1</span> to read the passage in its article.</p>'
            '<p class="muted">Narrow the search or switch the answer mode in the settings on the left.</p>'
            "</div></div>"
        )
    return f'<div class="chat">{"".join(turn_html(i, t) for i, t in enumerate(turns))}</div>'


# --- citation cards -------------------------------------------------------------------------------
def cards_html(
    turn_index: int | None,
    citations: Sequence[Any],
    titles: Mapping[str, str],
    articles: Mapping[str, str],
    active: int | None = None,
    refused: bool = False,
) -> str:
    """One card per citation: number, article title and source, the quote, and where it sits."""
    if turn_index is None:
        return empty_panel("Sources", "Citations of the latest answer appear here.")
    if not citations:
        why = "The articles do not answer this, so nothing is cited." if refused else "This answer cites nothing."
        return empty_panel("Sources", why)
    cards = []
    for c in citations:
        text = articles.get(c.source, "")
        where = f"¶ {paragraph_number(text, c.start)} · " if text else ""
        where += f"chars {c.start:,}–{c.end:,}" + (f" of {len(text):,}" if text else "")
        title = titles.get(c.source) or c.source
        cards.append(
            f'<div class="card{" active" if c.marker == active else ""}" role="button" tabindex="0" '
            f'data-turn="{turn_index}" data-marker="{c.marker}" data-source="{esc(c.source)}" '
            f'data-start="{c.start}" data-end="{c.end}">'
            f'<div class="card-head"><span class="badge">{c.marker}</span>'
            f'<span class="card-title">{esc(title)}</span></div>'
            f'<blockquote class="card-quote">{esc(c.quote)}</blockquote>'
            f'<div class="card-meta"><span class="src">{esc(c.source)}</span><span>{where}</span></div>'
            "</div>"
        )
    return f'<div class="panel-title">Sources</div><div class="cards">{"".join(cards)}</div>'


# --- article viewer -------------------------------------------------------------------------------
def article_html(
    source: str,
    text: str,
    meta: Mapping[str, str] | None = None,
    citations: Sequence[Any] = (),
    active: int | None = None,
) -> str:
    """The whole cleaned article with every citation of it highlighted; the active one is marked
    for scrolling. The title line (the article's first paragraph when it equals meta title) is
    styled as a heading but stays part of the text, so offsets are untouched."""
    meta = dict(meta or {})
    title = meta.get("title", "")
    spans: list[tuple[int, int, Hashable]] = [(c.start, c.end, c.marker) for c in citations]
    if title and text.startswith(title):
        spans.append((0, len(title), "title"))
    starts = {c.start: [] for c in citations}
    for c in sorted(citations, key=lambda c: c.marker):
        starts[c.start].append(c.marker)
    out, anchored = [], False
    for start, end, keys in segments(len(text), spans):
        piece = esc(text[start:end])
        markers = sorted(k for k in keys if isinstance(k, int))
        if markers:
            tags = "".join(f'<sup class="hl-tag">{n}</sup>' for n in starts.get(start, []) if n in markers)
            is_active = active in markers
            anchor = ""
            if is_active and not anchored:
                anchor, anchored = ' data-anchor="true"', True
            piece = (f'<mark class="hl{" active" if is_active else ""}" '
                     f'data-markers="{" ".join(map(str, markers))}"{anchor}>{tags}{piece}</mark>')
        if "title" in keys:
            piece = f'<span class="lead">{piece}</span>'
        out.append(piece)
    details = [esc(meta[k]) for k in ("outlet", "author", "date", "credit") if meta.get(k)]
    count = len(citations)
    status = (f'<span class="pill hl-pill">{count} highlighted passage{"s" if count != 1 else ""}</span>'
              if count else "")
    return (
        f'<div class="viewer" data-source="{esc(source)}">'
        f'<div class="viewer-head"><div><div class="panel-title">Article</div>'
        f'<div class="viewer-source">{esc(source)}</div>'
        f'<div class="viewer-meta">{" · ".join(details)}</div></div>{status}</div>'
        f'<div class="viewer-body">{"".join(out)}</div>'
        "</div>"
    )


def empty_viewer() -> str:
    return empty_panel("Article", "Open a citation or an article from the library to read it here.")


def empty_panel(title: str, message: str) -> str:
    return f'<div class="panel-title">{esc(title)}</div><div class="empty">{esc(message)}</div>'


# --- library and status ---------------------------------------------------------------------------
def library_html(articles: Sequence[ArticleInfo]) -> str:
    """The indexed articles with their chunk counts; each opens in the viewer."""
    if not articles:
        return '<div class="empty">No articles indexed yet. Add some below.</div>'
    rows = []
    for a in articles:
        sub = " · ".join(esc(v) for v in (a.source, a.meta.get("outlet", "")) if v)
        chunks = a.chunks
        rows.append(
            f'<li class="lib-item" role="button" tabindex="0" data-source="{esc(a.source)}">'
            f'<div class="lib-text"><div class="lib-title">{esc(a.title or a.source)}</div>'
            f'<div class="lib-sub">{sub}</div></div>'
            f'<span class="chip">{chunks} chunk{"s" if chunks != 1 else ""}</span></li>'
        )
    return f'<ul class="library">{"".join(rows)}</ul>'


def corpus_summary(articles: Sequence[ArticleInfo]) -> str:
    chunks = sum(a.chunks for a in articles)
    n = len(articles)
    return f"{n} article{'s' if n != 1 else ''} · {chunks} chunk{'s' if chunks != 1 else ''} indexed"


def header_html(summary: str, model: str) -> str:
    return (
        '<div class="topbar"><div class="brand"><span class="logo">❝</span><div>'
        '<div class="brand-name">newsrag</div>'
        '<div class="brand-sub">Answers from your news articles, every claim cited</div></div></div>'
        f'<div class="status"><span class="pill">{esc(summary)}</span>'
        f'<span class="pill model">{esc(model)}</span></div></div>'
    )


def upload_report_html(added: Sequence[str], problems: Sequence[tuple[str, str]], chunks: int = 0) -> str:
    """What an upload did: the files now searchable, and every rejected file by name with the reason."""
    parts = []
    if added:
        names = ", ".join(esc(n) for n in added)
        parts.append(f'<div class="ok">Added {len(added)} file{"s" if len(added) != 1 else ""}'
                     f"{f' ({chunks} chunk{_s(chunks)})' if chunks else ''}: {names}</div>")
    for name, reason in problems:
        parts.append(f'<div class="bad"><b>{esc(name)}</b>: {esc(reason)}</div>')
    return f'<div class="upload-report">{"".join(parts)}</div>' if parts else ""
