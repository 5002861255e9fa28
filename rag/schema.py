"""The records that flow through newsrag, in data-flow order.

Article -> Chunk -> Passage -> Citation / Answer. Each of Chunk, Passage and Citation *is* a `Span`:
a `source` and character offsets [`start`, `end`) into `Article.text`, the *cleaned* article text
returned by `Engine.article(source)`, so that `article.text[start:end] == chunk.text == citation.quote`
holds everywhere. (Offsets are computed in one place, rag.spans.)

>>> a = Article(source="a.txt", text="Blinken met Lavrov. In Geneva.")
>>> c = Chunk(source="a.txt", start=0, end=19, text=a.text[0:19])
>>> c.text
'Blinken met Lavrov.'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Span:
    """Where a piece of text lies: characters [start, end) of the cleaned text of article `source`."""

    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Article:
    """A cleaned article. `source` is the file name relative to the corpus root
    (for JSON Lines files: ``"file.jsonl#<line number>"``)."""

    source: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)  # title, date, url, outlet, author, format


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article as listed by `Engine.articles()`: what a library view needs."""

    source: str
    title: str
    chunks: int
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk(Span):
    """A piece of an article: `text == article.text[start:end]`."""

    text: str
    id: str = ""
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Passage(Span):
    """A retrieved chunk with its retrieval score (higher is better): the fused score from
    `Engine.retrieve` (or from fusing the searches for a question's parts, `Engine.answer_passages`),
    or one searcher's own score inside rag.stores. `meta` holds the article's
    title, date, url, outlet, author, and `also_in`: the other sources (comma-separated) that carry
    exactly this text, which `Engine.retrieve` returns only once."""

    text: str
    score: float
    id: str = ""
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Citation(Span):
    """`quote == Engine.article(source)[start:end]`, always. `marker` is the number shown in the
    answer text as ``[marker]``."""

    quote: str
    marker: int


@dataclass
class Answer:
    """What `Engine.ask` returns. A refused answer has no citations."""

    question: str
    text: str
    citations: list[Citation]
    refused: bool
    mode: Literal["extractive", "local", "llm"]
    passages: list[Passage] = field(default_factory=list)
    notice: str = ""  # e.g. "model endpoint unreachable; answered extractively"
    unsupported: list[str] = field(default_factory=list)  # llm sentences whose citations did not hold
    standalone_question: str = ""  # the question after condensing with history
    # How likely the answer is supported by the articles (0..1), from the answerability model (in
    # local mode: its product with the model's P(yes), rag.judged, a ranking rather than a calibrated
    # probability); None when the mode gives no such number. A refusal's: that of the best candidate.
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    """What one `Engine.ingest()` did. `errors` holds (path, reason) for files that were skipped.
    `duplicates` holds (source, first source with the same text) for each article written by this
    run whose text another indexed article has exactly (both are kept: retrieval returns the text
    once, naming the others in `Passage.meta["also_in"]`)."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0  # chunks written to Chroma by this run
    reused: int = 0  # of those, chunks whose vector came from the embedding cache (not embedded again)
    errors: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
