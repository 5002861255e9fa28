"""Does this sentence answer this question? Signals of a candidate sentence, and the fitted model
that turns them into a calibrated probability.

Sharing words with a question is not answering it ("What is the capital of Germany?" vs "In the
German capital, ..."). What decides an answer (rule-based: no NER model is obtainable offline):

- the asked answer type (`answer_type`): who -> a name the question does not contain that may be a
  person's (not after "in"/"at"/"the", not a nationality, month or weekday); when / what year / what
  date -> a date; what time -> a clock time; how long -> a duration; how many / how much / what
  number, share, index, value... -> a number that is not a year; how much does X cost, charge,
  pay... -> an amount of money; where / which city, country -> a place name; what is the name of /
  what is X called -> a new name; what office / post / role -> a title beside the question's name.
  A sentence without a thing of that type cannot be the answer.
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

from rag.strangers import unknown_names
from rag.terms import (STOPWORDS, YEAR, TermWeights, content_terms, fold_demonyms, is_nationality,
                       tokens)

MODEL_FILE = Path(__file__).with_name("answerability.json")

# --- answer types ---------------------------------------------------------------------------------

_NUM_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen"
              r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?"
              r"|several|a few")
_NUMBER_WORD = re.compile(rf"\b(?:{_NUM_WORDS})\b", re.I)
_DIGITS = re.compile(r"\d[\d.,]*")  # "100,000", "2.5", "1900."
_UNITS = r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|nights?"
# Nouns whose value is a quantity: "what is the *population* of", "the air quality *index*".
_MEASURES = (r"number|percentage|percent|share|amount|figure|size|price|cost|budget|population|rate|total|death toll"
             r"|toll|score|age|index|level|value|salary|revenue|profit|loss|sales|capacity|length|height|weight"
             r"|distance|speed|temperature|fee|fine|sum")
_PEOPLE = (r"person|president|minister|leader|official|officials|spokesman|spokeswoman|spokesperson|player|actor"
           r"|actress|singer|director|ceo|chancellor|secretary|diplomat|journalist|author|executive|engineer"
           r"|researcher|scientist|analyst|expert|founder|owner|manager|chairman|editor|reporter|coach|winemaker"
           r"|ambassador|envoy|general|commander|politician|lawmaker|senator|judge")
_MONEY_VERBS = r"cost|costs|charge|charges|charged|pay|pays|paid|spend|spent|worth|earn|earned|earns|raise|raised|sell|sold|fine|fined|invest|invested"
_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("clock", re.compile(r"\b(?:what|which|at what) time\b|\bwhat hour\b|\bstart(?:ed)? at what\b", re.I)),
    ("duration", re.compile(rf"^\s*how long\b|\bfor how (?:many|much) (?:{_UNITS}|time)\b|\bhow much time\b", re.I)),
    ("date", re.compile(r"^\s*when\b|\b(?:what|which|on what|in what) (?:year|date|day|month)\b|\bwhat day\b", re.I)),
    # "How much does X charge?", "How much money ...": an amount of money, not any number
    ("money", re.compile(rf"^\s*how much (?:money\b|(?:\w+\s+){{0,6}}?(?:{_MONEY_VERBS})\b)", re.I)),
    ("number", re.compile(
        rf"^\s*how (?:many|much)\b|\bwhat (?:is |was |were |are )?(?:the )?(?:[\w-]+\s+){{0,2}}?(?:{_MEASURES})\b"
        r"|\bhow old\b", re.I)),
    # "What office does Zelensky hold?", "What is Stoltenberg's role?": a title beside the name
    ("role", re.compile(r"\bwhat (?:office|post|position|role|title|job|function)\b"
                        r"|\bwhat (?:is|was) [^?]*?['’]s (?:role|job|title|position|post)\b", re.I)),
    ("person", re.compile(
        rf"^\s*who(?:m|se)?\b|\b(?:which|what) (?-i:[A-Z][\w-]*\s+)*(?:{_PEOPLE})\b"
        r"|\bname of the (?:person|man|woman|president|minister|leader)\b", re.I)),
    ("place", re.compile(
        r"^\s*where\b|\b(?:in |at )?(?:which|what) (?:city|country|town|place|venue|stadium|capital|region|state)\b"
        r"|\bwhat (?:is|was|are|were) the (?:capital|city|country|town|venue|stadium|headquarters|seat)\b", re.I)),
    # "What is the name of the new car?", "What is the new feature called?": a name
    ("name", re.compile(r"\bwhat (?:is|was|are|were) the names? of\b|\bwhat (?:is|was|are|were) (?:the |it |they )?.{0,40}\bcalled\?", re.I)),
]
_DETECT: dict[str, re.Pattern[str]] = {
    "clock": re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|h\b|GMT|UTC|CET|local time|o'clock)"
                        r"|\b\d{1,2}[:h]\d{2}\b|\bnoon\b|\bmidnight\b", re.I),
    "duration": re.compile(rf"\b(?:\d[\d.,]*|{_NUM_WORDS}|a|an)\s+(?:\w+\s+)?(?:{_UNITS})\b|\bfor (?:{_UNITS})\b", re.I),
    "date": re.compile(
        r"\b(?:1[89]|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\b\d{1,2}\s+"
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
        r"|\b(?:today|yesterday|tomorrow|last (?:week|month|year)|next (?:week|month|year))\b"
        r"|\b(?:january|february|march|april|june|july|august|september|october|november|december)\b"
        r"|\b(?:in|since|until|by|early|late|mid-?)\s+May\b|\bthe\s+\d{1,2}(?:st|nd|rd|th)\b", re.I),
    "number": re.compile(rf"\d|\b(?:{_NUM_WORDS})\b", re.I),
    "money": re.compile(r"[$€£¥]|\b(?:US\$|dollars?|euros?|pounds?|yuan|rubles?|roubles?|yen|francs?|cents?|USD|EUR|GBP)\b", re.I),
}
_YEAR_ONLY = re.compile(r"(?:1[89]|20)\d\d")
_NAME = re.compile(r"\b[A-Z][\w'’-]*")


def answer_type(question: str) -> str:
    """The type of thing the question asks for: clock, duration, date, number, person, place,
    definition ("What is Swift?": what a name stands for) or other."""
    for name, rule in _TYPE_RULES:
        if rule.search(question):
            return name
    target = identity_target(question)
    return "definition" if target and target.lower() not in _ROLE_NOUNS else "other"


def new_names(question: str, sentence: str) -> list[str]:
    """Capitalised words of the sentence that the question does not contain (its first word too: a
    sentence may open with a name; `person_names` drops the common openers).

    >>> new_names("Who directed The Avengers?", "The Avengers were directed by Joss Whedon.")
    ['Joss', 'Whedon']
    """
    asked = set(tokens(question))
    return [w for w in _NAME.findall(sentence) if w.lower() not in STOPWORDS and not set(tokens(w)) <= asked]


_NOT_A_PERSON_BEFORE = frozenset("in at from to of near the on into across".split())
# whole month and weekday names only: "Mark", "Julia" and "Novak" are names
_CALENDAR = re.compile(r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
                       r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?|(?:mon|tues|wednes|thurs|fri|satur|sun)day", re.I)
# Capitalised words that name a body, a direction or a sentence opener, not a person: "the Russia-NATO
# (Western military alliance) Council", "Last week, ...". (No NER model is obtainable offline.) A surname
# that is also such a word ("Margaret Court") still leaves the first name.
_NOT_A_PERSON = frozenset(
    "council department ministry house office union parliament government agency committee commission "
    "army forces alliance organization organisation bank court assembly congress senate cooperation security "
    "western eastern northern southern central last next finally however meanwhile another although earlier "
    "later moreover still yet today yesterday every several since despite following".split())


def _is_acronym(word: str) -> bool:
    """ "NATO", "US", "Russia-NATO": not a person's name; "RYABKOV", "AL-SHARAA" (capitals for emphasis) may be."""
    parts = word.split("-")
    short = [p for p in parts if 1 < len(p) <= 4 and p.isupper()]
    return bool(short) and all(p in short or is_nationality(next(iter(tokens(p)), "")) for p in parts)


def person_names(question: str, sentence: str) -> list[str]:
    """The new names of the sentence (`new_names`) that may be a person's: not a place or body after
    "in", "at", "the"..., not a nationality or country, not a month or weekday, not an acronym
    of four letters at most, alone or joined to a country ("NATO", "Russia-NATO"; not "RYABKOV"), not a
    body, a direction or an opener (`_NOT_A_PERSON`).

    >>> person_names("Who led the delegation?", "They met in Geneva, then at the Council in Brussels.")
    []
    >>> person_names("Who led the delegation?", "Deputy Secretary Wendy Sherman led it, the Russian side said.")
    ['Deputy', 'Secretary', 'Wendy', 'Sherman']
    >>> person_names("Who represented Russia?", "Last week, diplomats met within the Russia-NATO (Western) Council.")
    []
    """
    words = _WORD_OR_MARK.findall(sentence)
    candidates = set(new_names(question, sentence))
    found = []
    for i, w in enumerate(words):
        if w not in candidates or (i and words[i - 1].lower() in _NOT_A_PERSON_BEFORE):
            continue
        if _CALENDAR.fullmatch(w) or is_nationality(tokens(w)[0]) or w.lower() in _NOT_A_PERSON:
            continue
        if _is_acronym(w):
            continue
        found.append(w)
    return found


def holds_role(question: str, sentence: str) -> bool:
    """Does a title stand right beside one of the question's names ("Ukrainian President Volodymyr
    Zelensky", "Blinken, the Secretary of State")?

    >>> holds_role("What office does Zelensky hold?", "Blinken met Ukrainian President Volodymyr Zelensky.")
    True
    >>> holds_role("What office does Zelensky hold?", "Zelensky thanked the United States.")
    False
    """
    names = set(entities(question))
    words = _WORD_OR_MARK.findall(sentence)
    for i, word in enumerate(words):
        if next(iter(tokens(word)), "") in names:
            near = {w.lower() for w in words[max(0, i - 4): i + 5]}
            if near & _ROLE_NOUNS:
                return True
    return False


def has_type(kind: str, sentence: str, question: str = "") -> bool:
    """Does the sentence hold something of answer type `kind`? (Always true for "other".)

    >>> has_type("number", "The winery has been run by the family since 1900.")   # a year counts nothing
    False
    >>> has_type("money", "Microsoft charges $15 per ton."), has_type("money", "It emits 16 million tons.")
    (True, False)
    """
    if kind == "person":
        return bool(person_names(question, sentence))
    if kind == "role":
        return holds_role(question, sentence)
    if kind in ("place", "name"):
        return bool(new_names(question, sentence))
    if kind == "definition":
        target = identity_target(question)
        return bool(target) and identifies(target, sentence, question)
    if kind == "date" and _ASKS_A_DAY.search(question):  # "last week" is no date
        return bool(_DETECT["date"].search(_RELATIVE_TIME.sub(" ", sentence)))
    if kind == "number":  # a number the question does not already give; a year is a date, not a count
        if not counts_what_is_asked(question, sentence):
            return False
        asked = set(_DIGITS.findall(question))
        return any(n not in asked and not _YEAR_ONLY.fullmatch(n.rstrip(".,")) for n in _DIGITS.findall(sentence)) \
            or bool(_NUMBER_WORD.search(sentence))
    if kind == "money":
        return has_type("number", sentence, question) and bool(_DETECT["money"].search(sentence))
    rule = _DETECT.get(kind)
    return True if rule is None else bool(rule.search(sentence))


_ASKS_A_DAY = re.compile(r"\b(?:what|which) (?:date|day)\b", re.I)  # "On what date ...", "Which day ..."
_RELATIVE_TIME = re.compile(r"\b(?:last|next) (?:week|month|year)\b", re.I)
# the counted things: the last word of the words after "how many" ("of the" skipped), up to a stop word
_STOP = "|".join(sorted(w for w in STOPWORDS if w.isalpha()))
_HOW_MANY = re.compile(rf"^\s*how many\s+(?:of (?:the |their |its )?)?(?!(?:{_STOP})\b)((?:[\w-]+\s+)*?[\w-]+)"
                       rf"(?=\s+(?:{_STOP})\b|\s*[?,]|$)", re.I)
_WORD = re.compile(r"[\w'’-]+")
_COUNT = re.compile(rf"{_DIGITS.pattern}|{_NUMBER_WORD.pattern}", re.I)


def counts_what_is_asked(question: str, sentence: str) -> bool:
    """For "How many <things>": when the sentence names those things, a number stands beside the word
    (within three words either side). A sentence without the word may count them under another name.
    Missed: a number further away ("more than 100,000 Russian and Belarusian combat troops").

    >>> counts_what_is_asked("How many devices were infected?", "Android devices face threats: Agent Smith infected 25 million handsets.")
    False
    >>> counts_what_is_asked("How many Russian troops are there?", "About 100,000 Russian troops are there.")
    True
    >>> counts_what_is_asked("How many of the hostages were freed?", "Hamas freed 24 hostages on Friday.")
    True
    >>> counts_what_is_asked("How many votes did she get?", "She got 52% of the votes.")
    True
    >>> counts_what_is_asked("How many devices were infected?", "It infected 25 million handsets.")   # another name
    True
    """
    asked = _HOW_MANY.match(question)
    focus = set(tokens(asked.group(1).split()[-1])) if asked else set()
    if not focus or not focus & set(tokens(sentence)):
        return True
    for number in _COUNT.finditer(sentence):
        beside = _WORD.findall(sentence[:number.start()])[-3:] + _WORD.findall(sentence[number.end():])[:3]
        if focus & set(tokens(" ".join(beside))):
            return True
    return False


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
# Nouns of "who/what is the <noun> of X" that a name answers: the answer puts a name beside the noun.
_ROLE_NOUNS = frozenset(
    """capital president minister secretary leader head chief spokesman spokeswoman spokesperson chancellor
    ambassador envoy counterpart director ceo chairman chair commander governor mayor king queen premier
    founder owner author coach captain official""".split())


def names_asked(question: str) -> list[str]:
    """The question's capitalised words, its first word and stop words aside ("The Crown": stop words
    are never indexed): the names it asks about."""
    words = _NAME.findall(question)
    if words and question.lstrip().startswith(words[0]):
        words = words[1:]
    return [w for w in words if w.lower() not in STOPWORDS]


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
    may refer back) holds a pronoun and not that name: "What did he promise (Blinken)?". The name
    without a possessive ("Blinken's stop" lends "Blinken"). Shared by sub_questions and dated_events.

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


_IDENTITY_Q = re.compile(
    r"^\s*(?:what|who)\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+)?(.+?)(?:\s+(?:of|in|for|at|from)\s+.*)?\W*$", re.I)
_WORD_OR_MARK = re.compile(r"[\w'’.-]*\w|[^\w\s]")
_APPOSITION_AFTER = re.compile(
    r"^[^\w,(]{0,3}(?:,\s*(?:an?|the|one)\s|\s*\(|\s+(?:is|was|are|were)\s+(?:an?|the|one)\s)", re.I)


def identity_target(question: str) -> str | None:
    """What a "what/who is X" question asks to identify, when a name or a role answers it: X itself
    when X is a name ("What is Swift?"), its role noun ("What is the capital of Germany?"). None for
    other questions ("What is the outcome of the talks?" is answered without naming "outcome").

    >>> identity_target("What is Swift?"), identity_target("What is the capital of Canada?")
    ('Swift', 'capital')
    >>> identity_target("What was the outcome of the talks?") is None
    True
    """
    match = _IDENTITY_Q.match(question)
    if not match:
        return None
    phrase = match.group(1).strip(" \"'“”")
    words = phrase.split()
    if not words or question.lstrip().lower().startswith("who"):
        return None  # "who is the president of X": the person-type check does this (answer_type)
    head = words[-1].lower()
    if head in _ROLE_NOUNS:
        return head
    return phrase if all(w[0].isupper() for w in words) else None


def identifies(target: str, sentence: str, question: str) -> bool:
    """Does the sentence say what `target` (from `identity_target`) is: a definition or a name in
    apposition ("“Swift”, an essential system of ...", "his Canadian counterpart Mélanie Joly",
    "Berlin, the German capital"), not a mere mention ("In the German capital, where ...")?

    >>> identifies("Swift", "an exclusion of Russia from “Swift”, an essential system of banking.", "What is Swift?")
    True
    >>> identifies("Swift", "Blinken promised a “united, swift and severe” response.", "What is Swift?")
    False
    >>> q = "What is the capital of Germany?"
    >>> identifies("capital", "In the German capital, where he met allies France and Britain, he spoke.", q)
    False
    >>> identifies("capital", "Berlin, the German capital, hosted the talks.", q)
    True
    """
    asked = set(tokens(question))
    is_name = target[0].isupper()
    found = [m for m in re.finditer(re.escape(target), sentence, 0 if is_name else re.I)
             if is_name or tokens(m.group()) == tokens(target)]
    for m in found:
        after, before = sentence[m.end():], sentence[: m.start()]
        if _APPOSITION_AFTER.match(after):
            return True
        if re.search(r"\b(?:called|known as|named|dubbed)\W*$", before, re.I):
            return True
        near_after = _WORD_OR_MARK.findall(after)[:4]
        near_before = _WORD_OR_MARK.findall(before)[-5:]
        new_name = lambda w: w[0].isupper() and w.lower() not in STOPWORDS and not set(tokens(w)) <= asked
        if not is_name and near_after and new_name(near_after[0]):  # "counterpart Mélanie Joly"
            return True
        if not is_name and any(new_name(w) for w in near_before[:-1]) and "," in near_before:  # "Berlin, the ..."
            return True
        if is_name and near_before and near_before[-1].lower() in _ROLE_NOUNS:  # "counterpart Mélanie Joly"
            return True
    return False


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
