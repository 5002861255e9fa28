"""Span arithmetic: the one place where character offsets are computed.

Every offset in newsrag is produced here, as a slice of the exact string it refers to, so that
`text[start:end]` is the quoted text by construction rather than by search-and-hope. (llama-index's
`start_char_idx` is computed on its own normalised text and is not exact after our cleaning, which is
why chunks and citations do not use it.)

>>> text = "Blinken met Lavrov in Geneva. The U.S. said no.\\nTalks “went well.” Then"
>>> [text[s:e] for s, e in sentence_spans(text)]
['Blinken met Lavrov in Geneva.', 'The U.S. said no.', 'Talks “went well.”', 'Then']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Offsets = tuple[int, int]  # (start, end) within one string; rag.schema.Span adds the article

# Words that end with a period without ending a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st jr sr gen col lt sgt capt gov sen rep pres no vs etc approx dept est fig
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun inc ltd corp co""".split()
)
# A sentence end: terminal punctuation, then closing quotes or brackets (French texts put a space
# before », so one space is allowed there).
_END = re.compile(r"[.!?…]+(?:\s?[”\"’'»)\]]+)*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def trim(text: str, start: int, end: int) -> Offsets:
    """Shrink [start, end) so that it neither starts nor ends with white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_boundary(text: str, dot: int, after: int) -> bool:
    """Is the punctuation run text[dot:after] the end of a sentence?"""
    rest = text[after : after + 3]
    if rest and not rest[0].isspace():
        return False  # "100.000", "U.S.-led", "e.g.,"
    nxt = rest.lstrip()[:1]
    if nxt and nxt.islower():
        return False  # "approx. five", "vs. them"
    if text[dot] == ".":
        word = _WORD_BEFORE.search(text, max(0, dot - 30), dot)  # a window: searching from 0 is quadratic
        if word:
            token = word.group(1)
            if token.lower() in _ABBREVIATIONS or "." in token or (len(token) == 1 and token.isupper()):
                return False  # "Mr.", "U.S.", "J. Smith"
    return True


def _line_spans(text: str, start: int, end: int) -> Iterator[Offsets]:
    """Non-empty lines of text[start:end], trimmed."""
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        s, e = trim(text, pos, stop)
        if s < e:
            yield s, e
        pos = stop + 1


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Offsets]:
    """Sentences of text[start:end] as trimmed (start, end) spans. Line breaks always end a sentence
    (titles, list items, paragraphs); inside a line, terminal punctuation does unless it belongs to an
    abbreviation, a number, or is followed by a lower-case word."""
    end = len(text) if end is None else end
    spans: list[Offsets] = []
    for line_start, line_end in _line_spans(text, start, end):
        sentence_start = line_start
        for match in _END.finditer(text, line_start, line_end):
            if _is_boundary(text, match.start(), match.end()):
                s, e = trim(text, sentence_start, match.end())
                if s < e:
                    spans.append((s, e))
                sentence_start = match.end()
        s, e = trim(text, sentence_start, line_end)
        if s < e:
            spans.append((s, e))
    return spans


def split_long(text: str, start: int, end: int, limit: int) -> list[Offsets]:
    """Cut a span longer than `limit` characters at white space into pieces of at most `limit`
    (a single word longer than `limit` is cut where it must)."""
    pieces: list[Offsets] = []
    while end - start > limit:
        cut = text.rfind(" ", start + 1, start + limit + 1)
        cut = cut if cut > start else start + limit
        s, e = trim(text, start, cut)
        if s < e:
            pieces.append((s, e))
        start, end = trim(text, cut, end)
    if start < end:
        pieces.append((start, end))
    return pieces


def overlap(a: Offsets, b: Offsets) -> int:
    """Number of characters two spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def passage_sentences(passage) -> list[Offsets]:
    """The sentences of a passage (anything with `text` and `start`, where `text` is
    `article[start:start + len(text)]`), as offsets into the whole article."""
    return [(passage.start + s, passage.start + e) for s, e in sentence_spans(passage.text)]
