"""How the support rules (rag.support) read a sentence or a span, word by word, without a tagger:
its numbers as values, what each negation governs, its clauses, which words are names, who acts
around a verb (`Reading`); and the names a set of passages writes (`proper_names`, `titles`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag.names import ALIASES, CAPITALS, TITLES, adjective, canonical, overlaps, place_name
from rag.spans import sentence_spans
from rag.terms import STOPWORDS, WORD, is_nationality, word_stem


# --- what a sentence asserts beyond its terms: numbers, negation, who did what to whom ------------
_READ = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?|[^\W\d_]+(?:['’][^\W\d_]+)*|[,;:()—–]")
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)(?:st|nd|rd|th)?")
_NUMBER_WORDS = dict(
    zip("two three four five six seven eight nine ten eleven twelve".split(), range(2, 13)),
    twenty=20, thirty=30, forty=40, fifty=50, hundred=100, thousand=1000, million=10**6, billion=10**9,
    trillion=10**12, tens=10, dozen=12, dozens=12, hundreds=100, thousands=1000, millions=10**6, billions=10**9,
)  # "one" is left out: far more often a pronoun ("the main ones") than a count
# "non" stands alone after the tokenizer splits "non-negotiable"
_NEGATIONS = frozenset("not no never nor neither none nothing nobody nowhere without cannot non".split())
_NEGATION_REACH = 3  # a negation governs this many content words after it ("not overcome sharp disagreements")
# stems: deny/denied, refuse, fail, ...; "abandon" is also how "give up" and "stop doing" read
_DENIALS = frozenset({"deni", "refus", "fail", "reject", "avoid", "disput", "declin", "abandon"})
_CLAUSE_WORDS = frozenset(
    """that which who whom whose where when whether while if because but although though whereas unless
    despite after before since""".split()
)
_CONJUNCTIONS = frozenset("and but while whereas or".split())
PLACE_PREPOSITIONS = frozenset("in at on near inside".split())
_REPORTING = frozenset("said says say told tells tell".split())  # stop words, but verbs
_ADVERBS = frozenset("still already also now then just even again yet soon later ever".split())
_NOT_NAMES = (STOPWORDS | _CLAUSE_WORDS | _CONJUNCTIONS | _ADVERBS | _NEGATIONS
              | frozenset("today yesterday tomorrow".split()))
_BE = frozenset("is are was were be been being".split())
_AUXILIARIES = _BE | frozenset("has have had will would can could may might must shall should did does do".split())
VERB_STOPWORDS = _AUXILIARIES | _REPORTING  # verbs the stop words hold: "Blinken will be in Ukraine" says something
_DETERMINERS = frozenset("the a an its his her their our my your this that these those of".split())
_DIRECTIONS = frozenset("western eastern northern southern".split())
_FRAMES = frozenset("at in on during amid following after before since despite".split())  # open a scene
_PASSIVE_REACH = 12  # "was assured of support against the Russian threat by": "by" at most this many words after
# "organised" reads as "organized" (the stemmer keeps them apart): a translated article and a model's
# answer may spell differently
_BRITISH = re.compile(r"(?<=[a-z]{4})is(e|es|ed|ing|ation|ations)$")
# Words news writes for the same act or state, read as one (stems): "break the impasse" is "resolve" it, so a
# span that did not resolve it says otherwise; "the deadlock" is "the impasse", "halt" is "stop"
_SAME = {word_stem(w): word_stem(same) for w, same in (pair.split(":") for pair in """break:resolve
    overcome:resolve solve:resolve provide:give present:give hand:give hope:expect deadlock:impasse
    stalemate:impasse halt:stop cease:stop""".split())}
# deny the -ing verb after them; halt and cease are among them as stop (_SAME reads them so)
_STOPS = frozenset(word_stem(w) for w in "stop quit".split())
# Past forms a stemmer leaves alone, as their verbs' stems: "avoided shaking hands" / "shook hands".
_IRREGULAR = {past: word_stem(verb) for past, verb in (pair.split(":") for pair in """
    shook:shake met:meet spoke:speak took:take gave:give held:hold made:make went:go sent:send told:tell
    left:leave began:begin brought:bring led:lead won:win lost:lose rose:rise fell:fall sold:sell bought:buy
    thought:think knew:know saw:see came:come kept:keep sought:seek struck:strike drew:draw fought:fight
    broke:break chose:choose wrote:write grew:grow threw:throw flew:fly stood:stand withdrew:withdraw
    written:write given:give spoken:speak broken:break chosen:choose taken:take shaken:shake known:know
    seen:see drawn:draw thrown:throw grown:grow flown:fly begun:begin fallen:fall risen:rise""".split())}
DATES = frozenset(
    word_stem(w) for w in """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december""".split()
)  # dates move freely in a sentence: they are never the actors of the role rule


def read_stem(word: str) -> str:
    """A word's stem as a Reading reads it: irregular past forms as their verbs (`_IRREGULAR`),
    British -ise spellings as -ize, a few verbs for the same act as one (`_SAME`).

    >>> [read_stem(w) for w in ("shook", "organised", "overcome", "hoping")]
    ['shake', 'organ', 'resolv', 'expect']
    """
    lower = word.lower()
    stem = _IRREGULAR.get(lower) or word_stem(_BRITISH.sub(r"iz\1", lower))
    return _SAME.get(stem, stem)


def proper_names(texts: Sequence[str]) -> frozenset[str]:
    """Stems of the words that `texts` capitalise and never write in lower case: names, even where
    they start a sentence ("Blinken promised ..."), unlike "Troops are massed" beside "the troops".
    Words that open sentences without being names are left out: stop words, "Although", "Finally",
    "Yesterday".

    >>> sorted(proper_names(["Blinken met Lavrov. Troops came.", "The troops left."]))
    ['blinken', 'lavrov']
    """
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for word in WORD.findall(text):
            (capitalised if word[0].isupper() else lower).add(word.lower())
    return frozenset(word_stem(w) for w in capitalised - lower if w not in _NOT_NAMES and not w.endswith("ly"))


# Lower-case words a title may hold besides TITLES ("the head of American diplomacy Antony Blinken")
_TITLE_WORDS = frozenset({"of", "diplomaci", "affair", "foreign", "white", "hous"})


def titles(texts: Sequence[str]) -> dict[tuple[str, ...], frozenset[str]]:
    """The titles `texts` give exactly one person, written right before the person's first and last
    name: ("america", "secretari", "of", "state") -> {"antoni", "blinken"} from "US Secretary of State
    Antony Blinken". Stems with countries and aliases folded (`canonical`: US and American are one).
    A title of one word ("President"), or two people share, is left out; so is a word like "counterpart"
    that is no title.

    >>> found = titles(["Talks with US Secretary of State Antony Blinken and President Joe Biden.",
    ...                 "Russian President Vladimir Putin spoke."])
    >>> [(title, sorted(person)) for title, person in sorted(found.items())]
    [(('america', 'secretari', 'of', 'state'), ['antoni', 'blinken']), (('russia', 'presid'), ['putin', 'vladimir'])]
    """
    people: dict[tuple[str, ...], set[frozenset[str]]] = {}
    for text in texts:
        words = Reading.of(text).words
        for i in range(1, len(words) - 1):
            first, last = words[i], words[i + 1]
            person = all(w.capital and w.lexical and w.stem not in TITLES and not place_name(w.stem)
                         and w.sentence == first.sentence for w in (first, last))
            if not person or (i + 2 < len(words) and words[i + 2].capital and words[i + 2].sentence == first.sentence):
                continue  # a person is two capitalised words exactly: "Antony Blinken", not "Lake Geneva Hotel"
            j = i
            while j > 0 and words[j - 1].sentence == first.sentence and words[j - 1].clause == first.clause and (
                    words[j - 1].stem in TITLES or words[j - 1].stem in _TITLE_WORDS
                    or (words[j - 1].capital and (not words[j - 1].initial or place_name(words[j - 1].stem)))):
                j -= 1
            while j < i and words[j].stem == "of":
                j += 1
            title = tuple(canonical(w.stem) for w in words[j:i])
            # one word ("President") is too general a title to name anyone
            if any(w.stem in TITLES for w in words[j:i]) and len(set(title) - {"of"}) >= 2:
                people.setdefault(title, set()).add(frozenset({first.stem, last.stem}))
    return {title: next(iter(who)) for title, who in people.items() if len(who) == 1}


def number_value(text: str) -> str:
    """A number written with digits as a comparable value: "100,000" and "100.000" (thousands
    separators) are both "100000"; "2.5" stays "2.5"; "21st" is "21".

    >>> number_value("100,000"), number_value("100.000"), number_value("2.5"), number_value("21st")
    ('100000', '100000', '2.5', '21')
    """
    digits = _NUMBER.fullmatch(text).group(1)
    groups = re.split(r"[.,]", digits)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return str(int("".join(groups)))
    return str(float(digits.replace(",", "."))).removesuffix(".0")


@dataclass(frozen=True)
class Word:
    text: str  # as written, less a possessive "'s" or a "n't"
    stem: str
    sentence: int  # which sentence of the text (a span may hold two)
    clause: int  # clauses end at , ; : ( ) dashes, and before that/which/who/if/but/...
    part: int  # parts end at ; : before that/which/who/if/... and ", and" (not at an apposition's comma)
    initial: bool  # the first word of its sentence
    negation: bool
    possessive: bool = False  # written with "'s"

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()

    @property
    def lexical(self) -> bool:
        return self.text[:1].isalpha() and self.text.lower() not in STOPWORDS

    @property
    def content(self) -> bool:
        return self.lexical and not self.negation

    @property
    def polar(self) -> bool:
        """A content word a negation can govern: not a name (a capital inside the sentence)."""
        return self.content and (self.initial or not self.capital)


@dataclass(frozen=True)
class Reading:
    """A sentence (or a span of two) read word by word for the support rules: its numbers as values,
    the content terms a negation governs, and where its names stand.

    >>> r = Reading.of("Lavrov does not expect a breakthrough, the US said on Friday (21).")
    >>> sorted(r.numbers), sorted(r.dates), sorted(r.denied), sorted(r.negated), sorted(r.asserted)
    (['21'], [('friday', '21')], ['expect'], ['breakthrough', 'expect'], ['lavrov'])
    """

    words: tuple[Word, ...]
    numbers: frozenset[str]  # values of the numbers, digits or words: {"100000", "2"}
    dates: frozenset[tuple[str, str]]  # a day or month and the number next to it: ("wednesday", "19")
    denied: frozenset[str]  # the first content term after each negation (before "denied by")
    negated: frozenset[str]  # the first _NEGATION_REACH content terms after it, inside its clause
    asserted: frozenset[str]  # content terms no negation governs (names are neither)
    capitals: frozenset[str]  # stems of capitalised words that do not start a sentence
    negated_names: frozenset[str] = frozenset()  # names after a negation that governs no other word
    denials: frozenset[str] = frozenset()  # the denying verbs that stand as negations ("rejected", "denied")
    scopes: tuple[tuple[str, ...], ...] = ()  # what each not/no/never governs, its first word first

    @property
    def negates(self) -> bool:
        """Does the text negate something ("not", "denied", "non-"; "did not reject" and "not only ...
        but also" do not)?"""
        return bool(self.denied or self.negated_names or self.denials)

    @property
    def named(self) -> frozenset[str]:
        """Stems of the capitalised content words no negation governs (dates aside)."""
        return frozenset(w.stem for w in self.words if w.content and w.capital and w.stem not in DATES
                         ) - self.negated_names

    @classmethod
    def of(cls, text: str) -> Reading:
        words: list[Word] = []
        numbers: set[str] = set()
        dates: set[tuple[str, str]] = set()
        clause = part = 0
        for sentence, (s, e) in enumerate(sentence_spans(text) or [(0, len(text))]):
            clause, part, first, comma, previous = clause + 1, part + 1, True, False, ("", "")
            ordinal: tuple[str, str] | None = None  # "Thursday the 21st": a date unless a noun follows
            for match in _READ.finditer(text, s, e):
                token = match.group()
                if ordinal and (not token[0].isalpha() or token.lower() in STOPWORDS):  # not "Monday the 2nd phase"
                    dates.add(ordinal)
                ordinal = None
                if token[0].isdigit():
                    value = number_value(token)
                    numbers.add(value)
                    if previous[0] == "date":  # "Thursday (20)"
                        dates.add((previous[1], value))
                    elif previous[0] == "the" and token[-1].isalpha():
                        ordinal = (previous[1], value)
                    previous = ("number", value)
                    continue
                if not token[0].isalpha():
                    clause, part, comma = clause + 1, part + (token in ";:"), token == ","
                    previous = previous if token in "()" else ("", "")
                    continue
                lower = token.lower()
                negation = lower in _NEGATIONS or lower.endswith(("n't", "n’t"))
                possessive = bool(re.search(r"['’]s$", token, flags=re.IGNORECASE))
                token = re.sub(r"(?:n['’]t|['’]s)$", "", token, flags=re.IGNORECASE) or token
                lower = token.lower()
                if lower in _NUMBER_WORDS:
                    numbers.add(str(_NUMBER_WORDS[lower]))
                if lower in _CLAUSE_WORDS:
                    clause, part = clause + 1, part + 1
                elif comma and lower in _CONJUNCTIONS:
                    part += 1
                stem = read_stem(lower)
                if stem in DATES and previous[0] == "number":
                    dates.add((stem, previous[1]))
                the = lower == "the" and previous[0] == "date"  # "Thursday the 21st": the day reaches past "the"
                previous = ("the", previous[1]) if the else ("date", stem) if stem in DATES else ("", "")
                negation = negation or stem in _DENIALS
                if lower == "longer" and words and words[-1].text.lower() == "no" and words[-1].sentence == sentence:
                    negation = True  # "no longer expected": the cue is two words long
                words.append(Word(token, stem, sentence, clause, part, first, negation, possessive))
                first = comma = False
            if ordinal:  # the sentence ends on it
                dates.add(ordinal)
        for i, word in enumerate(words[:-1]):  # "has given up seeking", "stop organizing": denials, as "abandon"
            after = words[i + 1].text.lower()
            if words[i + 1].sentence == word.sentence and (
                    (word.stem == "give" and after == "up") or (word.stem in _STOPS and after.endswith("ing"))):
                words[i] = replace(word, stem="abandon", negation=True)
        undenied: set[int] = set()  # "did not reject": asserts neither the denial nor its opposite
        for i, word in enumerate(words):  # "did not reject", "never denied": a negated denial asserts
            if word.stem in _DENIALS:
                cue = next((k for k in range(i - 1, max(i - 3, -1), -1) if words[k].negation
                            and words[k].stem not in _DENIALS and words[k].clause == word.clause), None)
                if cue is not None:
                    words[cue] = replace(words[cue], negation=False)
                    words[i] = replace(words[i], negation=False)
                    undenied.add(i)
        denied: set[int] = set()
        negated: set[int] = set()
        negated_names: set[int] = set()
        scopes: list[tuple[str, ...]] = []
        for i, word in enumerate(words):
            if not word.negation or (word.stem == "not" and i + 1 < len(words) and words[i + 1].stem == "onli"):
                continue  # "not only ... but also" asserts
            backward = word.stem in _DENIALS and i + 1 < len(words) and words[i + 1].text.lower() == "by"
            scope = range(i - 1, -1, -1) if backward else range(i + 1, len(words))
            subject = backward and any(w.text.lower() in _BE for w in words[max(0, i - 3) : i])
            if subject:  # "US accusations that Moscow ... were rejected by": the subject that opens the
                # sentence is denied, past any clause between
                # ("At last week's talks, Moscow's demands were rejected by": an opening phrase of place or
                # time, up to its comma, is no subject)
                opener = next(j for j in range(i + 1) if words[j].sentence == word.sentence)
                framed = words[opener].text.lower() in _FRAMES and words[opener].clause != word.clause
                scope = [j for j in range(i) if words[j].sentence == word.sentence and not words[j].capital
                         and not (framed and words[j].clause == words[opener].clause)]
            governed = [j for j in scope if words[j].polar and not words[j].text.lower().endswith("ly")
                        and (subject or words[j].clause == word.clause)][:1 if word.stem == "non" else _NEGATION_REACH]
            heads = governed[:1]
            if governed and not backward:  # "will not expand into Ukraine or deploy forces": or/nor
                # carry the negation to the word after them, a head of its own
                for k in range(governed[-1] + 1, len(words)):
                    if words[k].clause != word.clause:
                        break
                    if words[k].text.lower() in ("or", "nor"):
                        heads += [j for j in range(k + 1, len(words)) if words[j].clause == word.clause
                                  and words[j].polar and not words[j].text.lower().endswith("ly")][:1]
            negated.update(governed + heads)
            denied.update(heads)
            if governed and word.stem not in _DENIALS:
                scopes.append(tuple(words[j].stem for j in governed))
            if not governed:  # "had not been in Kiev and Berlin": what it denies are the names
                negated_names.update(j for j in scope if words[j].clause == word.clause and words[j].content
                                     and words[j].capital and words[j].stem not in DATES)
        return cls(
            tuple(words),
            frozenset(numbers),
            frozenset(dates),
            frozenset(words[i].stem for i in denied),
            frozenset(words[i].stem for i in negated),
            frozenset(w.stem for i, w in enumerate(words) if w.polar and i not in negated and i not in undenied),
            frozenset(w.stem for w in words if w.capital and not w.initial),
            frozenset(words[i].stem for i in negated_names),
            frozenset(w.stem for w in words if w.negation and w.stem in _DENIALS),
            tuple(scopes),
        )

    def names(self, known: frozenset[str]) -> list[bool]:
        """Which words are names: capitalised, not a stop word, a date or a short acronym other than
        one of `ALIASES` (EU is also written European Union); a sentence's first word only if `known`
        as a name, or a country, its adjective or a capital (`place_name`)."""
        return [
            w.capital and w.content and w.stem not in DATES
            and not (len(w.text) <= 3 and w.text.isupper() and w.stem not in ALIASES)
            and (not w.initial or w.stem in known or place_name(w.stem))
            for w in self.words
        ]

    def passive(self, i: int) -> int | None:
        """The index of "by" when word i is a passive verb ("was warned by", "an intention denied by"),
        else None."""
        words = self.words
        if words[i].text.lower().endswith("ed") and i + 1 < len(words) and words[i + 1].text.lower() == "by":
            return i + 1
        if words[i].text.lower().endswith("ing") or not any(w.text.lower() in _BE for w in words[max(0, i - 2) : i]):
            return None  # "was preparing" is no passive
        return next((j for j in range(i + 1, min(i + 1 + _PASSIVE_REACH, len(self.words)))
                     if self.words[j].clause == self.words[i].clause and self.words[j].text.lower() == "by"), None)

    def agentless(self, i: int) -> bool:
        """Is word i a passive verb without "by" ("Crimea was annexed", "no option is excluded")?"""
        words = self.words
        return (self.passive(i) is None and words[i].text.lower().endswith("ed")
                and any(w.text.lower() in _BE for w in words[max(0, i - 2) : i]))

    def verb(self, i: int, names: list[bool]) -> bool:
        """Does word i look like a verb? Without a tagger: not after a determiner or a possessive
        ("Moscow's demands"), and either after an auxiliary ("will meet", "had already accused"),
        or ending in -ed, or ending in -s right after a name ("NATO expects")."""
        words, text = self.words, self.words[i].text.lower()
        before = words[i - 1] if i else None
        if before is None or before.text.lower() in _DETERMINERS or before.possessive:
            return False
        if text in _ADVERBS or text.endswith("ly"):
            return False
        if any(w.text.lower() in _AUXILIARIES for w in words[max(0, i - 2) : i]):
            return True
        # "Russian demands", "Western countries": after a nationality's or a direction's adjective, a noun
        described = adjective(before.stem) or before.text.lower() in _DIRECTIONS
        if text.endswith("ed") or (text.endswith("s") and names[i - 1] and not described):
            return True
        # "Western countries demand that ...": a word between a plural noun and "that"
        after = words[i + 1].text.lower() if i + 1 < len(words) else ""
        return after == "that" and before.text.lower().endswith("s") and before.lexical and not before.capital

    def phrases(self, names: list[bool], inside: list[bool]) -> list[tuple[int, int, set[str]]]:
        """Runs of name words among the words `inside`, "of" allowed within ("Secretary of State
        Antony Blinken"): (first index, last index, stems)."""
        words, found, j = self.words, [], 0
        while j < len(words):
            k = j
            if names[j] and inside[j]:
                while k + 1 < len(words) and inside[k + 1] and not words[k].possessive and (
                        names[k + 1] or (words[k + 1].text == "of" and k + 2 < len(words) and names[k + 2])):
                    k += 1
                stems = {words[x].stem for x in range(j, k + 1) if names[x]}
                # "Russian Foreign Minister Sergei Lavrov" is Lavrov, not Russia (which Moscow is)
                found.append((j, k, {t for t in stems if not adjective(t)} or stems))
            j = k + 1
        return found

    def sides(self, i: int, names: list[bool]) -> tuple[set[str], set[str], set[str]]:
        """The names of word i's clause on the side of the one who acts and on the side of the one
        acted upon (before and after an active verb; after "by" and before a passive one; after a
        verb that opens its clause and is followed by a name: ", warned Jen Psaki"), and the actor
        proper when the clause names one: the name opening the clause before an active verb, the
        name after "by", the name after an opening verb."""
        clause = self.words[i].clause
        phrases = self.phrases(names, [w.clause == clause for w in self.words])
        before = set().union(*(st for a, b, st in phrases if b < i))
        after = set().union(*(st for a, b, st in phrases if a > i))
        by = self.passive(i)
        if by is not None:
            agents = [st for a, b, st in phrases if a > by]
            return set().union(*agents), before, agents[0] if agents else set()
        if self.agentless(i):  # "no option is excluded on the American side": no actor named
            return set(), before, set()
        if not any(w.lexical for w in self.words[:i] if w.clause == clause) and any(a == i + 1 for a, b, st in phrases):
            return after, before, next(st for a, b, st in phrases if a == i + 1)
        # "the factor that raised tensions was the drills of Russia and Belarus": a name past "was" is
        # what the verb's subject is, not who it acts upon
        copula = next((k for k in range(i + 1, len(self.words)) if self.words[k].clause == clause
                       and self.words[k].text.lower() in _BE), None)
        if copula is not None:
            after = set().union(*(st for a, b, st in phrases if i < a < copula))
        opening = self.opening(names, clause)
        subject = opening[2] if opening and opening[1] < i else set()
        resumed = self.resumed(i, names) if not subject else set()
        before, subject = before | resumed, subject | resumed
        if i and self.words[i - 1].text.lower() == "and":
            # "Ukraine estimates that troops are massed and fears an invasion": a verb after "and" may
            # share the subject that opens the sentence
            opens = self.sentence_subject(i, names)
            before, subject = before | opens, subject | opens
        return before, after, subject

    @property
    def abbreviations(self) -> frozenset[str]:
        """The acronyms the text writes, as written ("OSCE"), and those its names spell, in lower case
        ("United Kingdom": "uk"); see `spelled`."""
        return frozenset(initials for _, initials in spelled(self.words))

    def described(self, people: dict[tuple[str, ...], frozenset[str]]) -> frozenset[str]:
        """Stems of the names the text gives by description: a capital as "the German capital"
        (`CAPITALS`), a person by a title the passages give only that person (`titles`: "the US
        Secretary of State" is Blinken where they write "US Secretary of State Antony Blinken").

        >>> sorted(Reading.of("In the German capital, the US Secretary of State spoke.").described(
        ...     {("america", "secretari", "of", "state"): frozenset({"antoni", "blinken"})}))
        ['antoni', 'berlin', 'blinken']
        """
        found: set[str] = set()
        stems = [canonical(w.stem) for w in self.words]
        for i in range(1, len(stems)):
            if stems[i] == "capit":
                found.update(city for city, country in CAPITALS.items() if country == stems[i - 1])
        for title, person in people.items():
            n = len(title)
            if any(tuple(stems[i : i + n]) == title for i in range(len(stems) - n + 1)):
                found |= person
        return frozenset(found)

    def related(self, people: dict[tuple[str, ...], frozenset[str]], known: frozenset[str] = frozenset()
                ) -> tuple[frozenset[str], frozenset[str]]:
        """(countries, counterparts): names given through the person before a "his"/"her", by the countries
        the passages title people with (`titles`): "his country" is his title's country ("Ukrainian President
        Volodymyr Zelensky"), "his US counterpart" the one other person titled with that country. None when
        two titled people stand before it ("Putin said Zelensky must protect his country") or two could be meant.

        >>> people = {("america", "secretari", "of", "state"): frozenset({"antoni", "blinken"}),
        ...           ("russia", "foreign", "minist"): frozenset({"sergei", "lavrov"})}
        >>> [sorted(s) for s in Reading.of("Yesterday Lavrov told his US counterpart of his country's demands."
        ...                                ).related(people)]
        [['russia'], ['antoni', 'blinken']]
        >>> Reading.of("Yesterday Blinken said Lavrov spoke of his country's demands.").related(people)
        (frozenset(), frozenset())
        """
        if not any(w.text.lower() in ("his", "her") for w in self.words):  # (most spans: no names to find)
            return frozenset(), frozenset()
        nations: dict[frozenset[str], set[str]] = {}
        for title, person in people.items():
            nations.setdefault(person, set()).update(t for t in title if is_nationality(t))
        words, names = self.words, self.names(known)
        countries: set[str] = set()
        counterparts: set[str] = set()
        for i, word in enumerate(words[:-1]):
            nation = canonical(words[i + 1].stem)
            k = i + 1 + is_nationality(nation)  # the noun after "his" or "his US"
            if word.text.lower() not in ("his", "her") or k == len(words) or words[k].sentence != word.sentence:
                continue
            before = [st for a, b, st in self.phrases(names, [w.sentence == word.sentence for w in words]) if a < i]
            titled = {person for person in nations for st in before if overlaps(person, st)}
            if len(titled) != 1:  # nobody, or "his" could be either's
                continue
            subject = next(iter(titled))
            if words[k].stem == "countri" and k == i + 1 and len(nations[subject]) == 1:
                countries |= nations[subject]
            elif words[k].stem == "counterpart" and k == i + 2:
                others = [person for person, c in nations.items() if nation in c and person != subject]
                counterparts |= others[0] if len(others) == 1 else set()
        return frozenset(countries), frozenset(counterparts)

    def written_capitalised(self) -> frozenset[str]:
        """Stems of the words written with a capital, wherever they stand."""
        return frozenset(w.stem for w in self.words if w.capital)

    def subject(self, known: frozenset[str]) -> frozenset[str]:
        """The stems of the first person or body the text names (not a place after "in", not an
        adjective alone): whom a following "He reiterated ..." means.

        >>> sorted(Reading.of("Yesterday, Russian Foreign Minister Sergei Lavrov rejected it.").subject(frozenset()))
        ['foreign', 'lavrov', 'minist', 'sergei']
        """
        names = self.names(known)
        for a, b, stems in self.phrases(names, [True] * len(self.words)):
            if not all(map(adjective, stems)) and not (a and self.words[a - 1].text in PLACE_PREPOSITIONS):
                return frozenset(stems)
        return frozenset()

    def opening(self, names: list[bool], clause: int) -> tuple[int, int, set[str]] | None:
        """The name phrase that opens a clause (only stop words before it), if any."""
        phrases = self.phrases(names, [w.clause == clause for w in self.words])
        # a day before it is no word of the clause's own ("On Wednesday the United States thanked ...")
        if phrases and not any(w.lexical and w.stem not in DATES for w in self.words[: phrases[0][0]]
                               if w.clause == clause):
            owner, following = phrases[0], phrases[1:2]
            if self.words[owner[1]].possessive and following and not any(  # "Blinken's counterpart Joly"
                    self.verb(k, names) for k in range(owner[1] + 1, following[0][0])):
                return following[0]
            return phrases[0]
        return None

    def sentence_subject(self, i: int, names: list[bool]) -> set[str]:
        """The name that opens word i's sentence, when word i stands in a later clause (else empty)."""
        first = next(w.clause for w in self.words if w.sentence == self.words[i].sentence)
        opens = self.opening(names, first) if first != self.words[i].clause else None
        return opens[2] if opens else set()

    def resumed(self, i: int, names: list[bool]) -> set[str]:
        """The name that opens the sentence, when the verb at i opens the clause that follows a relative
        clause about it: "Zelensky, who met Blinken on Wednesday, indicated ..." (empty otherwise)."""
        words, clause = self.words, self.words[i].clause
        if any(w.lexical for w in words[:i] if w.clause == clause):
            return set()
        sentence = [w for w in words if w.sentence == words[i].sentence]
        if not any(w.text.lower() in ("who", "which") and sentence[0].clause < w.clause < clause for w in sentence):
            return set()
        return self.sentence_subject(i, names)

    def roles(self, i: int, names: list[bool]) -> tuple[set[str], set[str]] | None:
        """Who does what to whom around the verb at i, within its clause: (actor, acted upon; empty
        when not named), or None when no actor is named. The actor of an active verb is the name
        that opens the clause (only stop words before it: "The United States thanked ..."); the one
        acted upon is the nearest name after the verb that is not a place ("in Geneva") or an owner
        ("Ryabkov's suggestion"). A passive verb swaps them: the actor follows "by"."""
        words, clause = self.words, self.words[i].clause
        phrases = self.phrases(names, [w.clause == clause for w in words])
        opening = self.opening(names, clause)
        by = self.passive(i)
        if by is not None:
            actor = next((st for a, b, st in phrases if a > by), None)
            acted = opening[2] if opening and opening[1] < i else None
        elif self.agentless(i):
            return None  # "when Crimea was annexed": who did it, the clause does not say
        else:
            actor = opening[2] if opening and opening[1] < i else None
            if actor is None:
                actor = self.resumed(i, names) or None
            elif any((words[k].lexical and self.verb(k, names)) or words[k].text.lower() in _REPORTING
                            for k in range(opening[1] + 1, i)):
                # "Psaki said Russia can launch": the opening name is not the actor of "launch"; the name
                # right after the reporting verb is, when no other verb stands between
                actor = next((st for a, b, st in phrases if opening[1] < a < i and words[a - 1].text.lower()
                              in _REPORTING and not any(self.verb(k, names) for k in range(b + 1, i)
                                                        if words[k].lexical)), None)
            a, b, acted = next(((a, b, st) for a, b, st in phrases if a > i), (0, 0, None))
            if acted and (words[a - 1].text in PLACE_PREPOSITIONS or words[b].possessive):
                acted = None
        return (actor, acted or set()) if actor else None


_INSIDE_NAMES = frozenset("of for and in on the de".split())  # "Organization for Security and Cooperation in Europe"


def spelled(words: Sequence[Word]) -> list[tuple[frozenset[str], str]]:
    """(stems, acronym) pairs: each acronym written, in capitals, and the initials of each run of two or
    more capitalised words in a clause, small words between them allowed, in lower case. An acronym
    matches only initials and initials only an acronym: "the Council of Europe" is not "Cooperation in
    Europe".

    >>> sorted(i for _, i in spelled(Reading.of("He went to the OSCE in Vienna, the United Kingdom said.").words))
    ['OSCE', 'ov', 'uk']
    """
    found = [(frozenset({w.stem}), w.text) for w in words if len(w.text) >= 2 and w.text.isupper()]
    for start, first in enumerate(words):
        if not (first.capital and first.lexical):
            continue
        stems, initials = [first.stem], first.text[0].lower()
        for w in words[start + 1 :]:
            if w.clause != first.clause or not (w.capital or w.text in _INSIDE_NAMES):
                break
            if w.capital and w.lexical:
                stems.append(w.stem)
                initials += w.text[0].lower()
                found.append((frozenset(stems), initials))
    return found
