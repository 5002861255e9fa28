"""Content terms and their weights: the lexical evidence shared by extractive answering and by the
verification of model citations.

Terms are tokenised, lower-cased and stemmed exactly as the BM25 index does (bm25s token pattern,
PyStemmer English), so a term's document frequency can be read straight from the BM25 index.

>>> content_terms("Where did Blinken meet Lavrov on Friday?")
['blinken', 'meet', 'lavrov', 'friday']

This module is the one home of the tokenizer: the BM25 index (rag.stores) is built and queried with
`bm25_tokenize`, which uses the same `TOKEN_PATTERN` and stemmer as `tokens()`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN_PLUS

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # bm25s's (and llama-index's BM25Retriever's) default
WORD = re.compile(TOKEN_PATTERN)
YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")  # a year a news question may name: 1800-2099
# Words that shape a question but carry no content an answer sentence must share.
_QUESTION_WORDS = frozenset(
    """what which who whom whose when where why how did does do done doing was were is are been
    being has have had according say says said tell told report reported reports article articles
    mention mentioned mentions many much kind sort exactly also ever one can could would should
    about whether there any""".split()
)
STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | _QUESTION_WORDS


@lru_cache(maxsize=1)
def stemmer():
    """PyStemmer's English (Snowball) stemmer, shared by term weights and the BM25 index."""
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=4096)
def word_stem(word: str) -> str:
    """A lower-case word's stem, as every index and rule of newsrag stems it.

    >>> word_stem("talks"), word_stem("talked")
    ('talk', 'talk')
    """
    return stemmer().stemWord(word)


def tokens(text: str) -> list[str]:
    """All stemmed tokens of `text`, stop words included (as the BM25 index sees a sentence)."""
    return [word_stem(w) for w in WORD.findall(text.lower())]


# Adjectives of nationality and their country, for the evidence an answer must share with a question
# ("Canada's minister" / "his Canadian counterpart"). Not used by BM25: folding them there would
# change what a keyword search for "Russian" finds.
_DEMONYMS = """american:america british:britain canadian:canada chinese:china european:europe french:france
    german:germany russian:russia ukrainian:ukraine belarusian:belarus swiss:switzerland italian:italy
    spanish:spain polish:poland japanese:japan indian:india israeli:israel iranian:iran turkish:turkey
    georgian:georgia finnish:finland swedish:sweden norwegian:norway danish:denmark dutch:netherlands
    austrian:austria hungarian:hungary romanian:romania estonian:estonia latvian:latvia lithuanian:lithuania
    kazakh:kazakhstan syrian:syria iraqi:iraq afghan:afghanistan korean:korea mexican:mexico
    brazilian:brazil australian:australia egyptian:egypt saudi:arabia soviet:ussr""".split()


@lru_cache(maxsize=1)
def _demonym_stems() -> dict[str, str]:
    return {word_stem(adjective): word_stem(country) for adjective, country in (pair.split(":") for pair in _DEMONYMS)}


def fold_demonyms(stems: list[str]) -> list[str]:
    """Stemmed tokens with adjectives of nationality replaced by their country's stem.

    >>> fold_demonyms(tokens("his Canadian counterpart")) == tokens("his Canada counterpart")
    True
    """
    table = _demonym_stems()
    return [table.get(t, t) for t in stems]


def country_forms(stem: str) -> list[str]:
    """A stem and, for a country or its adjective, the other: what an index may hold for it. Both
    ways: a question's "British" is written "Britain" in an article as often as the other way round.

    >>> [set(country_forms(tokens(w)[0])) == set(tokens("Canada Canadian")) for w in ("Canada", "Canadian")]
    [True, True]
    """
    table = _demonym_stems()
    country = table.get(stem, stem)
    return list(dict.fromkeys([stem, country] + [adjective for adjective, c in table.items() if c == country]))


def is_nationality(stem: str) -> bool:
    """Is the stem a country or an adjective of nationality ("Canada", "Canadian": not a person)?

    >>> is_nationality(tokens("Canadian")[0]), is_nationality(tokens("Canada")[0]), is_nationality(tokens("Joly")[0])
    (True, True, False)
    """
    table = _demonym_stems()
    return stem in table or stem in _country_stems()


@lru_cache(maxsize=1)
def _country_stems() -> frozenset[str]:
    return frozenset(_demonym_stems().values())


def content_terms(text: str) -> list[str]:
    """Stemmed content terms of a question or sentence, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in WORD.findall(text.lower()):
        if word not in STOPWORDS:
            seen.setdefault(word_stem(word), None)
    return list(seen)


def bm25_tokenize(texts: str | list[str]):
    """`texts` tokenised for bm25s (stop words dropped, stemmed), for indexing and for queries alike."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer(), token_pattern=TOKEN_PATTERN, show_progress=False)


def bm25_tokenize_all(texts: Iterable[str], batch: int = 2048):
    """Many texts tokenised for indexing exactly like `bm25_tokenize`, a batch at a time, into one
    vocabulary (stem -> id), each text's token ids kept as a small int32 array. Memory: a list of
    Python ints per text costs ~4x the arrays, and bm25s's Tokenizer keeps three per-word tables
    (~50 MB over the 170k distinct words of a 20 MB file) where one stem table does.

    >>> found = bm25_tokenize_all(["The talks in Geneva", "Geneva talks ended"], batch=1)
    >>> [[sorted(found.vocab, key=found.vocab.get)[i] for i in doc] for doc in found.ids]
    [['talk', 'geneva'], ['geneva', 'talk', 'end']]
    """
    import bm25s
    import numpy as np
    from bm25s.tokenization import Tokenized

    vocab: dict[str, int] = {}
    ids: list = []
    pending: list[str] = []

    def flush() -> None:
        found = bm25s.tokenize(pending, stopwords="en", stemmer=stemmer(), token_pattern=TOKEN_PATTERN,
                               return_ids=False, show_progress=False)
        for doc in found:
            ids.append(np.fromiter((vocab.setdefault(t, len(vocab)) for t in doc), dtype=np.int32, count=len(doc)))
        pending.clear()

    for text in texts:
        pending.append(text)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return Tokenized(ids=ids, vocab=vocab)


def ascii_fold(text: str) -> str:
    """The text without accents: "Erdoğan" -> "Erdogan"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class TermWeights:
    """Inverse document frequency of stemmed terms over the indexed chunks (BM25's idf).
    A term no chunk contains gets the highest weight: a question about it is likely unanswered.

    >>> w = TermWeights({"blinken": 10, "geneva": 2}, documents=20)
    >>> round(w.idf("geneva"), 2) > round(w.idf("blinken"), 2)
    True
    """

    def __init__(self, document_frequency: dict[str, int], documents: int):
        self.df = document_frequency
        self.n = max(documents, 1)
        self._by_prefix: dict[str, list[str]] | None = None

    def terms_starting(self, prefix: str) -> list[str]:
        """The indexed terms whose first five letters, accents removed, are `prefix`'s: where another
        spelling of a name is (rag.strangers). Grouped on first use.

        >>> TermWeights({"zelenskiy": 3, "zelensky": 1, "geneva": 2}, documents=5).terms_starting("zelen")
        ['zelenskiy', 'zelensky']
        """
        if self._by_prefix is None:
            grouped: dict[str, list[str]] = {}
            for term in self.df:
                grouped.setdefault(ascii_fold(term)[:5], []).append(term)
            self._by_prefix = grouped
        return self._by_prefix.get(ascii_fold(prefix)[:5], [])

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def coverage(self, question_terms: list[str], sentence_tokens: set[str]) -> float:
        """Share of the question's weight that the sentence covers (0..1)."""
        total = sum(self.idf(t) for t in question_terms)
        if total == 0:
            return 0.0
        return sum(self.idf(t) for t in question_terms if t in sentence_tokens) / total
