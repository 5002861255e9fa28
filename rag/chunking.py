"""Split a cleaned article into chunks with exact character offsets.

Chunks are runs of whole sentences (from `rag.spans`) packed up to `chunk_chars` characters; a
sentence longer than that is cut at white space. Offsets come from the sentence spans, so
`article.text[chunk.start:chunk.end] == chunk.text` holds by construction (and is asserted).

>>> from rag.schema import Article
>>> art = Article("a.txt", "One sentence here. Another one.\\n\\nA new paragraph.")
>>> [(c.start, c.end, c.text) for c in chunk_article(art, chunk_chars=35)]
[(0, 31, 'One sentence here. Another one.'), (33, 49, 'A new paragraph.')]
"""

from __future__ import annotations

import hashlib

from rag.schema import Article, Chunk
from rag.spans import Offsets, sentence_spans, split_long


# Bump when a change to rag.spans or this module moves chunk boundaries: indexes built before are rebuilt.
CHUNKER_VERSION = 1


def chunk_id(source: str, start: int, end: int, text: str) -> str:
    """Deterministic id: the same text at the same place of the same source gets the same id, so
    re-ingesting an unchanged article rewrites nothing."""
    digest = hashlib.sha1(f"{source}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()
    return digest[:24]


def _pack(sentences: list[Offsets], chunk_chars: int) -> list[Offsets]:
    """Greedily group consecutive sentences into spans of at most chunk_chars characters."""
    groups: list[Offsets] = []
    for s, e in sentences:
        if groups and e - groups[-1][0] <= chunk_chars:
            groups[-1] = (groups[-1][0], e)
        else:
            groups.append((s, e))
    return groups


def chunk_spans(article: Article, chunk_chars: int = 500) -> list[tuple[str, int, int]]:
    """(id, start, end) of each chunk of `article`, in text order, without keeping the chunk texts:
    ingest holds these for a whole file and cuts the texts piece by piece (rag.index)."""
    text = article.text
    sentences: list[Offsets] = []
    for s, e in sentence_spans(text):
        sentences.extend(split_long(text, s, e, chunk_chars))
    return [(chunk_id(article.source, start, end, text[start:end]), start, end) for start, end in _pack(sentences, chunk_chars)]


def make_chunk(article: Article, span: tuple[str, int, int]) -> Chunk:
    """The chunk of `article` at one of its `chunk_spans`; it carries the article's metadata."""
    chunk_id_, start, end = span
    return Chunk(source=article.source, start=start, end=end, text=article.text[start:end], id=chunk_id_,
                 meta=dict(article.meta))


def chunk_article(article: Article, chunk_chars: int = 500) -> list[Chunk]:
    """Chunks of `article` in text order; each carries the article's metadata plus its source."""
    chunks = [make_chunk(article, span) for span in chunk_spans(article, chunk_chars)]
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
    return chunks
