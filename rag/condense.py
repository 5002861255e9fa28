"""Follow-up questions: condense a question and the conversation before it into a standalone question,
which is what retrieval searches for ("And what did Lavrov say?" after a question on the Geneva
meeting must still find the Geneva passages).

Two ways:
- with a model (llm mode): the model rewrites the question (prompt in rag.prompts). Its rewrite is
  used only if it is one sensible line that keeps at least half of the question's own content-term
  weight; otherwise, and whenever the endpoint fails, the heuristic below is used;
- without a model (extractive mode), a heuristic: a question that is short (fewer than
  `SHORT_TERMS` content terms) or refers back (he/she/it/they/that/there..., or starts with
  "And", "What about", ...) gets the content words of the previous user question(s) that it lacks
  appended in parentheses.

>>> heuristic("And what did Lavrov say?", [("user", "Where did Blinken and Lavrov meet in Geneva?"),
...                                        ("assistant", "In Geneva. [1]")])
'And what did Lavrov say? (Blinken meet Geneva)'
>>> heuristic("Who is Ukraine's foreign minister?", [("user", "Where did Blinken meet Lavrov?")])
"Who is Ukraine's foreign minister?"
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.llm import LLMClient, LLMError
from rag.prompts import condense_messages
from rag.terms import WORD, TermWeights, content_terms, tokens

log = logging.getLogger(__name__)

SHORT_TERMS = 3  # a question with fewer content terms than this is too thin to retrieve on its own
MAX_ADDED = 8  # at most this many words are borrowed from the history
MAX_TURNS = 3  # look back at most this many user turns
MIN_KEPT = 0.5  # a model rewrite must keep this share of the question's content-term weight

_REFERS_BACK = re.compile(
    r"^\s*(?:and|also|but|so|then|what about|how about|what else)\b"
    r"|\b(?:he|she|it|its|they|them|their|him|his|her|hers|that|this|those|these|there|then|the same)\b",
    re.IGNORECASE,
)

_PREFIX = re.compile(r"^\s*(?:rewritten|standalone|reformulated)?\s*(?:question)?\s*:\s*", re.IGNORECASE)

History = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Condensed:
    """The question to retrieve with, and how it was obtained."""

    question: str
    method: str  # "none" (no history / no need), "heuristic", "llm"
    error: str = ""  # the endpoint's failure when the model was asked and failed


def refers_back(question: str) -> bool:
    """Does the question need the conversation to be understood?

    >>> refers_back("And what did Lavrov say?"), refers_back("How much is that in euros?")
    (True, True)
    >>> refers_back("Where will Blinken meet Lavrov on Friday?")
    False
    """
    return bool(_REFERS_BACK.search(question)) or len(content_terms(question)) < SHORT_TERMS


def _user_turns(history: History) -> list[str]:
    return [text for role, text in history if role == "user" and isinstance(text, str) and text.strip()]


def heuristic(question: str, history: History, max_added: int = MAX_ADDED) -> str:
    """The question plus the content words of earlier user questions it lacks (see module docstring)."""
    turns = _user_turns(history)
    if not turns or not refers_back(question):
        return question
    have = set(content_terms(question))
    added: list[str] = []
    for turn in reversed(turns[-MAX_TURNS:]):
        for word in WORD.findall(turn):
            terms = content_terms(word)
            if terms and terms[0] not in have:
                have.add(terms[0])
                added.append(word)
        if not refers_back(turn):
            break  # this turn stood on its own: older ones are a different topic
    added = added[:max_added]
    return f"{question} ({' '.join(added)})" if added else question


def clean_rewrite(text: str) -> str:
    """The first non-empty line of a model's rewrite, without a label or quotes."""
    for line in (text or "").splitlines():
        line = _PREFIX.sub("", line.strip()).strip().strip('"“”\'`*').strip()
        if line:
            return line
    return ""


def acceptable(rewrite: str, question: str, weights: TermWeights | None, max_chars: int = 1000) -> bool:
    """Is a model's rewrite usable: one line of sensible length that keeps the question's content?"""
    if not rewrite or len(rewrite) > min(max_chars, 3 * len(question) + 200):
        return False
    terms = content_terms(question)
    if not terms:
        return True
    weights = weights or TermWeights({}, 1)
    return weights.coverage(terms, set(tokens(rewrite))) >= MIN_KEPT


def condense(
    question: str,
    history: History,
    client: LLMClient | None = None,
    weights: TermWeights | None = None,
    max_chars: int = 1000,
) -> Condensed:
    """The standalone question for retrieval (see the module docstring)."""
    if not _user_turns(history):
        return Condensed(question, "none")
    error = ""
    if client is not None:
        try:
            reply = client.complete(condense_messages(history, question), max_tokens=96)
            rewrite = clean_rewrite(reply)
            if acceptable(rewrite, question, weights, max_chars):
                return Condensed(rewrite, "llm")
            log.info("model rewrite %r of %r rejected; using the heuristic", rewrite, question)
        except LLMError as failure:
            error = str(failure)
            log.warning("condensing with the model failed (%s); using the heuristic", error)
    standalone = heuristic(question, history)
    return Condensed(standalone, "heuristic" if standalone != question else "none", error)
