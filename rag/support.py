"""Does a span of an article support a sentence of a model's answer? The rules, lexical and
rule-based (no NLI model is obtainable offline), used by rag.citations to verify every citation.

Names and numbers (`Claim.keys`, `Claim.lacks`) a supporting span must contain, every one:
- names: capitalised words other than the first, and the first too when the passages only ever
  write it capitalised (`proper_names`: "Blinken said ..."); short acronyms such as US/UK excepted
  (written U.S., Britain, Washington just as often). A name is also found in a span word it starts
  with ("Ukrainian" in "Ukraine"), not the other way round ("Geneva, Russia" is not in "Russian"),
  except a country and its adjective (rag.terms demonyms: "Russia's" in "Russian", "Canada" in
  "Canadian"), `_ALIASES` (American for US, NATO's French acronym OTAN) and `_CAPITALS` (a capital
  for its country: "Washington suspects" where the span says "the United States suspects", unless the
  claim names the capital as a place: "talks in Moscow"), and acronyms (`_spelled`: "OSCE" for "the
  Organization for Security and Cooperation in Europe", "the United Kingdom" for "the UK");
- numbers as values (`number_value`, `_NUMBER_WORDS`): 100,000 = 100.000 = 100000 and is not 10,000
  (which the old token test let through when the span also had "10" somewhere); "two hours" needs a 2
  ("two" or "2"), "tens of thousands" needs 10 and 1000, "200 billion" needs 10**9.

Contradictions (`Claim.contradicted_by`), checked on spans that cover enough; lexical, no model:
- negation: a cue (not, no, never, n't, nor, neither, none, nothing, nobody, without, cannot; deny,
  refuse, fail, reject; "no longer") governs the next `_NEGATION_REACH` content words of its clause
  (names and -ly adverbs aside; "denied by Russia" governs the words before it, "were rejected by"
  the sentence's subject; "not only" governs nothing; a negated denial, "did not reject", asserts).
  A cue that governs no such word governs the names after it ("had not been in Kiev and Berlin").
  Flipped when the first word a negation governs on one side is asserted, ungoverned, on the other
  ("does not expect a breakthrough" / "expected a breakthrough"), or, when no such first word is
  negated on both sides, when `_NEGATED_SHARED` words negated on one side are asserted on the other
  ("did not overcome sharp disagreements" / "overcame the sharp disagreements"), and, for each
  not/no/never on its own, when the other side does not negate its first word ("does not depend on
  guarantees for its security" / "requires guarantees for its security", both denying something else);
- dates: a day or month with a number beside it ("Wednesday (19)") must not have another number
  beside it in the span ("Wednesday (20)" where the span has Wednesday (19) and Thursday (20)), nor
  that number beside another day only; a day or month must stand in the span's sentence that says
  the claim when that sentence has a date (`_lent_dates`: "in Berlin on Friday" / "in Berlin on
  Thursday. ... on Friday in Geneva"), and a day that sentence lacks must come from a sentence that
  says more of the claim than the day;
- roles, who did what to whom (`_swapped_roles`): for each word of the sentence that looks like a
  verb (after an auxiliary, -ed, -s after a name; not after a determiner or a possessive), is not
  symmetric (meet, talk, negotiate: "X met Y" is "Y met X") and names its actor (the name opening
  its clause with no other verb between; after "by" for a passive verb), each occurrence of that
  word in the span is compared in the span's clause: the actor must not stand only on the side of
  the one acted upon, the one acted upon (the nearest name after the verb, places and owners aside)
  not only on the actor's side, and when the span's clause names its own actor, the sentence's actor
  must be one of the clause's names. ", warned Jen Psaki" (an opening verb before a name) is
  inverted; in "Psaki said Ukraine can launch" the name after the reporting verb acts. One agreeing
  occurrence is enough;
- lent names (`_lent_names`): a window of two sentences must not take the sentence's name from one
  sentence and its deed from the other when that other sentence names someone else before the
  shared words ("Lavrov ... does not expect a breakthrough. Blinken promised ..." does not support
  "Blinken said he does not expect a breakthrough"; "Blinken is expected in Kiev. He was preceded
  there by Joly." does support "Joly preceded Blinken in Kiev"), nor make the lent name the actor of
  words whose clause, in the other sentence, opens with another name (`_acts_elsewhere`);
- noun phrases (`_swapped_adjectives`): "a Ukrainian invasion of Russia" / "a Russian invasion of its
  neighbor": the nationality before a noun the span gives another nationality the claim names;
- sides (`_swapped_objects`): "alongside Russia against Ukraine" / "alongside Ukraine ... Russia": the
  name after alongside/against/toward... must not be another name the claim gives elsewhere;
- open questions (`_only_asked`): a span whose words the claim shares stand mostly in whether/if
  clauses does not support a claim without whether/if ("too early to tell whether X is interested" /
  "it is clear that X is interested");
- places (`_moved_places`): "Zelensky in Berlin" (two names joined by in/at/on/near) needs both in
  one part of a span sentence that has both (parts end at ; : ", and" and subordinate clauses).
- opposites (`_opposed`): a word the claim asserts whose opposite the span asserts, or denies with
  its verb: a short antonym list (`_ANTONYMS`: "accepted" / "rejected", "confirmed" / "denied by",
  "severe" / "mild") and negating prefixes ("acceptable" / "unacceptable"); "non-negotiable" reads
  as a negation of its next word;
- a claim that negates needs a span that negates (`Claim.lacks`): otherwise "..., threats Moscow did
  not downplay" holds on a span covering the rest of it.
Synonyms ("hopes" / "expects", "give" / "provide") are out of reach of these rules. Irregular past
forms read as their verbs (`_IRREGULAR`: "shook" as "shake"), and a name of the claim the span writes
only in lower case is missing ("the Council of Europe" / "the Russia-NATO council").
Names also match: a name the span gives by description (`Reading.described`: "the German capital" for
Berlin, a title the passages give one person, `titles`: "the US Secretary of State" for Blinken where
they write "US Secretary of State Antony Blinken"), a long name one letter apart ("Zelensky" /
"Zelenskiy"), a capital or "the United States" for its country in roles too ("Minsk announced" /
"announced by Belarus"), and, in a span that opens with "He"/"She" (or ends "..., he said"), the person
the sentence before names first (rag.citations; its title counts too). A country, adjective or capital
is a name even as a sentence's first word.

Held out, the latest rounds (tests/test_support.py, LATER_BLIND: claims written by someone who had read
neither these rules nor the other claims, each set run once before it was designed on): after the
fourth round faithful paraphrases kept 29/40 and flips dropped 38/40; after round 5a (windows, acronyms,
titles, country adjectives) 39/40 and 36/40; after round 5b (each negation alone, nationalities before a
noun) 36/40 and 36/40 (37/40 faithful with the 1.5B vouching for reworded sentences).

Why the contradiction rules: coverage and names pass a sentence that flips its fact with the same
words ("Sergei Lavrov said he expected a breakthrough [1]" kept a citation to "... he does not expect
“a breakthrough”"). tests/data/support_claims.jsonl holds claims built from the gold evidence of
evals/qa.jsonl, each cited against the article's chunk that holds its evidence (the article's other
chunks as further passages, tests/test_support.py). Flipped claims must keep no citation,
faithful paraphrases must keep theirs. The rules were designed on the claims from train-question
evidence; the claims from test-question evidence were written after the rules were committed and
run once, the rules left as they were:

                                  train evidence (designed on)    test evidence (held out)
                                  before rules    after           before rules    after
    negation flips dropped           0/12         12/12              0/12          6/12
    number flips dropped             6/10         10/10              4/10          9/10
    name/date flips dropped          8/9           9/9               8/9           8/9
    actor flips dropped              0/9           9/9               1/9           8/9
    faithful paraphrases kept       50/55         54/55             49/55         46/55

A second round fixed what the held-out run found (below; all nine flips, seven of nine paraphrases:
train-evidence paraphrases 54/55, test-evidence 53/55 after it), which made the test claims design data
too. tests/data/support_claims_blind.jsonl was then written from test-question evidence by someone who
had not read these rules, and run once: flips dropped 37/42 (36/42 before the second round), faithful
paraphrases kept 40/45 (36/45), below the 90 % aimed at; what it missed is listed in tests/test_support.py.

Held out, 31 of 40 flips are dropped (was 13) and 46/55 paraphrases kept (was 49): a negated denial
("did not reject", "does not deny") reads as a denial (4 flips), "no longer" and a negation of names
only ("had not been in Kiev") are missed, a day's number or a date can come from the other sentence
of a window, and "X said Y can launch" (no "that") hides Y as the actor; paraphrases are lost to
passive denials read backwards across "that" or an adverb, country/adjective pairs the one-way name
match refuses (Russia's/Russian, Canada's/Canadian), US/American, NATO/OTAN, "denied by" without
"was", and "fears" given the actor of the clause after "that". The lost train paraphrase names "the
US Secretary of State", who is in the chunk before the evidence's. On the dev set above
(re-measured: any citation counts; 19 answerable) positives go from 9/19 to 8/19 (the "tens of
thousands" of q03 now needs its numbers) and negatives stay 0/435. With SmolLM2-135M on the dev
questions (benchmarks/llm_citations.py) 3 of the 12 sentences the old check supported lose their
citation, all three false ("The article does not agree on how many soldiers Russia has deployed",
"the US has rejected Russia's demands for a resolution", "Washington has said it will respond if
Russia invades Ukraine by using its military as an excuse"), and "Russia has accused the United
States of ordering an invasion" is now refused for its swapped roles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rag.spans import sentence_spans
from rag.terms import STOPWORDS, WORD, content_terms, fold_demonyms, is_nationality, stemmer


_SOURCE_MENTION = re.compile(r"\(?\bsources?\s*:\s*[\w.#/-]+\)?", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return stemmer().stemWord(word)


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
_NEGATED_SHARED = 2  # this many terms negated on one side, asserted on the other, flip the sentence
_DENIALS = frozenset({"deni", "refus", "fail", "reject", "avoid"})  # stems: deny/denied, refuse, fail, ...
_CLAUSE_WORDS = frozenset(
    """that which who whom whose where when whether while if because but although though whereas unless
    despite after before since""".split()
)
_CONJUNCTIONS = frozenset("and but while whereas or".split())
_PLACE_PREPOSITIONS = frozenset("in at on near inside".split())
_REPORTING = frozenset("said says say told tells tell".split())  # stop words, but verbs
_ADVERBS = frozenset("still already also now then just even again yet soon later ever".split())
_NOT_NAMES = (STOPWORDS | _CLAUSE_WORDS | _CONJUNCTIONS | _ADVERBS | _NEGATIONS
              | frozenset("today yesterday tomorrow".split()))
_BE = frozenset("is are was were be been being".split())
_AUXILIARIES = _BE | frozenset("has have had will would can could may might must shall should did does do".split())
_DETERMINERS = frozenset("the a an its his her their our my your this that these those of".split())
_PASSIVE_REACH = 8  # "was assured of support against the Russian threat by": "by" at most this many words after
# Stems of verbs whose two sides can swap: "X met Y" is "Y met X".
_SYMMETRIC = frozenset({"meet", "talk", "speak", "negoti", "discuss", "shake"})
# Names a span may write another way: "American" where it says "US", NATO's French acronym, an acronym
# for a word of its name ("the EU" / "the European Union").
_ALIASES = {"us": ("america",), "usa": ("america",), "uk": ("britain",), "eu": ("union",), "un": ("nation",),
            "nato": ("otan",), "otan": ("nato",), "kyiv": ("kiev",), "kiev": ("kyiv",)}
# A capital that stands for its country's government ("Washington suspects", "Moscow's demands"), as
# country stems after fold_demonyms. A span's capital counts for its country always; a claim's capital
# counts as its country only where it is no place ("talks in Moscow" is not "talks in Russia").
_CAPITALS = {_stem(capital): _stem(country) for capital, country in (pair.split(":") for pair in """
    washington:america moscow:russia kiev:ukraine kyiv:ukraine london:britain paris:france berlin:germany
    minsk:belarus beijing:china ottawa:canada warsaw:poland""".split())}
# "from" is left out: "replies from Washington" are the government's
_PLACE_WORDS = _PLACE_PREPOSITIONS | frozenset("to into via through toward towards across visit visited".split())
# Words that say the opposite of each other ("accepted" / "rejected"), as stems: a sentence asserting one
# where its span asserts the other is flipped. A short list of what news about talks and conflicts says
# (WordNet's antonyms would be a system package, Debian's wordnet-base, for a handful of words this list
# has). A prefix flips too (`_NEGATING_PREFIXES`: "unacceptable").
_ANTONYMS = frozenset(frozenset(_stem(w) for w in pair.split("/")) for pair in """
    accept/reject confirm/deny admit/deny acknowledge/reject acknowledge/deny approve/reject agree/refuse
    increase/decrease rise/fall raise/lower
    strengthen/weaken strong/weak severe/mild harsh/mild alarmist/reassuring optimistic/pessimistic
    success/failure succeed/fail win/lose victory/defeat expand/shrink allow/forbid allow/prohibit
    permit/forbid include/exclude support/oppose escalate/deescalate withdraw/deploy advance/retreat
    early/late high/low large/small long/short positive/negative
    friendly/hostile unity/division praise/criticize lift/impose resume/suspend join/leave
    gain/loss buy/sell export/import possible/impossible likely/unlikely easy/difficult hard/easy
    agree/disagree true/false guilty/innocent welcome/condemn calm/tense ease/heighten imminent/distant hope/doubt
    often/rarely often/seldom frequently/rarely always/rarely""".split())
# Words a claim capitalises in a title that articles often write in lower case ("Russia's foreign
# minister"): not required to be capitalised in the span as other names are ("the Council of Europe").
_TITLES = frozenset(_stem(w) for w in """minister secretary president chancellor press foreign state spokesman
    spokeswoman spokesperson chief head general prime deputy defense defence department ambassador director
    commander envoy official vice""".split())
# Past forms a stemmer leaves alone, as their verbs' stems: "avoided shaking hands" / "shook hands".
_IRREGULAR = {past: _stem(verb) for past, verb in (pair.split(":") for pair in """
    shook:shake met:meet spoke:speak took:take gave:give held:hold made:make went:go sent:send told:tell
    left:leave began:begin brought:bring led:lead won:win lost:lose rose:rise fell:fall sold:sell bought:buy
    thought:think knew:know saw:see came:come kept:keep sought:seek struck:strike drew:draw fought:fight
    broke:break chose:choose wrote:write grew:grow threw:throw flew:fly stood:stand withdrew:withdraw""".split())}
_NEGATING_PREFIXES = ("un", "non", "dis", "in", "im", "il", "ir")
_DATES = frozenset(
    _stem(w) for w in """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december""".split()
)  # dates move freely in a sentence: they are never the actors of the role rule


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
    return frozenset(_stem(w) for w in capitalised - lower if w not in _NOT_NAMES and not w.endswith("ly"))


# Lower-case words a title may hold besides _TITLES ("the head of American diplomacy Antony Blinken")
_TITLE_WORDS = frozenset({"of", "diplomaci", "affair", "foreign", "white", "hous"})


def titles(texts: Sequence[str]) -> dict[tuple[str, ...], frozenset[str]]:
    """The titles `texts` give exactly one person, written right before the person's first and last
    name: ("america", "secretari", "of", "state") -> {"antoni", "blinken"} from "US Secretary of State
    Antony Blinken". Stems with countries and aliases folded (`_canonical`: US and American are one).
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
            person = all(w.capital and w.lexical and w.stem not in _TITLES and not _place_name(w.stem)
                         and w.sentence == first.sentence for w in (first, last))
            if not person or (i + 2 < len(words) and words[i + 2].capital and words[i + 2].sentence == first.sentence):
                continue  # a person is two capitalised words exactly: "Antony Blinken", not "Lake Geneva Hotel"
            j = i
            while j > 0 and words[j - 1].sentence == first.sentence and words[j - 1].clause == first.clause and (
                    words[j - 1].stem in _TITLES or words[j - 1].stem in _TITLE_WORDS
                    or (words[j - 1].capital and (not words[j - 1].initial or _place_name(words[j - 1].stem)))):
                j -= 1
            while j < i and words[j].stem == "of":
                j += 1
            title = tuple(_canonical(w.stem) for w in words[j:i])
            # one word ("President") is too general a title to name anyone
            if any(w.stem in _TITLES for w in words[j:i]) and len(set(title) - {"of"}) >= 2:
                people.setdefault(title, set()).add(frozenset({first.stem, last.stem}))
    return {title: next(iter(who)) for title, who in people.items() if len(who) == 1}


def _canonical(stem: str) -> str:
    """One stem for a country and its adjective or alias: "us", "american" -> "america"."""
    folded = fold_demonyms([stem])[0]
    return _ALIASES.get(folded, (folded,))[0] if folded in ("us", "usa") else folded


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
class _Word:
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

    words: tuple[_Word, ...]
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
        return frozenset(w.stem for w in self.words if w.content and w.capital and w.stem not in _DATES
                         ) - self.negated_names

    @classmethod
    def of(cls, text: str) -> Reading:
        words: list[_Word] = []
        numbers: set[str] = set()
        dates: set[tuple[str, str]] = set()
        clause = part = 0
        for sentence, (s, e) in enumerate(sentence_spans(text) or [(0, len(text))]):
            clause, part, first, comma, previous = clause + 1, part + 1, True, False, ("", "")
            for match in _READ.finditer(text, s, e):
                token = match.group()
                if token[0].isdigit():
                    value = number_value(token)
                    numbers.add(value)
                    if previous[0] == "date":
                        dates.add((previous[1], value))
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
                stem = _IRREGULAR.get(lower) or _stem(lower)
                if stem in _DATES and previous[0] == "number":
                    dates.add((stem, previous[1]))
                previous = ("date", stem) if stem in _DATES else ("", "")
                negation = negation or stem in _DENIALS
                if lower == "longer" and words and words[-1].text.lower() == "no" and words[-1].sentence == sentence:
                    negation = True  # "no longer expected": the cue is two words long
                words.append(_Word(token, stem, sentence, clause, part, first, negation, possessive))
                first = comma = False
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
                scope = [j for j in range(i) if words[j].sentence == word.sentence and not words[j].capital]
            governed = [j for j in scope if words[j].polar and not words[j].text.lower().endswith("ly")
                        and (subject or words[j].clause == word.clause)][:1 if word.stem == "non" else _NEGATION_REACH]
            negated.update(governed)
            denied.update(governed[:1])
            if governed and word.stem not in _DENIALS:
                scopes.append(tuple(words[j].stem for j in governed))
            if not governed:  # "had not been in Kiev and Berlin": what it denies are the names
                negated_names.update(j for j in scope if words[j].clause == word.clause and words[j].content
                                     and words[j].capital and words[j].stem not in _DATES)
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
        one of `_ALIASES` (EU is also written European Union); a sentence's first word only if `known`
        as a name, or a country, its adjective or a capital (`_place_name`)."""
        return [
            w.capital and w.content and w.stem not in _DATES
            and not (len(w.text) <= 3 and w.text.isupper() and w.stem not in _ALIASES)
            and (not w.initial or w.stem in known or _place_name(w.stem))
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
        # "European allies", "Russian demands": after a nationality's adjective, a noun
        return text.endswith("ed") or (text.endswith("s") and names[i - 1] and not _adjective(before.stem))

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
                found.append((j, k, {t for t in stems if not _adjective(t)} or stems))
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
        if not any(w.lexical for w in self.words[:i] if w.clause == clause) and any(a == i + 1 for a, b, st in phrases):
            return after, before, next(st for a, b, st in phrases if a == i + 1)
        opening = self.opening(names, clause)
        return before, after, opening[2] if opening and opening[1] < i else set()

    @property
    def abbreviations(self) -> frozenset[str]:
        """The acronyms the text writes, as written ("OSCE"), and those its names spell, in lower case
        ("United Kingdom": "uk"); see `_spelled`."""
        return frozenset(initials for _, initials in _spelled(self.words))

    def described(self, people: dict[tuple[str, ...], frozenset[str]]) -> frozenset[str]:
        """Stems of the names the text gives by description: a capital as "the German capital"
        (`_CAPITALS`), a person by a title the passages give only that person (`titles`: "the US
        Secretary of State" is Blinken where they write "US Secretary of State Antony Blinken").

        >>> sorted(Reading.of("In the German capital, the US Secretary of State spoke.").described(
        ...     {("america", "secretari", "of", "state"): frozenset({"antoni", "blinken"})}))
        ['antoni', 'berlin', 'blinken']
        """
        found: set[str] = set()
        stems = [_canonical(w.stem) for w in self.words]
        for i in range(1, len(stems)):
            if stems[i] == "capit":
                found.update(city for city, country in _CAPITALS.items() if country == stems[i - 1])
        for title, person in people.items():
            n = len(title)
            if any(tuple(stems[i : i + n]) == title for i in range(len(stems) - n + 1)):
                found |= person
        return frozenset(found)

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
            if not all(map(_adjective, stems)) and not (a and self.words[a - 1].text in _PLACE_PREPOSITIONS):
                return frozenset(stems)
        return frozenset()

    def opening(self, names: list[bool], clause: int) -> tuple[int, int, set[str]] | None:
        """The name phrase that opens a clause (only stop words before it), if any."""
        phrases = self.phrases(names, [w.clause == clause for w in self.words])
        if phrases and not any(w.lexical for w in self.words[: phrases[0][0]] if w.clause == clause):
            owner, following = phrases[0], phrases[1:2]
            if self.words[owner[1]].possessive and following and not any(  # "Blinken's counterpart Joly"
                    self.verb(k, names) for k in range(owner[1] + 1, following[0][0])):
                return following[0]
            return phrases[0]
        return None

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
        else:
            actor = opening[2] if opening and opening[1] < i else None
            if actor and any((words[k].lexical and self.verb(k, names)) or words[k].text.lower() in _REPORTING
                            for k in range(opening[1] + 1, i)):
                # "Psaki said Russia can launch": the opening name is not the actor of "launch"; the name
                # right after the reporting verb is, when no other verb stands between
                actor = next((st for a, b, st in phrases if opening[1] < a < i and words[a - 1].text.lower()
                              in _REPORTING and not any(self.verb(k, names) for k in range(b + 1, i)
                                                        if words[k].lexical)), None)
            a, b, acted = next(((a, b, st) for a, b, st in phrases if a > i), (0, 0, None))
            if acted and (words[a - 1].text in _PLACE_PREPOSITIONS or words[b].possessive):
                acted = None
        return (actor, acted or set()) if actor else None


@dataclass(frozen=True)
class Claim:
    """What an answer sentence asserts: its content terms, its names and numbers, which a supporting
    span must contain, every one of them (numbers as values), and its `Reading`.

    >>> sorted(Claim.of("Blinken met Emmanuel Macron in Geneva on 21 January, the US said.").keys)
    ['21', 'emmanuel', 'geneva', 'januari', 'macron']
    >>> Claim.of("Troops are massed there. source: 003_146565a0d1ccb5d0.txt").terms
    ['troop', 'mass']
    >>> sorted(Claim.of("About 100,000 troops, two brigades.").keys)
    ['100000', '2']
    """

    terms: list[str]
    names: frozenset[str]
    reading: Reading
    for_country: frozenset[str] = frozenset()  # capitals named as an actor, not as a place (_CAPITALS)
    spelled: tuple[tuple[frozenset[str], str], ...] = ()  # names as acronyms (`_spelled`): "OSCE", "United Kingdom"

    @property
    def keys(self) -> frozenset[str]:
        return self.names | self.reading.numbers

    @classmethod
    def of(cls, sentence: str, proper: frozenset[str] = frozenset()) -> Claim:
        """`proper`: stems known to be names (`proper_names`), which count even as the first word."""
        sentence = _SOURCE_MENTION.sub(" ", sentence)  # "source: 003_x.txt" copied from the prompt
        names: set[str] = set()
        for_country: set[str] = set()
        previous = ""
        for i, match in enumerate(WORD.finditer(sentence)):
            word = match.group()
            if len(word) <= 3 and word.isupper():
                previous = word.lower()
                continue  # US, UK, EU: written U.S., Britain, European Union just as often
            stem = _stem(word.lower())
            if word[0].isupper() and (i > 0 or stem in proper or _place_name(stem)):
                names.update(content_terms(word))
                if stem in _CAPITALS and previous not in _PLACE_WORDS:
                    for_country.add(stem)
            previous = word.lower()
        reading = Reading.of(sentence)
        return cls(content_terms(sentence), frozenset(names), reading, frozenset(for_country),
                   tuple(_spelled(reading.words)))

    def lacks(self, tokens: frozenset[str], numbers: frozenset[str], negates: bool = True,
              capitalised: frozenset[str] | None = None, abbreviations: frozenset[str] = frozenset()
              ) -> frozenset[str]:
        """The names and numbers of the claim that a span with these tokens and numbers lacks. A name
        is also found when it starts with a token of the span of 4 letters or more: "Ukrainian" in
        "Ukraine" (stems ukrainian, ukrain), "Russian" in "Russia"; not the other way round ("Geneva,
        Russia" is not found in "Russian Foreign Minister"). With the stems the span writes
        `capitalised`, a name must be found among them: "the Council of Europe" is not in "the
        Russia-NATO council". A claim that negates needs a span that `negates` too: "threats that
        Moscow did not downplay" is not said by a sentence without them. A name is found spelled as
        an acronym among the span's `abbreviations` (`Reading.abbreviations`): "the OSCE" in "the
        Organization for Security and Cooperation in Europe", "the United Kingdom" in "the UK"."""
        folded = _equivalents(tokens)
        written = _equivalents(capitalised) if capitalised is not None else None
        abbreviated = set().union(*(stems for stems, initials in self.spelled if initials.swapcase() in abbreviations))
        missing = {n for n in self.names - abbreviated if not self._found(n, tokens, folded) or (
            written is not None and n not in _TITLES and not self._found(n, capitalised, written))}
        # Names alone support nothing: "The capital of Germany is Berlin" against "Blinken will travel
        # to Berlin ... the foreign ministers of Germany" shares both names and no word of what it
        # says about them. A claim with words besides its names needs one of them in the span.
        words = set(self.terms) - self.names
        if words and not words & tokens and not any(any(w.startswith(t) for t in tokens if len(t) >= 4) for w in words):
            missing.add("(" + " ".join(sorted(words)) + ")")
        if self.reading.negates and not negates:
            missing.add("(a negation)")
        return frozenset(missing) | (self.reading.numbers - numbers)

    def _found(self, name: str, tokens: frozenset[str], folded: set[str]) -> bool:
        """Is the name among the tokens (`folded`: their `_equivalents`, "Russia's" in "Russian",
        "Moscow's demands": Russia's)?"""
        return (name in tokens or fold_demonyms([name])[0] in folded or any(
            (len(t) >= 4 and name.startswith(t)) or _spelled_alike(name, t) for t in tokens if t[:1] == name[:1])
            or (name in self.for_country and _CAPITALS[name] in folded))

    def contradicted_by(self, span: Reading, known: frozenset[str] = frozenset()) -> str:
        """Why `span` says otherwise than the claim ("" when nothing shows it): a flipped negation or
        swapped roles. See the module docstring."""
        claim = self.reading
        for day, number in sorted(claim.dates):
            theirs = {n for d, n in span.dates if d == day}
            if theirs and number not in theirs:
                return f"{day} {number}: the span has {day} {', '.join(sorted(theirs))}"
            other = sorted(d for d, n in span.dates if n == number and d != day)
            if not theirs and other:  # "Tuesday (19)" where the span has Tuesday and "Wednesday (19)"
                return f"{day} {number}: the span has {number} beside {other[0]}"
        for no, yes in ((claim.negated_names, span.named), (span.negated_names, claim.named)):
            if no & yes and not claim.negated_names & span.negated_names:
                return "negation flipped: " + ", ".join(sorted(no & yes))
        claim_yes, claim_no = claim.asserted - claim.negated, claim.negated - claim.asserted
        span_yes, span_no = span.asserted - span.negated, span.negated - span.asserted
        flipped = (span.denied & claim_yes - span.asserted) | (claim.denied & span_yes - claim.asserted)
        if not flipped and not claim.denied & span.denied:  # no negated head in common:
            for no, yes in ((span_no, claim_yes), (claim_no, span_yes)):
                if len(no & yes) >= _NEGATED_SHARED:
                    flipped = no & yes
        for side, no, other, yes in ((span, span_no, claim, claim_yes), (claim, claim_no, span, span_yes)):
            for scope in side.scopes if not flipped else ():
                # the same for each not/no/never on its own, whatever else both sides deny: "while denying
                # any warlike intent, ... does not depend on guarantees for its security" / "although it
                # denies any warlike intention, ... requires guarantees for its security"
                if scope[0] not in other.denied and len(set(scope) & no & yes) >= _NEGATED_SHARED:
                    flipped = set(scope) & no & yes
        if flipped:
            return "negation flipped: " + ", ".join(sorted(flipped))
        opposed = _opposed((claim_yes - span.asserted) | (claim.denials - span.denials),
                           (span_yes - claim.asserted) | (span.denials - claim.denials))
        if opposed:
            return "says the opposite: " + " / ".join(opposed)
        known = known | claim.capitals | span.capitals
        return (_swapped_roles(claim, span, known) or _swapped_adjectives(claim, span)
                or _swapped_objects(claim, span, known) or _lent_names(claim, span, known)
                or _moved_places(claim, span, known) or _lent_dates(claim, span) or _only_asked(claim, span))


def _opposed(mine: set[str], theirs: set[str]) -> tuple[str, str] | None:
    """A word asserted on one side only and its opposite asserted on the other only: an antonym
    (`_ANTONYMS`) or the same word under a negating prefix ("acceptable" / "unacceptable").

    >>> _opposed({"accept", "offer"}, {"reject", "offer"}), _opposed({"negoti"}, {"nonnegoti"})
    (('accept', 'reject'), ('negoti', 'nonnegoti'))
    """
    for a in sorted(mine):
        for b in sorted(theirs):
            if frozenset((a, b)) in _ANTONYMS or any(
                    len(short) >= 5 and long == prefix + short for prefix in _NEGATING_PREFIXES
                    for short, long in ((a, b), (b, a))):
                return a, b
    return None


def _swapped_roles(claim: Reading, span: Reading, known: frozenset[str]) -> str:
    """Who did what to whom. For each verb of the claim that names both who acts and who is acted
    upon (`Reading.roles`) and that the span also has, at least one occurrence of it in the span must
    agree: in the span's sentence the claim's actor does not stand only on the side of the one acted
    upon, nor the one acted upon only on the actor's side, and when that sentence names actors of
    the verb, the claim's actor is among the names of that sentence."""
    names, span_names = claim.names(known), span.names(known)
    for i, word in enumerate(claim.words):
        if names[i] or not word.lexical or word.stem in _SYMMETRIC or not claim.verb(i, names):
            continue
        occurrences = [j for j, w in enumerate(span.words) if w.stem == word.stem]
        roles = claim.roles(i, names) if occurrences else None
        if roles is None:
            continue
        actor, acted = roles

        def disagrees(j: int) -> bool:
            a, p, subject = span.sides(j, span_names)
            return ((_overlaps(actor, p) and not _overlaps(actor, a))
                    or (_overlaps(acted, a) and not _overlaps(acted, p))
                    or (bool(subject) and not _overlaps(actor, a | p)))

        if all(disagrees(j) for j in occurrences):
            return f"roles differ: {' '.join(sorted(actor))} / {word.text} / {' '.join(sorted(acted))}"
    return ""


def _swapped_adjectives(claim: Reading, span: Reading) -> str:
    """Who did what in a noun phrase: "a Ukrainian invasion of Russia" where the span says "a Russian
    invasion of its neighbor", "blame it on Russian forces" / "on Ukrainian forces". A noun the claim
    gives a nationality's adjective, which the span writes with other nationalities' adjectives only
    (or none), one of them a country the claim names elsewhere (so the two swapped places), says
    otherwise."""
    def adjective_of(words: Sequence[_Word], i: int) -> str:
        before = words[i - 1] if i else None
        if before is None or before.sentence != words[i].sentence or not _adjective(before.stem):
            return ""
        return fold_demonyms([before.stem])[0]

    claim_countries = {fold_demonyms([w.stem])[0] for w in claim.words if is_nationality(w.stem)}
    for i, word in enumerate(claim.words):
        mine = adjective_of(claim.words, i)
        if not mine or not word.content or word.capital:
            continue
        theirs = {adjective_of(span.words, j) for j, w in enumerate(span.words) if w.stem == word.stem} - {""}
        if theirs and mine not in theirs and (theirs & claim_countries) - {mine}:
            return f"roles differ: {claim.words[i - 1].text} {word.text} / {', '.join(sorted(theirs))}"
    return ""


_SIDED = frozenset("alongside against toward towards behind beside".split())  # whose side: not symmetric


def _swapped_objects(claim: Reading, span: Reading, known: frozenset[str]) -> str:
    """Who stands where: "alongside Russia against Ukraine" / "alongside Ukraine ... Russia". A name after
    a preposition that takes sides (`_SIDED`) in the claim, where the span has another name the claim
    also names after that preposition, and has the claim's name elsewhere, swapped the two."""
    claim_names, span_names = claim.names(known), span.names(known)
    after = lambda words, names, i: {words[i + 1].stem} if i + 1 < len(words) and names[i + 1] else set()
    claim_stems = {w.stem for w, n in zip(claim.words, claim_names) if n}
    span_stems = {w.stem for w, n in zip(span.words, span_names) if n}
    for i, word in enumerate(claim.words):
        mine = after(claim.words, claim_names, i) if word.text.lower() in _SIDED else set()
        if not mine:
            continue
        theirs = set().union(*(after(span.words, span_names, j) for j, w in enumerate(span.words)
                               if w.text.lower() == word.text.lower()))
        if theirs and not _overlaps(mine, theirs) and _overlaps(theirs, claim_stems) and _overlaps(mine, span_stems):
            return f"roles differ: {word.text} {' '.join(sorted(mine))} / {' '.join(sorted(theirs))}"
    return ""


_OPEN_QUESTION = frozenset({"whether", "if"})


def _only_asked(claim: Reading, span: Reading) -> str:
    """A span that only asks whether something is so does not say that it is: "it is too early to tell
    whether the Russian government is sincerely interested in diplomacy" does not support "it is clear
    that the Russian government is sincerely interested in diplomacy". Most of the words the claim
    shares with the span stand in whether/if clauses there, and the claim has no whether/if."""
    if any(w.text.lower() in _OPEN_QUESTION for w in claim.words):
        return ""
    opened = {w.clause for w in span.words if w.text.lower() in _OPEN_QUESTION}
    says = {w.stem for w in claim.words if w.polar}
    shared = [w for w in span.words if w.polar and w.stem in says]
    asked = [w for w in shared if w.clause in opened]
    if opened and len(asked) > len(shared) / 2:
        return "the span only asks whether: " + ", ".join(sorted({w.stem for w in asked}))
    return ""


def _moved_places(claim: Reading, span: Reading, known: frozenset[str]) -> str:
    """"Zelensky in Berlin": two names joined by a preposition of place in the claim must stand in
    one part of a sentence of the span that has both ("... with Zelensky in Kiev, and on Thursday
    with the Germans in Berlin" does not support it). Names in two sentences give no verdict."""
    claim_names, names = claim.names(known), span.names(known)
    words = claim.words
    for i in range(1, len(words) - 1):
        if not (words[i].text in _PLACE_PREPOSITIONS and claim_names[i - 1] and claim_names[i + 1]):
            continue
        who, where = {words[i - 1].stem}, {words[i + 1].stem}
        sentences: dict[int, set[str]] = {}
        parts: dict[int, set[str]] = {}
        for w, name in zip(span.words, names):
            if name:
                sentences.setdefault(w.sentence, set()).add(w.stem)
                parts.setdefault(w.part, set()).add(w.stem)
        together = lambda stems: _overlaps(who, stems) and _overlaps(where, stems)
        if any(map(together, sentences.values())) and not any(map(together, parts.values())):
            return f"{words[i - 1].text} {words[i].text} {words[i + 1].text}: not said together"
    return ""


def _lent_names(claim: Reading, span: Reading, known: frozenset[str]) -> str:
    """A span of two sentences may take a name of the claim from one sentence and what the claim
    says from the other ("Blinken is expected in Kiev. He was preceded there by Joly."), but not when
    the sentence that says it names someone before the words it shares with the claim: then the
    claim gave that sentence's deed to the other sentence's person ("Lavrov said he does not expect a
    breakthrough." + "Blinken promised a response." does not support "Blinken said he does not
    expect a breakthrough")."""
    claim_names, names = claim.names(known), span.names(known)
    says = {w.stem for w, name in zip(claim.words, claim_names) if w.content and not name}
    said_by = {n.stem for n, name in zip(claim.words, claim_names) if name}
    sentences: dict[int, list[int]] = {}
    for i, w in enumerate(span.words):
        sentences.setdefault(w.sentence, []).append(i)
    for lender, words in sentences.items():
        if any(span.words[i].stem in says and not names[i] for i in words):
            continue  # this sentence says part of the claim itself
        elsewhere = {span.words[i].stem for other, ws in sentences.items() if other != lender for i in ws}
        here = {span.words[i].stem for i in words}
        lent = {n for n in said_by if _overlaps({n}, here) and not _overlaps({n}, elsewhere)}
        for other, ws in sentences.items():
            first = next((i for i in ws if span.words[i].stem in says and not names[i]), None)
            if lent and other != lender and first is not None and (any(
                    names[i] and not _overlaps({span.words[i].stem}, said_by) for i in ws if i < first)
                    or _acts_elsewhere(claim, span, lent, ws, claim_names, names)):
                return f"{', '.join(sorted(lent))} named in another sentence than the one that says it"
    return ""


def _acts_elsewhere(claim: Reading, span: Reading, lent: set[str], sentence: list[int], claim_names: list[bool],
                    names: list[bool]) -> bool:
    """Does the claim make a lent name the actor of a word whose clause, in the span's `sentence`, opens
    with another name? ("Antony Blinken set the tone" / "US Secretary of State Antony Blinke has promised
    ... . Russian diplomacy chief Sergei Lavrov set the tone")"""
    for k, word in enumerate(claim.words):
        if not (claim_names[k] and _overlaps({word.stem}, lent)):
            continue
        deeds = {w.stem for m, w in enumerate(claim.words)
                 if m > k and w.clause == word.clause and w.content and not claim_names[m]}
        for j in sentence:
            if span.words[j].stem in deeds and not names[j]:
                opening = span.opening(names, span.words[j].clause)
                if opening and opening[1] < j and not _overlaps(lent, opening[2]):
                    return True
    return False


def _lent_dates(claim: Reading, span: Reading) -> str:
    """A day or month of the claim must stand in the span's sentence that says the claim (the one
    sharing most of its words), unless that sentence names no date: "expected in Berlin on Friday"
    is not supported by "... expected in Berlin on Thursday. ... on Friday in Geneva"."""
    says = {w.stem for w in claim.words if w.polar and w.stem not in _DATES}
    days = {w.stem for w in claim.words if w.stem in _DATES}
    sentences: dict[int, set[str]] = {}
    for w in span.words:
        sentences.setdefault(w.sentence, set()).add(w.stem)
    if not days or not says or len(sentences) < 2:
        return ""
    best = max(sentences.values(), key=lambda stems: len(stems & says))
    theirs = best & _DATES
    if theirs and not days & theirs:
        return f"{', '.join(sorted(days))}: the sentence that says it has {', '.join(sorted(theirs))}"
    for day in sorted(days - theirs) if theirs else ():
        # "Wednesday ... and, on Friday, meet X": a day the sentence that says it lacks must come from a
        # sentence that says something more of the claim, not only the day
        if not any(day in stems and (stems & says) - best for stems in sentences.values() if stems is not best):
            return f"{day}: only another sentence has it, and says nothing else of the claim"
    return ""


_INSIDE_NAMES = frozenset("of for and in on the de".split())  # "Organization for Security and Cooperation in Europe"


def _spelled(words: Sequence[_Word]) -> list[tuple[frozenset[str], str]]:
    """(stems, acronym) pairs: each acronym written, in capitals, and the initials of each run of two or more capitalised words in a clause, small
    words between them allowed, in lower case. An acronym matches only initials and initials only an acronym: "the
    Council of Europe" is not "Cooperation in Europe".

    >>> sorted(i for _, i in _spelled(Reading.of("He went to the OSCE in Vienna, the United Kingdom said.").words))
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


def _overlaps(phrase: set[str], names: set[str]) -> bool:
    """Does a name of `phrase` match one of `names` (equal, or one starts the other, 4 letters or more),
    countries standing for their capitals and adjectives (`_equivalents`: "Minsk announced" is
    "Belarus announced")?"""
    return any(_same_name(n, m) for n in _equivalents(phrase) for m in _equivalents(names))


def _equivalents(stems) -> set[str]:
    """Stems and what they also stand for: a nationality's or a capital's country ("russian",
    "moscow": "russia"), an alias (`_ALIASES`), and "United States" (unit, state) for america.

    >>> sorted(_equivalents({"moscow", "unit", "state"}))
    ['america', 'moscow', 'russia', 'state', 'unit']
    """
    found = set(stems) | set(fold_demonyms(list(stems)))
    found |= {_CAPITALS[t] for t in found if t in _CAPITALS}
    found |= {alias for t in found for alias in _ALIASES.get(t, ())}
    if {"unit", "state"} <= found:
        found.add("america")
    return found


def _place_name(stem: str) -> bool:
    """A country, its adjective or a capital: a name even as a sentence's first word ("Moscow has
    accused ..."), whether or not the passages write it."""
    return stem in _CAPITALS or is_nationality(stem)


def _adjective(stem: str) -> bool:
    """A nationality's adjective ("russian", "european"), not the country's name."""
    return fold_demonyms([stem])[0] != stem


def _spelled_alike(a: str, b: str) -> bool:
    """Two long names one letter apart, as transliterations differ: "Zelensky" / "Zelenskiy". Short
    ones never ("Iran" / "Iraq").

    >>> _spelled_alike("zelenski", "zelenskiy"), _spelled_alike("iran", "iraq"), _spelled_alike("lavrov", "blinken")
    (True, False, False)
    """
    if min(len(a), len(b)) < 7 or abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return a[i + 1:] == b[i + 1:] or a[i + 1:] == b[i:] or a[i:] == b[i + 1:]


def _same_name(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))
