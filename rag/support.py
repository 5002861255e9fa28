"""Does a span of an article support a sentence of a model's answer? The rules, lexical and
rule-based (no NLI model is obtainable offline), used by rag.citations to verify every citation.

Names and numbers (`Claim.keys`, `Claim.lacks`) a supporting span must contain, every one:
- names: capitalised words other than the first, and the first too when the passages only ever
  write it capitalised (`proper_names`: "Blinken said ..."); short acronyms such as US/UK excepted
  (written U.S., Britain, Washington just as often). A name is also found in a span word it starts
  with ("Ukrainian" in "Ukraine"), not the other way round ("Geneva, Russia" is not in "Russian"),
  except a country and its adjective (rag.terms demonyms: "Russia's" in "Russian", "Canada" in
  "Canadian"), `ALIASES` (American for US, NATO's French acronym OTAN) and
  `CAPITALS` (a capital for its country: "Washington suspects" where the span says "the United States
  suspects", unless the claim names the capital as a place: "talks in Moscow"), and acronyms (`spelled`:
  "OSCE" for "the Organization for Security and Cooperation in Europe", "the United Kingdom" for "the UK");
- numbers as values (`number_value`, `_NUMBER_WORDS`): 100,000 = 100.000 = 100000 and is not 10,000
  (which the old token test let through when the span also had "10" somewhere); "two hours" needs a 2
  ("two" or "2"), "tens of thousands" needs 10 and 1000, "200 billion" needs 10**9.

Contradictions (`Claim.contradicted_by`), checked on spans that cover enough; lexical, no model:
- negation: a cue (not, no, never, n't, nor, neither, none, nothing, nobody, without, cannot; deny,
  refuse, fail, reject, dispute, decline; "give up" and stop/halt/cease/quit before an -ing verb; "no
  longer") governs the next `_NEGATION_REACH` content words of its clause
  (names and -ly adverbs aside; "denied by Russia" governs the words before it, "were rejected by"
  the sentence's subject; "not only" governs nothing; a negated denial, "did not reject", asserts; "or"
  and "nor" carry a negation to the word after them: "will not expand ... or deploy forces").
  A cue that governs no such word governs the names after it ("had not been in Kiev and Berlin").
  Flipped when the first word a negation governs on one side is asserted, ungoverned, on the other
  ("does not expect a breakthrough" / "expected a breakthrough"), or, when no such first word is
  negated on both sides, when `_NEGATED_SHARED` words negated on one side are asserted on the other
  ("did not overcome sharp disagreements" / "overcame the sharp disagreements"), and, for each
  not/no/never on its own, when the other side does not negate its first word ("does not depend on
  guarantees for its security" / "requires guarantees for its security", both denying something else);
- dates: a day or month with a number beside it ("Wednesday (19)", or an ordinal after "the": "Thursday
  the 21st") must not have another number beside it in the span ("Wednesday (20)" where the span has
  Wednesday (19) and Thursday (20)), nor that number beside another day only; a day or month must
  stand in the span's sentence that says the claim when that sentence has a date (`_lent_dates`: "in
  Berlin on Friday" / "in Berlin on Thursday. ... on Friday in Geneva"), and a day that sentence lacks
  must come from a sentence that says more of the claim than the day;
- roles, who did what to whom (`_swapped_roles`): for each word of the sentence that looks like a
  verb (after an auxiliary, -ed, -s after a name; not after a determiner or a possessive), is not
  symmetric (meet, talk, negotiate: "X met Y" is "Y met X") and names its actor (the name opening
  its clause with no other verb between; after "by" for a passive verb), each occurrence of that
  word in the span is compared in the span's clause: the actor must not stand only on the side of
  the one acted upon, the one acted upon (the nearest name after the verb, places and owners aside)
  not only on the actor's side, and when the span's clause names its own actor, the sentence's actor
  must be one of the clause's names. ", warned Jen Psaki" (an opening verb before a name) is
  inverted; in "Psaki said Ukraine can launch" the name after the reporting verb acts; a verb after a
  relative clause acts for the name that opens the sentence ("Zelensky, who met Blinken, indicated"); a
  passive without "by" names no actor ("when Crimea was annexed"); the actor of a verb whose subject
  may be what another acts upon (`_ERGATIVE`: "NATO will not expand" / "not to expand NATO") may stand
  after it; right after a name, a word the span writes as a verb is one ("the US and NATO expect"). One
  agreeing occurrence is enough;
- lent names (`_lent_names`): a window of two sentences must not take the sentence's name from one
  sentence and its deed from the other when that other sentence names someone else before the
  shared words ("Lavrov ... does not expect a breakthrough. Blinken promised ..." does not support
  "Blinken said he does not expect a breakthrough"; "Blinken is expected in Kiev. He was preceded
  there by Joly." does support "Joly preceded Blinken in Kiev"), nor make the lent name the actor of
  words whose clause, in the other sentence, opens with another name (`_acts_elsewhere`);
- noun phrases (`_swapped_adjectives`): "a Ukrainian invasion of Russia" / "a Russian invasion of its
  neighbor", "the US government" / "the Russian government": the nationality before a noun the span
  gives another nationality the claim names;
- sides (`_swapped_objects`): "alongside Russia against Ukraine" / "alongside Ukraine ... Russia": the
  name after alongside/against/toward/by, "on" after attack/war/sanctions/blame... or "on the part of"
  ("on Ukraine's part" too), must not be another name the claim gives elsewhere;
- short acronyms (`_swapped_acronyms`): "the commitment of the EU" / "of the US": an acronym the span
  neither writes nor spells, where the span writes another the claim lacks;
- relative times (`_moved_times`): "next month" / "this week", "tomorrow" / "today";
- order (`_reversed_order`): "arrived ahead of Joly" / "was preceded by Joly";
- open questions (`_only_asked`): a span whose words the claim shares stand mostly in whether/if
  clauses does not support a claim without whether/if ("too early to tell whether X is interested" /
  "it is clear that X is interested");
- places (`_moved_places`): "Zelensky in Berlin" (two names joined by in/at/on/near) needs both in
  one part of a span sentence that has both (parts end at ; : ", and" and subordinate clauses).
- opposites (`_opposed`): a word the claim asserts whose opposite the span asserts, or denies with
  its verb: a short antonym list (`_ANTONYMS`: "accepted" / "rejected", "confirmed" / "denied by",
  "severe" / "mild", "ease" / "raise" tensions) and negating prefixes ("acceptable" / "unacceptable");
  "non-negotiable" reads as a negation of its next word; within/inside and beyond/outside the same
  next word are opposed bounds (`_BOUNDS`: "within normal bounds" / "far beyond normal");
- the sentence beside the span (rag.citations): a span that supports part of the claim is not enough
  when the span with its neighbour covers more of it and says otherwise ("..., threats Moscow took
  seriously" / "Moscow downplayed these threats");
- a claim that negates needs a span that negates (`Claim.lacks`): otherwise "..., threats Moscow did
  not downplay" holds on a span covering the rest of it;
- a counterpart does not act (`_counterpart_acts`): a person the span gives only as "his US
  counterpart" (below) must not open a clause of the claim ("Blinken set the tone" / "Lavrov set the
  tone, telling his US counterpart ...").
Synonyms in general ("says" / "claims") are out of reach of these rules; a few words read as one
(rag.reading `_SAME`: "break" / "overcome" / "resolve" an impasse, "deadlock" / "impasse", "halt" /
"stop", "provide" / "present" / "hand over" / "give", "hope" / "expect"), as do British spellings
("organised"). Irregular past forms and participles read as their verbs (`_IRREGULAR`: "shook", "spoken"),
in coverage too (`Claim.shared`, where "the 21st" is also "(21)"), and a name of the claim the span
writes only in lower case is missing ("the Council of Europe" / "the Russia-NATO council").
Names also match: a name the span gives by description (`Reading.described`: "the German capital" for
Berlin, a title the passages give one person, `titles`: "the US Secretary of State" for Blinken where
they write "US Secretary of State Antony Blinken"), a long name one letter apart ("Zelensky" /
"Zelenskiy"), a capital or "the United States" for its country in roles too ("Minsk announced" /
"announced by Belarus"), and, in a span that opens with "He"/"She" (or ends "..., he said"), the person
the sentence before names first (rag.citations; a title there counts in the window of both), and names
given through the one titled person before a "his" (`Reading.related`): "his country" is the country the
passages title him with, "his US counterpart" the one other person they title with that country. A
country, adjective or capital is a name even as a sentence's first word.

Held out, the latest rounds (tests/test_support.py, LATER_BLIND: claims written by someone who had read
neither these rules nor the other claims, each set run once before it was designed on): after the
fourth round faithful paraphrases kept 29/40 and flips dropped 38/40; after round 5a (windows, acronyms,
titles, country adjectives) 39/40 and 36/40; after round 5b (each negation alone, nationalities before a
noun) 36/40 and 36/40 (37/40 faithful with the 1.5B vouching for reworded sentences); after round 5c
(whether-clauses, alongside/against) 37/40 and 38/40; after that, and no repair elsewhere of a sentence
its own passage contradicts, 35/40 and 35/40 (blind8, which round 5d was then designed on); after
round 5d, 34/40 and 37/40 (blind9, which round 5e was then designed on); after round 5e, 27/40 and
36/40, 30/40 faithful with the 1.5B (blind10, freer paraphrases; round 5f was then designed on it); after
round 5f, 39/40 and 37/40 (blind11: round 5g, "the next few days" and "dispute" as a denial); after
round 5g, 37/40 and 37/40 (blind12: round 5h, below); after round 5h, 39/40 and 38/40 (blind13: round 5i,
a day before a clause's opening name, imminent/unlikely); after round 5i, 40/40 and 36/40 (blind14: round
5j, declined / give up / stop doing as denials, hope/fear, hope read as expect); after round 5j, 39/40 and
40/40 (blind15) and 33/40 and 40/40 (blind16: round 5k, coverage read as the rules read words, "his
country" / "his US counterpart", a counterpart does not act); after round 5k, 33/40 and 37/40 (blind17:
round 5l, "Thursday the 21st" as a date, "blame on" and "on Ukraine's part" as sides); after round 5l,
39/40 and 38/40 (blind18: round 5m, ease opposed to raise/stoke, within/inside and beyond/outside the
same word as opposed bounds); after round 5m, 36/40 and 40/40 (blind19).

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
from dataclasses import dataclass

from rag.names import ALIASES, CAPITALS, TITLES, adjective, canonical, equivalents, overlaps, place_name, spelled_alike
from rag.reading import DATES, PLACE_PREPOSITIONS, VERB_STOPWORDS, Reading, Word, number_value, read_stem, spelled
from rag.terms import WORD, content_terms, fold_demonyms, is_nationality, word_stem


_NUMERAL = re.compile(r"\d+(?:st|nd|rd|th)?")  # a term written in digits, ordinals too: "21st", "2022"
_SOURCE_MENTION = re.compile(r"\(?\bsources?\s*:\s*[\w.#/-]+\)?", re.IGNORECASE)
_NEGATED_SHARED = 2  # this many terms negated on one side, asserted on the other, flip the sentence
# Stems of verbs whose two sides can swap: "X met Y" is "Y met X".
_SYMMETRIC = frozenset({"meet", "talk", "speak", "negoti", "discuss", "shake"})
# Stems of verbs whose subject may be what another acts upon: "NATO will not expand" / "not to expand NATO".
_ERGATIVE = frozenset(read_stem(w) for w in """expand grow increase decrease move open close change end begin start
    stop continue improve worsen shift spread develop escalate""".split())
# "from" is left out: "replies from Washington" are the government's
_PLACE_WORDS = PLACE_PREPOSITIONS | frozenset("to into via through toward towards across visit visited".split())
# Words that say the opposite of each other ("accepted" / "rejected"), as stems: a sentence asserting one
# where its span asserts the other is flipped. A short list of what news about talks and conflicts says
# (WordNet's antonyms would be a system package, Debian's wordnet-base, for a handful of words this list
# has). A prefix flips too (`_NEGATING_PREFIXES`: "unacceptable").
_ANTONYMS = frozenset(frozenset(read_stem(w) for w in pair.split("/")) for pair in """
    accept/reject confirm/deny admit/deny acknowledge/reject acknowledge/deny approve/reject agree/refuse
    increase/decrease rise/fall raise/lower
    strengthen/weaken strong/weak severe/mild harsh/mild alarmist/reassuring optimistic/pessimistic
    success/failure succeed/fail win/lose victory/defeat expand/shrink allow/forbid allow/prohibit
    permit/forbid include/exclude support/oppose escalate/deescalate withdraw/deploy advance/retreat
    early/late high/low large/small long/short positive/negative
    friendly/hostile unity/division praise/criticize lift/impose resume/suspend join/leave
    gain/loss buy/sell export/import possible/impossible likely/unlikely easy/difficult hard/easy
    agree/disagree true/false guilty/innocent welcome/condemn calm/tense imminent/distant
    ease/increase ease/heighten ease/raise ease/stoke
    hope/doubt hope/fear praise/lament downplay/serious precede/follow hastily/advance imminent/unlikely
    often/rarely often/seldom frequently/rarely always/rarely""".split())
_NEGATING_PREFIXES = ("un", "non", "dis", "in", "im", "il", "ir")
# Inside or outside the bounds of a measure: "within normal bounds" / "far beyond normal". Opposed only over
# the same next word, as "beyond" also means "besides" ("Beyond the talks, ..."). Stem: side.
_BOUNDS = {"within": "in", "insid": "in", "beyond": "out", "outsid": "out"}


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
    for_country: frozenset[str] = frozenset()  # capitals named as an actor, not as a place (CAPITALS)
    spelled: tuple[tuple[frozenset[str], str], ...] = ()  # names as acronyms (`spelled`): "OSCE", "United Kingdom"

    @property
    def keys(self) -> frozenset[str]:
        return self.names | self.reading.numbers

    @property
    def names_only(self) -> bool:
        """Is the sentence nothing but names, numbers and stop words other than verbs ("Friday.", "The US
        Secretary of State.", "2014", "Yes.")? It says nothing a span can be checked against: what it
        claims is the question's, "Friday" answering "On which weekday had they spoken?" is supported by
        any span that holds a Friday.

        >>> [Claim.of(s).names_only for s in ("The US Secretary of State.", "2014", "Blinken met Lavrov.")]
        [True, True, False]
        >>> [Claim.of(s).names_only for s in ("Blinken will be in Ukraine on Wednesday.", "Ryabkov is Russia's deputy.")]
        [False, False]
        """
        words = self.reading.words  # numbers are not among them: "2014" is numbers alone
        return bool(words or self.reading.numbers) and not any(
            (w.lexical and not w.capital) or w.text.lower() in VERB_STOPWORDS for w in words)

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
            stem = word_stem(word.lower())
            if word[0].isupper() and (i > 0 or stem in proper or place_name(stem)):
                names.update(content_terms(word))
                if stem in CAPITALS and previous not in _PLACE_WORDS:
                    for_country.add(stem)
            previous = word.lower()
        reading = Reading.of(sentence)
        return cls(content_terms(sentence), frozenset(names), reading, frozenset(for_country),
                   tuple(spelled(reading.words)))

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
        folded = equivalents(tokens)
        written = equivalents(capitalised) if capitalised is not None else None
        abbreviated = set().union(*(stems for stems, initials in self.spelled if initials.swapcase() in abbreviations))
        missing = {n for n in self.names - abbreviated if not self._found(n, tokens, folded) or (
            written is not None and n not in TITLES and not self._found(n, capitalised, written))}
        # Names alone support nothing: "The capital of Germany is Berlin" against "Blinken will travel
        # to Berlin ... the foreign ministers of Germany" shares both names and no word of what it
        # says about them. A claim with words besides its names needs one of them in the span.
        words = set(self.terms) - self.names
        if words and not words & tokens and not any(any(w.startswith(t) for t in tokens if len(t) >= 4) for w in words):
            missing.add("(" + " ".join(sorted(words)) + ")")
        if self.reading.negates and not negates:
            missing.add("(a negation)")
        return frozenset(missing) | (self.reading.numbers - numbers)

    def shared(self, tokens: frozenset[str], span: Reading) -> set[str]:
        """The claim's terms a span with these tokens holds, also as the rules read words (`read_stem`:
        "spoken" in "spoke", "break the deadlock" in "resolve the impasse") and ordinals as numbers ("the
        21st" in "(21)"): what its coverage counts."""
        stems = {w.stem for w in span.words}
        read = {word_stem(w.text.lower()) for w in self.reading.words if w.stem in stems}
        numbers = {t for t in self.terms if _NUMERAL.fullmatch(t) and number_value(t) in span.numbers}
        return set(self.terms) & (tokens | read | numbers)

    def _found(self, name: str, tokens: frozenset[str], folded: set[str]) -> bool:
        """Is the name among the tokens (`folded`: their `equivalents`, "Russia's" in "Russian",
        "Moscow's demands": Russia's)?"""
        return (name in tokens or fold_demonyms([name])[0] in folded or any(
            (len(t) >= 4 and name.startswith(t)) or spelled_alike(name, t) for t in tokens if t[:1] == name[:1])
            or (name in self.for_country and CAPITALS[name] in folded))

    def contradicted_by(self, span: Reading, known: frozenset[str] = frozenset(),
                        counterparts: frozenset[str] = frozenset()) -> str:
        """Why `span` says otherwise than the claim ("" when nothing shows it): a flipped negation or
        swapped roles. See the module docstring. `counterparts`: people the span gives only as its
        subject's counterpart (`Reading.related`: "his US counterpart")."""
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
        if not flipped:  # the same for each not/no/never on its own, whatever else both sides deny:
            # "while denying any warlike intent, ... does not depend on guarantees for its security" /
            # "although it denies any warlike intention, ... requires guarantees for its security"
            sides = ((span, span_no, claim, claim_yes), (claim, claim_no, span, span_yes))
            flipped = next((set(scope) & no & yes for side, no, other, yes in sides for scope in side.scopes
                            if scope[0] not in other.denied and len(set(scope) & no & yes) >= _NEGATED_SHARED), set())
        if flipped:
            return "negation flipped: " + ", ".join(sorted(flipped))
        opposed = _opposed((claim_yes - span.asserted) | (claim.denials - span.denials),
                           (span_yes - claim.asserted) | (span.denials - claim.denials))
        opposed = opposed or _crossed_bounds(_bounds(claim, claim_yes - span.asserted), _bounds(span, span_yes))
        if opposed:
            return "says the opposite: " + " / ".join(opposed)
        known = known | claim.capitals | span.capitals
        return (_swapped_roles(claim, span, known) or _counterpart_acts(claim, span, counterparts, known)
                or _swapped_adjectives(claim, span)
                or _swapped_objects(claim, span, known) or _lent_names(claim, span, known)
                or _moved_places(claim, span, known) or _lent_dates(claim, span) or _only_asked(claim, span)
                or _swapped_acronyms(claim, span) or _moved_times(claim, span) or _reversed_order(claim, span, known))


def _counterpart_acts(claim: Reading, span: Reading, counterparts: frozenset[str], known: frozenset[str]) -> str:
    """"His US counterpart" is not who acts: a person the span gives only as someone's counterpart
    (`Reading.related`) must not open a clause of the claim ("Blinken set the tone" / "Lavrov set the
    tone, telling his US counterpart ..."), which would make him that someone."""
    only = {n for n in counterparts if not overlaps({n}, {w.stem for w in span.words})}
    names = claim.names(known)
    for clause in sorted({w.clause for w in claim.words}) if only else ():
        opening = claim.opening(names, clause)
        if opening and overlaps(opening[2], only):
            return f"{' '.join(sorted(opening[2]))}: only as its subject's counterpart in the span"
    return ""


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


def _bounds(reading: Reading, asserted: set[str]) -> set[tuple[str, str]]:
    """(side, the next word) for each asserted bound (`_BOUNDS`).

    >>> sorted(_bounds(Reading.of("Drills were within normal bounds"), {"within"}))
    [('in', 'normal')]
    """
    words = reading.words
    marks = [i for i, w in enumerate(words) if w.stem in _BOUNDS and w.stem in asserted]
    after = {i: next((v for v in words[i + 1:] if v.polar), None) for i in marks}  # "within the zone": zone
    return {(_BOUNDS[words[i].stem], a.stem) for i, a in after.items() if a and a.clause == words[i].clause}


def _crossed_bounds(mine: set[tuple[str, str]], theirs: set[tuple[str, str]]) -> tuple[str, str] | None:
    """A bound one side puts inside what the other puts outside, and not inside too ("within normal" /
    "beyond normal")."""
    for side, word in sorted(mine - theirs):
        other = "out" if side == "in" else "in"
        if (other, word) in theirs:
            return f"{side}side {word}", f"{other}side {word}"
    return None


def _swapped_roles(claim: Reading, span: Reading, known: frozenset[str]) -> str:
    """Who did what to whom. For each verb of the claim that names both who acts and who is acted
    upon (`Reading.roles`) and that the span also has, at least one occurrence of it in the span must
    agree: in the span's sentence the claim's actor does not stand only on the side of the one acted
    upon, nor the one acted upon only on the actor's side, and when that sentence names actors of
    the verb, the claim's actor is among the names of that sentence."""
    names, span_names = claim.names(known), span.names(known)
    for i, word in enumerate(claim.words):
        if names[i] or not word.lexical or word.stem in _SYMMETRIC:
            continue
        occurrences = [j for j, w in enumerate(span.words) if w.stem == word.stem]
        # "the US and NATO expect": a plural's verb has no -s; right after a name, a word the span
        # writes as a verb is one
        if not (claim.verb(i, names) or (i and names[i - 1] and not claim.words[i - 1].possessive
                                         and any(span.verb(j, span_names) for j in occurrences))):
            continue
        roles = claim.roles(i, names) if occurrences else None
        if roles is None:
            continue
        actor, acted = roles

        def disagrees(j: int) -> bool:
            a, p, subject = span.sides(j, span_names)
            return ((overlaps(actor, p) and not overlaps(actor, a) and word.stem not in _ERGATIVE)
                    or (overlaps(acted, a) and not overlaps(acted, p))
                    or (bool(subject) and not overlaps(actor, a | p)))

        if all(disagrees(j) for j in occurrences):
            return f"roles differ: {' '.join(sorted(actor))} / {word.text} / {' '.join(sorted(acted))}"
    return ""


# "the US government": country acronyms as fold_demonyms folds adjectives (their rag.names alias)
_COUNTRY_ACRONYMS = {acronym.upper(): ALIASES[acronym][0] for acronym in ("us", "usa", "uk")}


def _swapped_adjectives(claim: Reading, span: Reading) -> str:
    """Who did what in a noun phrase: "a Ukrainian invasion of Russia" where the span says "a Russian
    invasion of its neighbor", "blame it on Russian forces" / "on Ukrainian forces". A noun the claim
    gives a nationality's adjective, which the span writes with other nationalities' adjectives only
    (or none), one of them a country the claim names elsewhere (so the two swapped places), says
    otherwise."""
    def adjective_of(words: Sequence[Word], i: int) -> str:
        before = words[i - 1] if i else None
        if before is None or before.sentence != words[i].sentence:
            return ""
        if before.text in _COUNTRY_ACRONYMS:
            return _COUNTRY_ACRONYMS[before.text]
        return fold_demonyms([before.stem])[0] if adjective(before.stem) else ""

    claim_countries = {fold_demonyms([w.stem])[0] for w in claim.words if is_nationality(w.stem)}
    for i, word in enumerate(claim.words):
        mine = adjective_of(claim.words, i)
        if not mine or not word.content or word.capital:
            continue
        theirs = {adjective_of(span.words, j) for j, w in enumerate(span.words) if w.stem == word.stem} - {""}
        if theirs and mine not in theirs and (theirs & claim_countries) - {mine}:
            return f"roles differ: {claim.words[i - 1].text} {word.text} / {', '.join(sorted(theirs))}"
    return ""


# whose side, and who acts ("drills announced by Belarus"): not symmetric
_SIDED = frozenset("alongside against toward towards behind beside by".split())
# "an attack on Ukraine", "an attack they will blame on Russia": "on" takes a side after these (stems)
_HOSTILE = frozenset(read_stem(w) for w in
                     "attack strike assault invasion offensive sanctions pressure war blame".split())


def _sided(words: Sequence[Word], i: int) -> str:
    """The preposition at i when it takes sides (`_SIDED`, "on" after `_HOSTILE`, "on the part of"), else ""."""
    text = words[i].text.lower()
    if text in _SIDED or (text == "on" and i and words[i - 1].stem in _HOSTILE):
        return text
    if text == "of" and i and words[i - 1].text.lower() == "part":  # "behaviour on the part of Russia"
        return "part of"
    return ""


def _swapped_objects(claim: Reading, span: Reading, known: frozenset[str]) -> str:
    """Who stands where: "alongside Russia against Ukraine" / "alongside Ukraine ... Russia"; who acts:
    "announced by Russia" / "announced by Belarus"; "an attack on Russia" / "an attack on Ukraine". A name
    after a preposition that takes sides (`_sided`) in the claim, where the span has another name the
    claim also names after that preposition, and has the claim's name elsewhere, swapped the two."""
    claim_names, span_names = claim.names(known), span.names(known)
    claim_stems = {w.stem for w, n in zip(claim.words, claim_names) if n}
    span_stems = {w.stem for w, n in zip(span.words, span_names) if n}

    def named_on(words: Sequence[Word], names: list[bool]) -> dict[str, set[str]]:
        """side -> every name right after it ("drills by Russia and Belarus, announced by Belarus")"""
        sides: dict[str, set[str]] = {}
        for i in range(len(words) - 1):
            side = _sided(words, i)
            if side and names[i + 1]:
                sides.setdefault(side, set()).add(words[i + 1].stem)
            if i and words[i - 1].text.lower() == "on" and names[i] and words[i].possessive and (
                    words[i + 1].text.lower() == "part"):  # "on Ukraine's part" is "on the part of Ukraine"
                sides.setdefault("part of", set()).add(words[i].stem)
        return sides

    span_sides = named_on(span.words, span_names)
    for side, mine in named_on(claim.words, claim_names).items():
        theirs = span_sides.get(side, set())
        if theirs and not overlaps(mine, theirs) and overlaps(theirs, claim_stems) and overlaps(mine, span_stems):
            return f"roles differ: {side} {' '.join(sorted(mine))} / {' '.join(sorted(theirs))}"
    return ""


def _swapped_acronyms(claim: Reading, span: Reading) -> str:
    """A short acronym for another body: "the commitment of the EU" where the span has "of the US".
    Acronyms of two or three letters are no names a span must hold (`Claim.of`: the US is written
    U.S., America or Washington as often), but one the span neither writes nor spells, where the span
    writes another the claim lacks, stands in that one's place."""
    def short(reading: Reading) -> set[str]:
        return {canonical(w.stem) for w in reading.words if 2 <= len(w.text) <= 3 and w.text.isupper()}
    mine, theirs = short(claim), short(span)
    spelled_out = equivalents(frozenset(a.lower() for a in span.abbreviations) | {w.stem for w in span.words})
    lacking, instead = mine - theirs - spelled_out, theirs - mine
    if lacking and instead:
        return f"{', '.join(sorted(lacking))} where the span has {', '.join(sorted(instead))}"
    return ""


_PERIODS = frozenset("day week weekend month year".split())
_RELATIVE = {"this": "this", "next": "next", "coming": "next", "last": "last", "past": "last"}
_DAYS_AROUND = frozenset("today tonight tomorrow yesterday".split())


def _times(reading: Reading) -> set[str]:
    """The times a sentence gives relative to its day: "this week", "next month" ("the coming month"
    is next month), "the next few days", "today"."""
    words = [w.text.lower() for w in reading.words]
    found = {w for w in words if w in _DAYS_AROUND}
    for i, w in enumerate(words[:-1]):
        few = "few " if words[i + 1] == "few" else ""  # "in the next few days"
        unit = i + 1 + bool(few)
        if w in _RELATIVE and unit < len(words) and reading.words[unit].stem in _PERIODS:
            found.add(f"{_RELATIVE[w]} {few}{reading.words[unit].stem}")
    return found


def _moved_times(claim: Reading, span: Reading) -> str:
    """"A written response next month" where the span says "this week": a time relative to the day of
    writing that the span gives otherwise (and not as well)."""
    mine, theirs = _times(claim), _times(span)
    if mine and theirs and not mine & theirs:
        return f"{', '.join(sorted(mine))}: the span has {', '.join(sorted(theirs))}"
    return ""


_ORDER_REACH = 6  # words after "by" in which the name stands: "by his Canadian counterpart Mélanie Joly"


def _reversed_order(claim: Reading, span: Reading, known: frozenset[str]) -> str:
    """Who came first: "He arrived there ahead of Joly" where the span says "He was preceded there by
    Joly" (the name after "ahead of" comes later, the one after "preceded by" earlier)."""
    def named_after(reading: Reading, first: str, second: str) -> set[str]:
        words = reading.words
        marks = [k for i, w in enumerate(words) if w.text.lower() == first
                 for k in range(i + 1, min(i + 5, len(words)))  # "preceded there on Tuesday by"
                 if words[k].text.lower() == second and words[k].clause == w.clause]
        if not marks:  # (most sentences: no need to find their names)
            return set()
        names = reading.names(known)
        return {words[j].stem for k in marks for j in range(k + 1, min(k + 1 + _ORDER_REACH, len(words)))
                if names[j] and words[j].clause == words[k].clause}
    for mine, theirs in ((("ahead", "of"), ("preceded", "by")), (("preceded", "by"), ("ahead", "of"))):
        both = named_after(claim, *mine) & named_after(span, *theirs)
        if both:
            return f"order reversed: {' '.join(mine)} / {' '.join(theirs)} {', '.join(sorted(both))}"
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
        if not (words[i].text in PLACE_PREPOSITIONS and claim_names[i - 1] and claim_names[i + 1]):
            continue
        who, where = {words[i - 1].stem}, {words[i + 1].stem}
        sentences: dict[int, set[str]] = {}
        parts: dict[int, set[str]] = {}
        for w, name in zip(span.words, names):
            if name:
                sentences.setdefault(w.sentence, set()).add(w.stem)
                parts.setdefault(w.part, set()).add(w.stem)
        together = lambda stems: overlaps(who, stems) and overlaps(where, stems)
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
        lent = {n for n in said_by if overlaps({n}, here) and not overlaps({n}, elsewhere)}
        for other, ws in sentences.items():
            first = next((i for i in ws if span.words[i].stem in says and not names[i]), None)
            if lent and other != lender and first is not None and (any(
                    names[i] and not overlaps({span.words[i].stem}, said_by) for i in ws if i < first)
                    or _acts_elsewhere(claim, span, lent, ws, claim_names, names)):
                return f"{', '.join(sorted(lent))} named in another sentence than the one that says it"
    return ""


def _acts_elsewhere(claim: Reading, span: Reading, lent: set[str], sentence: list[int], claim_names: list[bool],
                    names: list[bool]) -> bool:
    """Does the claim make a lent name the actor of a word whose clause, in the span's `sentence`, opens
    with another name? ("Antony Blinken set the tone" / "US Secretary of State Antony Blinke has promised
    ... . Russian diplomacy chief Sergei Lavrov set the tone")"""
    for k, word in enumerate(claim.words):
        if not (claim_names[k] and overlaps({word.stem}, lent)):
            continue
        deeds = {w.stem for m, w in enumerate(claim.words)
                 if m > k and w.clause == word.clause and w.content and not claim_names[m]}
        for j in sentence:
            if span.words[j].stem in deeds and not names[j]:
                opening = span.opening(names, span.words[j].clause)
                if opening and opening[1] < j and not overlaps(lent, opening[2]):
                    return True
    return False


def _lent_dates(claim: Reading, span: Reading) -> str:
    """A day or month of the claim must stand in the span's sentence that says the claim (the one
    sharing most of its words), unless that sentence names no date: "expected in Berlin on Friday"
    is not supported by "... expected in Berlin on Thursday. ... on Friday in Geneva"."""
    says = {w.stem for w in claim.words if w.polar and w.stem not in DATES}
    days = {w.stem for w in claim.words if w.stem in DATES}
    sentences: dict[int, set[str]] = {}
    for w in span.words:
        sentences.setdefault(w.sentence, set()).add(w.stem)
    if not days or not says or len(sentences) < 2:
        return ""
    best = max(sentences.values(), key=lambda stems: len(stems & says))
    theirs = best & DATES
    if theirs and not days & theirs:
        return f"{', '.join(sorted(days))}: the sentence that says it has {', '.join(sorted(theirs))}"
    for day in sorted(days - theirs) if theirs else ():
        # "Wednesday ... and, on Friday, meet X": a day the sentence that says it lacks must come from a
        # sentence that says something more of the claim, not only the day
        if not any(day in stems and (stems & says) - best for stems in sentences.values() if stems is not best):
            return f"{day}: only another sentence has it, and says nothing else of the claim"
    return ""
