"""Does this sentence answer this question? Signals of a candidate sentence, and the fitted model
that turns them into a calibrated probability.

Sharing words with a question is not answering it ("What is the capital of Germany?" vs "In the
German capital, ..."). What decides an answer (rule-based: no NER model is obtainable offline):

- the asked answer type (`answer_type`): who -> a person's name the question does not contain;
  when / what year / what date -> a date; what time -> a clock time; how long -> a duration;
  how many / how much / what number, share, cost... -> a number; where / which city, country -> a
  place name. A sentence without a thing of that type cannot be the answer.
- the question's focus: its named entities (capitalised words, first word aside) in the sentence and
  in its passage; the noun it asks about ("how many *delegates*", "what *time*", "the *capital* of");
  the main verb of "what did X *agree* on"; the rarest question term the sentence and passage lack.
- something new: content the question does not already contain (a sentence repeating the question
  answers nothing).
- retrieval evidence: the passage's rank, and the sentence's cosine similarity to the question.
- the year: a question naming a year is not answered by a sentence about other years ("2021 Super
  Bowl" vs 2022's).

`Signals.vector()` orders these for `AnswerabilityModel`, a logistic regression fitted by
evals/fit_answerability.py on the *train* split only (QA set over the seeds, near-miss questions,
the HTML set, RGB's even half) and shipped as rag/answerability.json: its coefficients are readable
there, next to the threshold picked from the train precision/recall curve.

>>> answer_type("How many troops did Russia mass?"), answer_type("What time did the talks start?")
('number', 'clock')
>>> has_type("clock", "The talks started at 10:30 a.m. in Geneva."), has_type("clock", "They lasted two hours.")
(True, False)
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import astuple, dataclass, fields
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.terms import STOPWORDS, YEAR, TermWeights, content_terms, tokens

MODEL_FILE = Path(__file__).with_name("answerability.json")

# --- answer types ---------------------------------------------------------------------------------

_NUM_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|several|a few"
_UNITS = r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|nights?"
_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("clock", re.compile(r"\b(?:what|which|at what) time\b|\bwhat hour\b|\bstart(?:ed)? at what\b", re.I)),
    ("duration", re.compile(rf"^\s*how long\b|\bfor how (?:many|much) (?:{_UNITS}|time)\b|\bhow much time\b", re.I)),
    ("date", re.compile(r"^\s*when\b|\b(?:what|which|on what|in what) (?:year|date|day|month)\b|\bwhat day\b", re.I)),
    ("number", re.compile(
        r"^\s*how (?:many|much)\b|\bwhat (?:is |was |were |are )?(?:the )?(?:number|percentage|share|amount|figure|size"
        r"|price|cost|budget|population|rate|total|death toll|toll|score|age)\b|\bhow old\b", re.I)),
    ("person", re.compile(
        r"^\s*who(?:m|se)?\b|\b(?:which|what) (?:person|president|minister|leader|official|spokesman|spokeswoman"
        r"|spokesperson|player|actor|actress|singer|director|ceo|chancellor|secretary|diplomat|journalist|author)\b"
        r"|\bname of the (?:person|man|woman|president|minister|leader)\b", re.I)),
    ("place", re.compile(
        r"^\s*where\b|\b(?:in |at )?(?:which|what) (?:city|country|town|place|venue|stadium|capital|region|state)\b", re.I)),
]
_DETECT: dict[str, re.Pattern[str]] = {
    "clock": re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|h\b|GMT|UTC|CET|local time|o'clock)"
                        r"|\b\d{1,2}[:h]\d{2}\b|\bnoon\b|\bmidnight\b", re.I),
    "duration": re.compile(rf"\b(?:\d[\d.,]*|{_NUM_WORDS}|a|an)\s+(?:\w+\s+)?(?:{_UNITS})\b|\bfor (?:{_UNITS})\b", re.I),
    "date": re.compile(
        r"\b(?:1[89]|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\b\d{1,2}\s+"
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
        r"|\b(?:today|yesterday|tomorrow|last (?:week|month|year)|next (?:week|month|year))\b"
        r"|\b(?:january|february|march|april|june|july|august|september|october|november|december)\b", re.I),
    "number": re.compile(rf"\d|\b(?:{_NUM_WORDS})\b", re.I),
}
_NAME = re.compile(r"\b[A-Z][\w'’-]*")


def answer_type(question: str) -> str:
    """The type of thing the question asks for: clock, duration, date, number, person, place or other."""
    for name, rule in _TYPE_RULES:
        if rule.search(question):
            return name
    return "other"


def new_names(question: str, sentence: str) -> list[str]:
    """Capitalised words of the sentence (not its first word) that the question does not contain.

    >>> new_names("Who directed The Avengers?", "The Avengers were directed by Joss Whedon.")
    ['Joss', 'Whedon']
    """
    asked = set(tokens(question))
    return [w for w in _NAME.findall(sentence) if w.lower() not in STOPWORDS and not set(tokens(w)) <= asked]


def has_type(kind: str, sentence: str, question: str = "") -> bool:
    """Does the sentence hold something of answer type `kind`? (Always true for "other".)"""
    if kind in ("person", "place"):
        return bool(new_names(question, sentence))
    if kind == "number":  # a number the question does not already give
        asked = set(re.findall(r"\d[\d.,]*", question))
        return any(n not in asked for n in re.findall(r"\d[\d.,]*", sentence)) or bool(
            re.search(rf"\b(?:{_NUM_WORDS})\b", sentence, re.I))
    rule = _DETECT.get(kind)
    return True if rule is None else bool(rule.search(sentence))


# --- the question's focus -------------------------------------------------------------------------

_FOCUS_AFTER = re.compile(
    r"\b(?:how many|how much|what|which|what kind of|what type of)\s+(?:\w+\s+)??([a-z][\w-]+)", re.I)
_WH_AUX = re.compile(r"^\s*(?:what|which|who|whom)\b(?:\s+\w+)?\s+(?:did|does|do|will|would|has|have|had)\s+(.*)$", re.I)
_SUBJECT_GLUE = frozenset("the a an and of its his her their".split())
_REPORTING_VERBS = frozenset(
    "say says said tell told think thinks believe believes claim claims state states report reports mean means".split())


def names_asked(question: str) -> list[str]:
    """The question's capitalised words, its first word and stop words aside ("The Crown": stop words
    are never indexed): the names it asks about."""
    words = _NAME.findall(question)
    if words and question.lstrip().startswith(words[0]):
        words = words[1:]
    return [w for w in words if w.lower() not in STOPWORDS]


def entities(question: str) -> list[str]:
    """Stemmed tokens of the names the question asks about, in order, without repeats."""
    stems: dict[str, None] = {}
    for w in names_asked(question):
        for t in tokens(w):
            stems.setdefault(t, None)
    return list(stems)


def focus_noun(question: str) -> str | None:
    """The stemmed noun the question asks about: "How many *delegates* ...", "What *time* ...",
    "What is the *capital* of ...". None when there is none to find.

    >>> focus_noun("How many delegates attended the talks?"), focus_noun("What is the capital of Germany?")
    ('deleg', 'capit')
    """
    match = (re.search(r"\b(?:what|who) (?:is|was|are|were) (?:the |a |an )?([a-z][\w-]+)", question, re.I)
             or re.search(r"\b(?i:how|what|when|where|why) (?:did|does|do|has|have|will|would) (?:the |a |an )?"
                          r"(?:[A-Z][\w-]*\s+)*([a-z][\w-]+)\s+\w+", question)
             or _FOCUS_AFTER.search(question))
    if not match:
        return None
    word = match.group(1).lower()
    if word in STOPWORDS or word in {"did", "does", "do", "is", "was", "are", "were", "will", "has", "have", "had"}:
        return None
    found = tokens(word)
    return found[0] if found else None


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
        found = tokens(word)
        return found[0] if found else None
    return None


def unknown_names(question: str, weights: TermWeights) -> list[str]:
    """The names the question asks about (`names_asked`) that no indexed chunk contains."""
    return [w for w in names_asked(question) if tokens(w) and all(weights.df.get(t, 0) == 0 for t in tokens(w))]


# --- signals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """What is worked out once per question."""

    text: str
    terms: list[str]
    kind: str
    entities: list[str]
    focus: str | None
    verb: str | None
    unknown: bool  # names something no indexed chunk mentions

    @classmethod
    def of(cls, text: str, weights: TermWeights) -> Question:
        return cls(text, content_terms(text), answer_type(text), entities(text), focus_noun(text),
                   question_verb(text), bool(unknown_names(text, weights)))


@dataclass(frozen=True)
class Signals:
    """What decides whether a candidate sentence answers the question (all roughly in 0..1)."""

    lexical: float  # idf-weighted share of the question's content terms in the sentence
    lexical_passage: float  # ... in the sentence's passage
    cosine: float  # MiniLM cosine similarity, question vs sentence
    type_expected: float  # 1 when the question asks for a specific type of answer
    type_present: float  # 1 when it does and the sentence holds that type
    entities_sentence: float  # share of the question's named entities in the sentence (1 if none)
    entities_passage: float  # ... in the passage
    focus_present: float  # the focus noun is in the sentence (1 if no focus noun)
    focus_passage: float  # ... in the passage
    verb_present: float  # the "what did X <verb>" verb is in the sentence (1 if no such verb)
    rarest_missing: float  # idf of the rarest question term in neither sentence nor passage, / max idf
    known_missing: float  # ... among terms the index does contain (the passage is about something else)
    new_content: float  # content terms the question lacks, min(1, n / 5)
    unknown_name: float  # the question names something absent from the whole index
    passage_rank: float  # 1 / (1 + rank of the passage in retrieval)
    year_conflict: float  # the question names a year; the sentence names years, none of them that one

    def vector(self) -> np.ndarray:
        return np.array(astuple(self), dtype=float)

    @staticmethod
    def names() -> list[str]:
        return [f.name for f in fields(Signals)]


_MARKUP = re.compile(r"!?\[[^\]]*\]\([^)]*\)|<[^>]+>|https?://\S+")


def markup_share(sentence: str) -> float:
    """How much of the sentence is markdown/HTML link or image syntax or a bare URL (0..1).

    >>> round(markup_share("![x](http://evil.example/x.png) Geneva."), 2)
    0.79
    """
    return sum(len(m.group()) for m in _MARKUP.finditer(sentence)) / max(len(sentence), 1)


def signals(question: Question, sentence: str, passage_text: str, rank: int, cosine: float,
            weights: TermWeights) -> Signals:
    sentence_tokens = set(tokens(sentence))
    passage_tokens = set(tokens(passage_text))
    asked_years, said_years = set(YEAR.findall(question.text)), set(YEAR.findall(sentence))
    typed = question.kind != "other"
    missing = [t for t in question.terms if t not in sentence_tokens and t not in passage_tokens]
    top_idf = math.log(1 + (weights.n + 0.5) / 0.5)
    new_terms = [t for t in content_terms(sentence) if t not in set(question.terms)]
    return Signals(
        lexical=weights.coverage(question.terms, sentence_tokens),
        lexical_passage=weights.coverage(question.terms, passage_tokens),
        cosine=float(cosine),
        type_expected=float(typed),
        type_present=float(typed and has_type(question.kind, sentence, question.text)),
        entities_sentence=_share(question.entities, sentence_tokens),
        entities_passage=_share(question.entities, passage_tokens),
        focus_present=float(question.focus is None or question.focus in sentence_tokens),
        focus_passage=float(question.focus is None or question.focus in passage_tokens),
        verb_present=float(question.verb is None or question.verb in sentence_tokens),
        rarest_missing=max((weights.idf(t) for t in missing), default=0.0) / top_idf,
        known_missing=max((weights.idf(t) for t in missing if weights.df.get(t, 0) > 0), default=0.0) / top_idf,
        new_content=min(1.0, len(new_terms) / 5),
        unknown_name=float(question.unknown),
        passage_rank=1.0 / (1 + rank),
        year_conflict=float(bool(asked_years) and bool(said_years) and not asked_years & said_years),
    )


def _share(wanted: list[str], present: set[str]) -> float:
    return 1.0 if not wanted else sum(t in present for t in wanted) / len(wanted)


# --- the fitted model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerabilityModel:
    """Logistic regression over standardised `Signals`: p(sentence answers the question)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # least probability of the best sentence for an answer (else: refuse)

    def probability(self, batch: np.ndarray) -> np.ndarray:
        z = ((np.atleast_2d(batch) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_dict(cls, raw: dict) -> AnswerabilityModel:
        names = tuple(raw["names"])
        if list(names) != Signals.names():
            raise ValueError("the answerability model was fitted on other signals: refit it "
                             "(python -m evals.fit_answerability)")
        return cls(names, np.array(raw["mean"]), np.array(raw["scale"]), np.array(raw["coef"]),
                   float(raw["intercept"]), float(raw["threshold"]))


@lru_cache(maxsize=1)
def shipped_model() -> AnswerabilityModel:
    """The model shipped with the package (rag/answerability.json)."""
    return AnswerabilityModel.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
