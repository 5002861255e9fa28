"""Extractive answering: the sentences of the retrieved passages that answer the question, verbatim.

How a sentence earns its place (calibrated on the dev questions in evals/qa.jsonl, see the README):

1. Candidates: the sentences of the retrieved passages, ranked by lexical support: the share of the
   question's idf-weighted content terms the sentence contains (rag.terms), with a little credit for
   terms elsewhere in its passage ("he said" after a sentence naming Lavrov).
2. Answer-type checks, which turn away sentences that match the topic but cannot be the answer:
   "how many / how much" needs a number; "when" a date; "who" a name the question does not contain;
   a question naming a year rules out sentences that name only other years; "what did <subject>
   <verb>" needs that verb (reporting verbs such as "say" excepted). The best `CANDIDATES` that pass
   go on.
3. Support: 0.3 * lexical support + 0.7 * cosine(question, sentence) with the same MiniLM embedder as
   retrieval, which carries paraphrases ("massed" / "concentrated") that terms miss.
4. Selection: up to `max_answer_sentences` within `NEAR_BEST` of the best, the best sentence of each
   article before second sentences of one article (multi-article questions cite several articles).
5. Refusal: when no candidate reaches `min_support`, or when the question names someone or something
   (a capitalised content word, stop words aside) that no indexed chunk mentions at all.
Deterministic, no generative model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.answering import Event, Reply
from rag.prompts import REFUSAL_TEXT
from rag.schema import Citation, Passage, Span
from rag.spans import passage_sentences
from rag.terms import STOPWORDS, YEAR, TermWeights, content_terms, tokens

Embed = Callable[[Sequence[str]], np.ndarray]

PASSAGE_CREDIT = 0.25  # weight of question terms found in the passage but not in the sentence
LEXICAL_WEIGHT = 0.3  # support = 0.3 * lexical + 0.7 * cosine
CANDIDATES = 8  # sentences (best lexical first, answer-type checks passed) that get embedded
NEAR_BEST = 0.8  # also keep sentences scoring at least this share of the best one

_HOW_MANY = re.compile(r"^\s*how (many|much)\b", re.I)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|billions?)\b",
    re.I,
)
_WHO = re.compile(r"^\s*who(?:m|se)?\b", re.I)
_WHEN = re.compile(r"^\s*when\b|\b(?:what|which) (?:year|date|day|month)\b|\b(?:release|premiere) date\b", re.I)
_DATE = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(?:today|yesterday|tomorrow|week|month|year|ago|spring|summer|autumn|fall|winter)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w'-]*")
# "What did Blinken and Lavrov agree on ...": the auxiliary, then the subject, then the verb.
_WH_AUX = re.compile(r"^\s*(?:what|which|who|whom)\b(?:\s+\w+)?\s+(?:did|does|do|will|would|has|have|had)\s+(.*)$", re.I)
_SUBJECT_GLUE = frozenset("the a an and of its his her their".split())
_REPORTING_VERBS = frozenset(
    "say says said tell told think thinks believe believes claim claims state states report reports mean means".split()
)


@dataclass(frozen=True)
class ScoredSentence(Span):
    """A candidate answer sentence: `quote == article(source)[start:end]`."""

    quote: str
    lexical: float  # coverage by the sentence alone, 0..1
    score: float  # ranking key: lexical plus passage credit, then the blended support


def score_sentences(question: str, passages: Sequence[Passage], weights: TermWeights) -> list[ScoredSentence]:
    """Every sentence of every passage, scored lexically against the question, best first."""
    terms = content_terms(question)
    scored = []
    for passage in passages:
        in_passage = weights.coverage(terms, set(tokens(passage.text)))
        for start, end in passage_sentences(passage):
            quote = passage.text[start - passage.start : end - passage.start]
            lexical = weights.coverage(terms, set(tokens(quote)))
            score = lexical + PASSAGE_CREDIT * (in_passage - lexical)
            scored.append(ScoredSentence(passage.source, start, end, quote, lexical, score))
    scored.sort(key=lambda s: (-s.score, s.source, s.start))
    return scored


def question_verb(question: str) -> str | None:
    """The stemmed main verb of a "what did <subject> <verb>" question, or None.

    >>> question_verb("What did Blinken and Lavrov agree on at the end?")
    'agre'
    >>> question_verb("What did the Pentagon say about Putin?") is None   # reporting verb
    True
    """
    match = _WH_AUX.match(question)
    if not match:
        return None
    for word in re.findall(r"[\w'-]+", match.group(1)):
        if word[0].isupper() or word.lower() in _SUBJECT_GLUE:
            continue  # still the subject ("the State Department", "Blinken and Lavrov")
        if word.lower() in _REPORTING_VERBS:
            return None
        return tokens(word)[0] if tokens(word) else None
    return None


def unknown_names(question: str, weights: TermWeights) -> list[str]:
    """Capitalised words of the question (not its first word) that no indexed chunk contains."""
    words = re.findall(r"\b[A-Z][\w-]*", question)[1:] if question[:1].isupper() else re.findall(r"\b[A-Z][\w-]*", question)
    words = [w for w in words if w.lower() not in STOPWORDS]  # "The Crown", "No 1": stop words are never indexed
    return [w for w in words if all(weights.df.get(t, 0) == 0 for t in tokens(w)) and tokens(w)]


def new_names(question: str, sentence: str) -> list[str]:
    """Capitalised words of the sentence that the question does not contain (stop words aside).

    >>> new_names("Who directed The Avengers?", "The Avengers were directed by Joss Whedon.")
    ['Joss', 'Whedon']
    """
    asked = set(tokens(question))
    return [w for w in _NAME.findall(sentence) if w.lower() not in STOPWORDS and not set(tokens(w)) <= asked]


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

    def __init__(self, weights: TermWeights, embed: Embed, min_support: float = 0.4, max_sentences: int = 3):
        self.weights = weights
        self.embed = embed
        self.min_support = min_support
        self.max_sentences = max_sentences

    def _fits(self, question: str, sentence: ScoredSentence, verb: str | None) -> bool:
        if _HOW_MANY.match(question) and not _NUMBER.search(sentence.quote):
            return False
        if _WHEN.search(question) and not _DATE.search(sentence.quote):
            return False
        years = set(YEAR.findall(question))
        if years and (mentioned := set(YEAR.findall(sentence.quote))) and not mentioned & years:
            return False  # "Who won Wimbledon in 2021?": a sentence about 2018 is not the answer
        if _WHO.match(question) and not new_names(question, sentence.quote):
            return False
        return verb is None or verb in tokens(sentence.quote)

    def select(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        """The answering sentences, best first; empty when nothing supports the question enough."""
        if unknown_names(question, self.weights):
            return []
        verb = question_verb(question)
        ranked = score_sentences(question, passages, self.weights)
        candidates = [s for s in ranked if self._fits(question, s, verb)][:CANDIDATES]
        if not candidates:
            return []
        vectors = self.embed([question] + [s.quote for s in candidates])
        cosines = vectors[1:] @ vectors[0]
        blended = [
            replace(s, score=LEXICAL_WEIGHT * s.lexical + (1 - LEXICAL_WEIGHT) * float(c))
            for s, c in zip(candidates, cosines)
        ]
        blended.sort(key=lambda s: (-s.score, s.source, s.start))
        if blended[0].score < self.min_support:
            return []
        floor = max(self.min_support, NEAR_BEST * blended[0].score)
        eligible = diverse_first([s for s in blended if s.score >= floor])
        chosen: list[ScoredSentence] = []
        for s in eligible:
            if len(chosen) == self.max_sentences:
                break
            if all((s.source, s.quote) != (c.source, c.quote) for c in chosen):
                chosen.append(s)
        return chosen

    def reply(self, question: str, passages: Sequence[Passage]) -> Reply:
        chosen = self.select(question, passages)
        if not chosen:
            return Reply(REFUSAL_TEXT, [], True, self.mode)
        text, citations = cited_text(chosen)
        return Reply(text, citations, False, self.mode)

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]:
        """The answer to `standalone` (the condensed question) when given, else to `question`,
        in one delta."""
        reply = self.reply(standalone or question, passages)
        yield reply.text
        yield reply

    def continue_after(self, cited: Sequence[Citation], question: str, passages: Sequence[Passage]) -> tuple[str, list[Citation]]:
        """Sentences answering `question`, numbered on from `cited` (see rag.answering.WithFallback)."""
        return cited_text(self.select(question, passages), cited)
