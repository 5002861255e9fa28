"""Extractive answering: the sentences of the retrieved passages that answer the question, verbatim.

A sentence's support is the share of the question's content-term weight (idf, see rag.terms) that it
contains, plus a little credit for terms found elsewhere in its passage (pronouns: "he said" after
a sentence naming Lavrov). The best sentences above `min_support` are returned, each cited; when none
reaches it the answer is a refusal. Deterministic, no model.

>>> from rag.schema import Passage
>>> from rag.terms import TermWeights
>>> text = "Blinken will meet Lavrov in Geneva on Friday. It rained."
>>> p = Passage("a.txt", 0, len(text), text, 1.0)
>>> ans = ExtractiveAnswerer(TermWeights({}, 10)).answer("Where will Blinken meet Lavrov?", [p], {"a.txt": text}.get)
>>> ans.text, ans.citations[0].quote
('Blinken will meet Lavrov in Geneva on Friday. [1]', 'Blinken will meet Lavrov in Geneva on Friday.')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rag.prompts import REFUSAL_TEXT
from rag.schema import Answer, Citation, Passage
from rag.spans import sentence_spans
from rag.terms import TermWeights, content_terms, tokens

PASSAGE_CREDIT = 0.25  # weight of question terms found in the passage but not in the sentence
NEAR_BEST = 0.8  # also keep sentences scoring at least this share of the best one


@dataclass(frozen=True)
class ScoredSentence:
    source: str
    start: int
    end: int
    quote: str
    support: float  # coverage by the sentence alone, 0..1
    score: float  # support plus passage credit: the ranking key


def score_sentences(
    question: str, passages: list[Passage], article_text: Callable[[str], str], weights: TermWeights
) -> list[ScoredSentence]:
    """Every sentence of every passage, scored against the question, best first."""
    terms = content_terms(question)
    scored = []
    for passage in passages:
        text = article_text(passage.source)
        in_passage = weights.coverage(terms, set(tokens(passage.text)))
        for start, end in sentence_spans(text, passage.start, passage.end):
            quote = text[start:end]
            support = weights.coverage(terms, set(tokens(quote)))
            score = support + PASSAGE_CREDIT * (in_passage - support)
            scored.append(ScoredSentence(passage.source, start, end, quote, support, score))
    scored.sort(key=lambda s: (-s.score, s.source, s.start))
    return scored


def cited_text(sentences: list[ScoredSentence]) -> tuple[str, list[Citation]]:
    """'Sentence one. [1] Sentence two. [2]' and the matching citations."""
    citations = [Citation(i, s.source, s.start, s.end, s.quote) for i, s in enumerate(sentences, 1)]
    return " ".join(f"{c.quote} [{c.marker}]" for c in citations), citations


class ExtractiveAnswerer:
    def __init__(self, weights: TermWeights, min_support: float = 0.5, max_sentences: int = 3):
        self.weights = weights
        self.min_support = min_support
        self.max_sentences = max_sentences

    def select(self, question: str, passages: list[Passage], article_text: Callable[[str], str]) -> list[ScoredSentence]:
        """The answering sentences, best first; empty when nothing supports the question enough."""
        ranked = score_sentences(question, passages, article_text, self.weights)
        if not ranked or ranked[0].support < self.min_support:
            return []
        floor = max(self.min_support, NEAR_BEST * ranked[0].score)
        chosen: list[ScoredSentence] = []
        for s in ranked:
            if len(chosen) == self.max_sentences or s.score < floor:
                break
            if s.support >= self.min_support and all((s.source, s.quote) != (c.source, c.quote) for c in chosen):
                chosen.append(s)
        return chosen

    def answer(self, question: str, passages: list[Passage], article_text: Callable[[str], str]) -> Answer:
        chosen = self.select(question, passages, article_text)
        if not chosen:
            return Answer(question, REFUSAL_TEXT, [], True, "extractive", passages)
        text, citations = cited_text(chosen)
        return Answer(question, text, citations, False, "extractive", passages)
