"""Extractive answering: the sentences of the retrieved passages that answer the question, verbatim.

How a sentence earns its place:

1. Candidates: the sentences of the retrieved passages, ranked by lexical support (the share of the
   question's idf-weighted content terms the sentence contains, rag.terms, with a little credit for
   terms elsewhere in its passage: "he said" after a sentence naming Lavrov). A sentence that is
   mostly link or image markup is none. The best `CANDIDATES` go on: each costs one embedding.
2. Answerability: the signals of rag.answerability (answer type, the question's entities and focus,
   the rarest missing term, new content, retrieval rank, cosine to the question) go through the
   fitted model, which gives each candidate a probability of answering the question. A question
   naming someone the articles never mention (rag.strangers) has no candidates.
3. Refusal: when no candidate reaches the model's threshold (picked on the train split's
   precision/recall curve of refusal), the answer says the articles do not answer.
4. Selection: up to `max_answer_sentences` candidates within `NEAR_BEST` of the best probability
   and at least at the threshold, plus the best sentence of each other article from `OTHER_ARTICLE`
   of the threshold on; the best sentence of each article before second sentences of one article
   (multi-article questions cite several articles). NEAR_BEST and OTHER_ARTICLE were chosen on the
   train split. A two-part question ("Whom did he meet, and what did he promise?") is answered part
   by part (rag.question_parts), each part's best sentence first; an answered question
   about two names joined by "and" also cites each name's best sentence (per_name). A question
   comparing two events in time needs a sentence dating each (dated_events).
Deterministic, no generative model. Answer mode `local` adds one (rag.judged): given a `judge`, the
best candidates the rules allow are scored by the model's verdict on each instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.answerability import AnswerabilityModel, Question, Signals, markup_share, shipped_model, signals
from rag.answering import Event, Reply
from rag.prompts import REFUSAL_TEXT
from rag.question_parts import per_name, question_parts
from rag.schema import Citation, Passage, Span
from rag.spans import passage_sentences
from rag.strangers import strangers
from rag.terms import TermWeights, content_terms, tokens

Embed = Callable[[Sequence[str]], np.ndarray]
Judge = Callable[[str, str], float]  # (question, sentence) -> probability that the sentence answers it

PASSAGE_CREDIT = 0.25  # weight of question terms found in the passage but not in the sentence
MAX_MARKUP = 0.5  # a sentence that is mostly link or image syntax is never an answer
CANDIDATES = 12  # sentences (best lexical first) that get embedded and scored by the model
NEAR_BEST = 0.8  # also keep sentences scoring at least this share of the best one
OTHER_ARTICLE = 0.7  # ... and each other article's best sentence from this share of the threshold on
JUDGED = 3  # with a judge: the candidates it is asked about (each costs a model call); the rest drop out


@dataclass(frozen=True)
class ScoredSentence(Span):
    """A candidate answer sentence: `quote == article(source)[start:end]`."""

    quote: str
    lexical: float  # coverage by the sentence alone, 0..1
    score: float  # ranking key: lexical plus passage credit, then the model's probability (times a judge's)
    rank: int = 0  # rank of its passage in retrieval (0 = first)
    passage_text: str = ""
    signals: Signals | None = None


def score_sentences(question: str, passages: Sequence[Passage], weights: TermWeights) -> list[ScoredSentence]:
    """Every sentence of every passage, scored lexically against the question, best first."""
    terms = content_terms(question)
    scored = []
    for rank, passage in enumerate(passages):
        in_passage = weights.coverage(terms, set(tokens(passage.text)))
        for start, end in passage_sentences(passage):
            quote = passage.text[start - passage.start : end - passage.start]
            if markup_share(quote) >= MAX_MARKUP:
                continue
            lexical = weights.coverage(terms, set(tokens(quote)))
            score = lexical + PASSAGE_CREDIT * (in_passage - lexical)
            scored.append(ScoredSentence(passage.source, start, end, quote, lexical, score, rank, passage.text))
    scored.sort(key=lambda s: (-s.score, s.source, s.start))
    return scored


def diverse_first(sentences: list[ScoredSentence]) -> list[ScoredSentence]:
    """The best sentence of each source first (best first), then the others: with a limit on answer
    sentences, a multi-article answer cites several articles instead of two sentences of one."""
    firsts: dict[str, int] = {}
    for i, s in enumerate(sentences):
        firsts.setdefault(s.source, i)
    order = sorted(range(len(sentences)), key=lambda i: (firsts[sentences[i].source] != i, i))
    return [sentences[i] for i in order]


def cited_text(sentences: Sequence[ScoredSentence], cited: Sequence[Citation] = ()) -> tuple[str, list[Citation]]:
    """'Sentence one. [1] Sentence two. [2]' and the citations: those already `cited` (an answer
    this text continues) followed by the new ones. A sentence already cited keeps its number.

    >>> s = ScoredSentence("a.txt", 0, 7, "Geneva.", 1.0, 1.0)
    >>> cited_text([s])
    ('Geneva. [1]', [Citation(source='a.txt', start=0, end=7, quote='Geneva.', marker=1)])
    """
    citations = list(cited)
    numbers = {(c.source, c.start, c.end): c.marker for c in citations}
    parts = []
    for s in sentences:
        key = (s.source, s.start, s.end)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(Citation(s.source, s.start, s.end, quote=s.quote, marker=numbers[key]))
        parts.append(f"{s.quote} [{numbers[key]}]")
    return " ".join(parts), citations


class ExtractiveAnswerer:
    """The default answer mode: the retrieved sentences that answer the question, verbatim.

    Implements rag.answering.Answerer (and the fallback's `continue_after`)."""

    mode = "extractive"

    def __init__(self, weights: TermWeights, embed: Embed, max_sentences: int = 3,
                 model: AnswerabilityModel | None = None, threshold: float | None = None,
                 judge: Judge | None = None):
        self.weights = weights
        self.embed = embed
        self.max_sentences = max_sentences
        self.model = model or shipped_model()
        self.threshold = self.model.threshold if threshold is None else threshold
        self.judge = judge

    def candidates(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        """The best `CANDIDATES` sentences by lexical support, with their answerability signals and
        the model's probability as `score`, best first. With a judge: only the best `JUDGED`, each
        scored by the judge's probability."""
        if strangers(question, self.weights):  # someone the articles never mention: nothing to score
            return []
        ranked = score_sentences(question, passages, self.weights)[:CANDIDATES]
        if not ranked:
            return []
        asked = Question.of(question, self.weights)
        vectors = self.embed([question] + [s.quote for s in ranked])
        cosines = vectors[1:] @ vectors[0]
        found = [
            replace(s, signals=signals(asked, s.quote, s.passage_text, s.rank, float(c), self.weights))
            for s, c in zip(ranked, cosines)
        ]
        probabilities = self.model.probability(np.array([s.signals.vector() for s in found]))
        scored = [replace(s, score=float(p)) for s, p in zip(found, probabilities)]
        scored.sort(key=lambda s: (-s.score, s.source, s.start))
        return self._judged(question, scored) if self.judge else scored

    def _judged(self, question: str, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """The best `JUDGED` candidates, each scored by the judge's probability that it answers. The
        answerability model picks which candidates are judged; a candidate its rules rule out (score
        0: no thing of the asked type...) is not asked about. The judge's verdict alone, not its
        product with the answerability, is the score: on the train questions it tells answerable from
        unanswerable ones better (question-level AUC 0.91 against 0.87, evals/fit_judged.py)."""
        judged = [replace(s, score=self.judge(question, s.quote)) for s in scored[:JUDGED] if s.score > 0]
        judged.sort(key=lambda s: (-s.score, s.source, s.start))
        return judged

    def select(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        """The answering sentences, best first; empty when no sentence is likely enough to answer."""
        return self.decide(question, passages)[0]

    def decide(self, question: str, passages: Sequence[Passage]) -> tuple[list[ScoredSentence], float]:
        """The chosen sentences and the confidence (best score). A two-part question ("Whom
        did he meet, and what did he promise?") is answered part by part: one part's sentences would
        otherwise crowd out the other's, and each part may come from another article. An answered
        question about two names ("What are the US and Britain giving?") also cites each name's best
        sentence (rag.question_parts.per_name); whether it is answered is decided on the whole. A
        question comparing two events in time ("How many days passed between A and B?") is asked as
        when each happened (rag.question_parts.dated_events) and answered only when both are."""
        questions, every = question_parts(question)
        parts = [self.candidates(part, passages) for part in questions]
        tops = [scored[0].score if scored else 0.0 for scored in parts]
        # two events compared in time need a date for each: the weaker decides; any other part may answer
        confidence = min(tops) if every else max(tops)
        per_part = [self._choose(scored) for scored in parts]
        if every and not all(per_part):
            return [], confidence
        names = per_name(question) if len(parts) == 1 and per_part[0] else [question]
        if len(names) > 1:
            per_part = [self._choose(self.candidates(name, passages)) for name in names] + per_part
        limit = self.max_sentences + (1 if len(per_part) > 1 else 0)
        chosen: list[ScoredSentence] = []
        for rank in range(max(map(len, per_part), default=0)):  # each part's best first, then seconds
            for sentences in per_part:
                if rank < len(sentences) and len(chosen) < limit and all(
                        sentences[rank].quote != c.quote for c in chosen):
                    chosen.append(sentences[rank])
        return chosen, confidence

    def _choose(self, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        if not scored or scored[0].score < self.threshold:
            return []
        floor = max(self.threshold, NEAR_BEST * scored[0].score)
        firsts: dict[str, ScoredSentence] = {}
        for s in scored:
            firsts.setdefault(s.source, s)
        # with a judge, every sentence must reach the threshold: below it the judge said no
        other_floor = self.threshold if self.judge else OTHER_ARTICLE * self.threshold
        others = {id(s) for s in firsts.values() if s.score >= other_floor}
        eligible = diverse_first([s for s in scored if s.score >= floor or id(s) in others])
        chosen: list[ScoredSentence] = []
        for s in eligible:
            if len(chosen) == self.max_sentences:
                break
            if all(s.quote != c.quote for c in chosen):
                chosen.append(s)
        return chosen

    def reply(self, question: str, passages: Sequence[Passage]) -> Reply:
        chosen, confidence = self.decide(question, passages)
        if not chosen:
            return Reply(REFUSAL_TEXT, [], True, self.mode, confidence=confidence)
        text, citations = cited_text(chosen)
        return Reply(text, citations, False, self.mode, confidence=confidence)

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]:
        """The answer to `standalone` (the condensed question) when given, else to `question`,
        in one delta."""
        reply = self.reply(standalone or question, passages)
        yield reply.text
        yield reply

    def continue_after(self, cited: Sequence[Citation], question: str, passages: Sequence[Passage]) -> tuple[str, list[Citation]]:
        """Sentences answering `question`, numbered on from `cited` (see rag.answering.WithFallback)."""
        return cited_text(self.select(question, passages), cited)
