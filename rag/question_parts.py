"""How a question is split into the parts it is answered by. Two questions in one ("Whom did
Blinken meet, and what did he promise?") are asked one by one, and either may answer
(`sub_questions`); two events compared in time ("How many days passed between A and B?") are asked
as when each happened, and both must be answered (`dated_events`: the articles give dates, not the
difference). A part referring back by a pronoun borrows the first part's name. `per_name` asks a
question about two names joined by "and" of each name in turn. Patterns, not a parser.

>>> question_parts("Whom did Blinken meet in Kiev, and what did he promise?")
(['Whom did Blinken meet in Kiev?', 'What did he promise (Blinken)?'], False)
"""

from __future__ import annotations

import re

from rag.answer_types import has_type, names_asked

_TWO_PARTS = re.compile(
    r"^(?P<first>.*?\w)\W*\s+and\s+(?P<second>(?:what|who|whom|where|when|how|which|why)\b.*)$", re.I)
_PRONOUN = re.compile(r"\b(?:he|she|they|it|his|her|its|their|him|them)\b", re.I)
_POSSESSIVE = re.compile(r"['’]s$")


def sub_questions(question: str) -> list[str]:
    """The parts of a two-part question ("Whom did Blinken meet in Kiev, and what did he promise?"),
    each answerable on its own; the second part borrows the first part's first name (its subject, as
    a rule) when it refers to it by a pronoun. A one-part question is returned as it is.

    >>> sub_questions("Whom did Blinken meet in Kiev, and what did he promise in Geneva?")
    ['Whom did Blinken meet in Kiev?', 'What did he promise in Geneva (Blinken)?']
    >>> sub_questions("Did Washington and London send weapons?")
    ['Did Washington and London send weapons?']
    """
    match = _TWO_PARTS.match(question.strip())
    if not match:
        return [question]
    first = match.group("first") + "?"
    second = match.group("second")
    second = second[0].upper() + second[1:]
    return [first, _with_referent(second, first, second)]


def _with_referent(question: str, first: str, referring: str) -> str:
    """`question` with the first name of `first` added in brackets when `referring` (its words that
    may refer back) holds a pronoun and `question` lacks that name: "What did he promise (Blinken)?".
    The name without a possessive ("Blinken's stop" lends "Blinken"). Shared by sub_questions and
    dated_events.

    >>> _with_referent("When was his meeting?", "When was Blinken's stop?", "his meeting")
    'When was his meeting (Blinken)?'
    """
    borrowed = [n for n in (_POSSESSIVE.sub("", n) for n in names_asked(first)) if n not in question][:1]
    if borrowed and _PRONOUN.search(referring):
        return question.rstrip(" ?") + f" ({borrowed[0]})?"
    return question


# Two events compared in time: "How many days passed between A and B?", "How many days separated A
# from B?", "How many days before B was A?", "Did A before or after B?".
# Limits of a pattern without a parser: A ends at the first "and" ("between the talks between Russia and
# Ukraine and the vote" splits wrongly), B at the first was/were/had; a garbled part mostly finds no
# sentence, so such a question is refused rather than answered from the wrong event.
_UNIT = r"(?:days?|hours?|weeks?|months?|years?)"
_BETWEEN = re.compile(
    rf"^how (?:many {_UNIT}|much time|long)\s+(?:(?:had|have|has)\s+)?(?:(?:passed|elapsed|went by|was it|were there|lay)\s+)?"
    rf"between (?P<a>.+?) and (?P<b>.+?)\W*$", re.I)
_SEPARATED = re.compile(rf"^how (?:many {_UNIT}|much time|long) separated (?P<a>.+?) (?:from|and) (?P<b>.+?)\W*$", re.I)
# "did" splits at its last occurrence ("after the vote was held did the minister resign"), was/were/had at the first
_OFFSET_DID = re.compile(rf"^how (?:many {_UNIT}|long) (?:before|after) (?P<b>.+) (?P<verb>did) (?P<a>.+?)\W*$", re.I)
_OFFSET = re.compile(rf"^how (?:many {_UNIT}|long) (?:before|after) (?P<b>.+?) (?P<verb>was|were|had) (?P<a>.+?)\W*$", re.I)
_PLACEHOLDERS = frozenset({"it", "this", "that"})
_ORDER = re.compile(r"^(?P<verb>did|was|were|had|is|are|does|do) (?P<a>.+?) (?:before or after|after or before) (?P<b>.+?)\W*$", re.I)
# an event written as a clause ("Blinken arrived in Kyiv"), not a noun phrase ("his meeting with Lavrov"):
# it holds a past tense (no tagger is obtainable offline: -ed, or a common irregular one)
_CLAUSE = re.compile(r"\s\w+ed\b|\b(?:met|lost|won|left|went|came|began|took|made|said|told|gave|held|sent|spoke"
                     r"|saw|fell|rose|broke|struck|ran|got|paid|sold|bought|wrote|hit|put|set|shut|cut)\b", re.I)


def dated_events(question: str) -> list[str]:
    """For a question comparing two events in time, when each happened: both must be answered (the
    articles give dates, not the difference), so an answer needs a sentence for each. [] otherwise.
    A pronoun in the second borrows the first's name (`_with_referent`), as in `sub_questions`.

    >>> dated_events("How many days passed between Blinken's stop in Kyiv and his meeting with Lavrov?")
    ["When was Blinken's stop in Kyiv?", 'When was his meeting with Lavrov (Blinken)?']
    >>> dated_events("How many days before the Geneva meeting was Joly in Kyiv?")
    ['When was Joly in Kyiv?', 'When was the Geneva meeting?']
    >>> dated_events("Did Lavrov reject the accusations before or after Blinken arrived in Kyiv?")
    ['When did Lavrov reject the accusations?', 'When was it that Blinken arrived in Kyiv?']
    >>> dated_events("How many days will the drills last?")
    []
    """
    question = question.strip()
    match = _BETWEEN.match(question) or _SEPARATED.match(question)
    if match:
        first = _when(match["a"])
    elif match := _OFFSET_DID.match(question) or _OFFSET.match(question) or _ORDER.match(question):
        if match["a"].lower() in _PLACEHOLDERS or _is_time(match["b"]):
            return []  # "Was it before or after ... that", "before or after noon": one event and a time
        first = f"When {match['verb'].lower()} {match['a']}?"
    else:
        return []
    return [first, _with_referent(_when(match["b"]), first, match["b"])]


def question_parts(question: str) -> tuple[list[str], bool]:
    """The parts a question is answered by, and whether it needs every one (two events compared in
    time: `dated_events`) or any one (`sub_questions`; a one-part question is its own part).

    >>> question_parts("How many days passed between the vote and the summit?")
    (['When was the vote?', 'When was the summit?'], True)
    >>> question_parts("Where will Blinken meet Lavrov?")
    (['Where will Blinken meet Lavrov?'], False)
    """
    events = dated_events(question)
    return (events, True) if events else (sub_questions(question), False)


def _is_time(text: str) -> bool:
    """A time rather than an event: "2014", "January 21", "noon", "Christmas" (one word)."""
    return has_type("date", text) or has_type("clock", text) or len(text.split()) == 1


def _when(event: str) -> str:
    return f"When was it that {event}?" if _CLAUSE.search(event) else f"When was {event}?"


_NAME_PHRASE = r"(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*"
_TWO_NAMES = re.compile(rf"(?<![\w'’-])({_NAME_PHRASE})\s+and\s+({_NAME_PHRASE})(?![\w'’-])")


def per_name(question: str) -> list[str]:
    """A question about two names joined by "and", asked of each name in turn (each may be answered
    by another article); any other question as it is. The answerer decides whether to answer on the
    whole question, and then cites each name's best sentence too: asking twice and answering when
    either part scores would answer more of the questions the articles do not answer.

    >>> per_name("What support are the United States and Britain giving Ukraine?")
    ['What support are the United States giving Ukraine?', 'What support are Britain giving Ukraine?']
    >>> per_name("Where will Blinken meet Lavrov?")
    ['Where will Blinken meet Lavrov?']
    """
    match = _TWO_NAMES.search(question)
    if not match or match.start() == 0:
        return [question]
    return [question[: match.start()] + name + question[match.end():] for name in match.groups()]
