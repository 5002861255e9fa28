"""Does this sentence answer this question? Signals of a candidate sentence, and the fitted model
that turns them into a calibrated probability.

Sharing words with a question is not answering it ("What is the capital of Germany?" vs "In the
German capital, ..."). What decides an answer (rule-based: no NER model is obtainable offline):

- the asked answer type (rag/answer_types.py): a sentence without a thing of that type cannot be
  the answer.
- the question's focus: its named entities (capitalised words, first word aside) in the sentence and
  in its passage; the noun it asks about ("how many *delegates*", "what *time*", "the *capital* of");
  the main verb of "what did X *agree* on"; the rarest question term the sentence and passage lack.
- something new: content the question does not already contain (a sentence repeating the question
  answers nothing).
- retrieval evidence: the passage's rank, and the sentence's cosine similarity to the question.
- the year: a question naming a year is not answered by a sentence about other years ("2021 Super
  Bowl" vs 2022's).

A question of several parts is scored part by part (rag/question_parts.py says which parts).
`Signals.vector()` orders these for `AnswerabilityModel`, a logistic regression fitted by
evals/fit_answerability.py on the *train* split only (QA set over the seeds, near-miss questions,
the HTML set, RGB's even half) and shipped as rag/answerability.json: its coefficients are readable
there, next to the threshold picked from the train precision/recall curve.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import astuple, dataclass, fields
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.answer_types import answer_type, entities, has_type, identifies, identity_target, names_asked
from rag.strangers import unknown_names
from rag.terms import STOPWORDS, YEAR, TermWeights, content_terms, fold_demonyms, tokens

MODEL_FILE = Path(__file__).with_name("answerability.json")

# --- the question's focus -------------------------------------------------------------------------

_FOCUS_AFTER = re.compile(
    r"\b(?:how many|how much|what|which|what kind of|what type of)\s+(?:\w+\s+)??([a-z][\w-]+)", re.I)
_WH_AUX = re.compile(r"^\s*(?:what|which|who|whom)\b(?:\s+\w+)?\s+(?:did|does|do|will|would|has|have|had)\s+(.*)$", re.I)
_WHO_VERB = re.compile(
    r"^\s*(?i:who)\s+(?!(?:is|was|are|were|has|have|had|did|does|do|will|would|can|could|should|may|might)\b)([a-z]+)\b")
# Words of a "what did <subject> <verb>" subject besides names: "Canada's foreign minister".
_SUBJECT_GLUE = frozenset(
    """the a an and of its his her their foreign prime deputy chief senior top former defense defence interior
    finance security general secretary minister ministers president spokesman spokeswoman spokesperson official
    officials leader leaders government counterpart ambassador envoy chancellor head army military national
    white house state department""".split())
_REPORTING_VERBS = frozenset(
    """say says said tell told think thinks believe believes claim claims state states report reports mean means
    call calls called describe describes described""".split())


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


def _subject_and_verb(question: str) -> tuple[list[str], str | None]:
    """The words of the subject and the verb of a "what did <subject> <verb>" question (None: a
    reporting verb, or no such question)."""
    match = _WH_AUX.match(question)
    if not match:
        return [], None
    subject: list[str] = []
    for word in re.findall(r"[\w'’-]+", match.group(1)):
        if word[0].isupper() or word.lower() in _SUBJECT_GLUE or word.lower().endswith(("'s", "’s")):
            subject.append(word)  # still the subject ("the State Department", "Canada's foreign minister")
            continue
        return subject, None if word.lower() in _REPORTING_VERBS else word
    return [], None


def question_verb(question: str) -> str | None:
    """The stemmed main verb of a "what did <subject> <verb>" or "who <verb>s" question, or None.

    >>> question_verb("What did Blinken and Lavrov agree on at the end?")
    'agre'
    >>> question_verb("What did the Pentagon say about Putin?") is None   # reporting verb
    True
    >>> question_verb("Who owns the Nord Stream 2 pipeline?")
    'own'
    """
    verb = _subject_and_verb(question)[1]
    if verb is None:  # "Who owns the pipeline?": the verb right after "who"
        match = _WHO_VERB.match(question)
        verb = match.group(1) if match and match.group(1).lower() not in _REPORTING_VERBS else None
    found = tokens(verb) if verb else []
    return found[0] if found else None


def subject_names(question: str) -> list[str]:
    """Stemmed names of the subject of a "what did <subject> <verb>" question: who said or did it.

    >>> subject_names("What did Canada's foreign minister call Russia?")
    ['canada']
    """
    words = [w for w in _subject_and_verb(question)[0] if w[0].isupper() and w.lower() not in STOPWORDS]
    return list(dict.fromkeys(t for w in words for t in tokens(re.sub(r"['’]s$", "", w))))


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
    target: str | None  # what a "what/who is X" question asks to identify (identity_target)
    subject: list[str]  # the names of who said or did what the question asks about (subject_names)

    @classmethod
    def of(cls, text: str, weights: TermWeights) -> Question:
        focus = focus_noun(text)
        return cls(text, fold_demonyms(content_terms(text)), answer_type(text), fold_demonyms(entities(text)),
                   fold_demonyms([focus])[0] if focus else None, question_verb(text),
                   bool(unknown_names(names_asked(text), weights)), identity_target(text), fold_demonyms(subject_names(text)))


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
    identifies: float  # a "what/who is X" question: the sentence defines X or names it (1 if not such a question)
    subject_present: float  # share of the names of who said/did it ("What did Canada's minister call ...") in the sentence

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
    # Nationality adjectives count as their country: "Canada's minister" / "his Canadian counterpart".
    sentence_tokens = set(fold_demonyms(tokens(sentence)))
    passage_tokens = set(fold_demonyms(tokens(passage_text)))
    asked_years, said_years = set(YEAR.findall(question.text)), set(YEAR.findall(sentence))
    typed = question.kind != "other"
    missing = [t for t in question.terms if t not in sentence_tokens and t not in passage_tokens]
    top_idf = math.log(1 + (weights.n + 0.5) / 0.5)
    new_terms = [t for t in fold_demonyms(content_terms(sentence)) if t not in set(question.terms)]
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
        identifies=float(question.target is None or identifies(question.target, sentence, question.text)),
        subject_present=_share(question.subject, sentence_tokens),
    )


def _share(wanted: list[str], present: set[str]) -> float:
    return 1.0 if not wanted else sum(t in present for t in wanted) / len(wanted)


# --- the fitted model -----------------------------------------------------------------------------


def allowed(batch: np.ndarray) -> np.ndarray:
    """1.0 for each row of `Signals.vector()`s that may answer, 0.0 for one that cannot whatever the
    model says: the question asks for a type of thing (a number, a date, a name...) the sentence does
    not hold, or asks what X is and the sentence only mentions X. Rules, not weights: when they were
    written the train split held too few such questions for a fitted weight to learn them (it came out
    near 0), and on it they ruled out 2 of 202 answering sentences and changed no question's outcome."""
    names = Signals.names()
    batch = np.atleast_2d(batch)
    typed, present = batch[:, names.index("type_expected")], batch[:, names.index("type_present")]
    return np.where(((typed == 1) & (present == 0)) | (batch[:, names.index("identifies")] == 0), 0.0, 1.0)



@dataclass(frozen=True)
class AnswerabilityModel:
    """Logistic regression over standardised `Signals`: p(sentence answers the question)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # least probability of the best sentence for an answer (else: refuse)
    confident: float = 1.0  # from here on few unanswerable questions score (see evals/fit_answerability.py)

    def probability(self, batch: np.ndarray) -> np.ndarray:
        """p(answers) of each row of `Signals.vector()`s; 0 for a sentence the rules rule out."""
        batch = np.atleast_2d(batch)
        z = ((batch - self.mean) / self.scale) @ self.coef + self.intercept
        return allowed(batch) / (1.0 + np.exp(-z))

    @classmethod
    def from_dict(cls, raw: dict) -> AnswerabilityModel:
        names = tuple(raw["names"])
        if list(names) != Signals.names():
            raise ValueError("the answerability model was fitted on other signals: refit it "
                             "(python -m evals.fit_answerability)")
        return cls(names, np.array(raw["mean"]), np.array(raw["scale"]), np.array(raw["coef"]),
                   float(raw["intercept"]), float(raw["threshold"]), float(raw["confident"]))


@lru_cache(maxsize=1)
def shipped_model() -> AnswerabilityModel:
    """The model shipped with the package (rag/answerability.json)."""
    return AnswerabilityModel.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
