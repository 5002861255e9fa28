"""The type of thing a question asks for, and whether a sentence holds one: a sentence without a
thing of the asked type cannot be the answer. Rule-based: no NER model is obtainable offline.

The asked answer type (`answer_type`): who -> a name the question does not contain that may be a
person's (not after "in"/"at"/"the", not a nationality, month or weekday); when / what year / what
date -> a date; what time -> a clock time; how long -> a duration; how many / how much / what
number, share, index, value... -> a number that is not a year; how much does X cost, charge,
pay... -> an amount of money; where / which city, country -> a place name; what is the name of /
what is X called -> a new name; what office / post / role -> a title beside the question's name;
what is X -> what X is (`identity_target`, `identifies`). `has_type` says whether a sentence holds
one. The question's own names (`names_asked`) are here: a new name is one the question lacks.

>>> answer_type("How many troops did Russia mass?"), answer_type("What time did the talks start?")
('number', 'clock')
>>> has_type("clock", "The talks started at 10:30 a.m. in Geneva."), has_type("clock", "They lasted two hours.")
(True, False)
"""

from __future__ import annotations

import re

from rag.terms import STOPWORDS, is_nationality, tokens

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
# Nouns of "who/what is the <noun> of X" that a name answers: the answer puts a name beside the noun.
_ROLE_NOUNS = frozenset(
    """capital president minister secretary leader head chief spokesman spokeswoman spokesperson chancellor
    ambassador envoy counterpart director ceo chairman chair commander governor mayor king queen premier
    founder owner author coach captain official""".split())


def answer_type(question: str) -> str:
    """The type of thing the question asks for: clock, duration, date, number, person, place,
    definition ("What is Swift?": what a name stands for) or other."""
    for name, rule in _TYPE_RULES:
        if rule.search(question):
            return name
    target = identity_target(question)
    return "definition" if target and target.lower() not in _ROLE_NOUNS else "other"



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



# "What is X?" asks what X is (the definition type): a definition or a name in apposition says it.
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
