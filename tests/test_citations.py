"""rag.citations.CitationStream: markers held back and verified per sentence, text never rewritten.

Tested the private-gpt way: a scripted model output is fed one character at a time (and in random
chunk sizes); every emitted piece only ever extends what was emitted before, the concatenation is
the final text, and each citation quotes its article exactly.
"""

from __future__ import annotations

import random

import pytest

from rag.citations import RESCUE_PROBABILITY, SUPPORT_THRESHOLD, CitationStream, could_be_marker, parse_marker
from rag.terms import word_stem
from rag.reading import Reading
from rag.support import Claim
from rag.schema import Passage
from rag.terms import TermWeights, content_terms

INTRO = "Wire report, Monday.\n\n"
ARTICLES = {
    "a.txt": INTRO
    + "Blinken will meet Lavrov in Geneva on Friday. The talks are expected to last two hours. "
    "White House press secretary Jen Psaki warned that an attack was imminent.",
    "b.txt": "Ukraine estimates that about 100,000 Russian troops are massed on the border. "
    "Washington announced 200 million dollars in additional security aid. The U.S. said the aid was defensive.",
    "c.txt": "Canada's foreign minister Melanie Joly visited Kiev on Tuesday. She met President Zelensky.",
}
# Passage 1 is only part of a.txt (it starts after the intro): spans must stay inside it.
P1_START = len(INTRO)
PASSAGES = [
    Passage("a.txt", P1_START, len(ARTICLES["a.txt"]), ARTICLES["a.txt"][P1_START:], 1.0),
    Passage("b.txt", 0, len(ARTICLES["b.txt"]), ARTICLES["b.txt"], 0.9),
    Passage("c.txt", 0, len(ARTICLES["c.txt"]), ARTICLES["c.txt"], 0.8),
]
WEIGHTS = TermWeights({}, 10)  # every term weighs the same: the tests reason in plain term counts


def new_stream() -> CitationStream:
    return CitationStream(PASSAGES, WEIGHTS)


def run(pieces: list[str]) -> tuple[CitationStream, list[str]]:
    """Feed the pieces; check the never-rewritten invariant at every step; return the stream and
    the cumulative texts shown after each step."""
    cs = new_stream()
    shown, history = "", []
    for piece in pieces:
        out = cs.feed(piece)
        before = shown
        shown += out
        assert shown.startswith(before)  # only ever appended to
        assert shown == cs.text
        history.append(shown)
    shown += cs.finish()
    history.append(shown)
    assert shown == cs.text
    for prefix in history:
        assert shown.startswith(prefix)
    return cs, history


def by_char(text: str) -> list[str]:
    return list(text)


def random_chunks(text: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces, i = [], 0
    while i < len(text):
        n = rng.randint(1, 7)
        pieces.append(text[i : i + n])
        i += n
    return pieces


def assert_exact(cs: CitationStream) -> None:
    for c in cs.citations:
        assert c.quote == ARTICLES[c.source][c.start : c.end]
        assert f"[{c.marker}]" in cs.text
    assert len({c.marker for c in cs.citations}) == len(cs.citations)


MODEL = (
    "Blinken meets Lavrov in Geneva on Friday [1]. "
    "About 100,000 Russian troops are massed on the border [2].\n\n"
    "The talks should last two hours [1]"
)


def test_character_by_character_markers_are_verified_and_moved_after_the_sentence():
    cs, history = run(by_char(MODEL))
    assert cs.text == (
        "Blinken meets Lavrov in Geneva on Friday. [1] "
        "About 100,000 Russian troops are massed on the border. [2]\n\n"
        "The talks should last two hours [3]"
    )
    assert [c.quote for c in cs.citations] == [
        "Blinken will meet Lavrov in Geneva on Friday.",
        "Ukraine estimates that about 100,000 Russian troops are massed on the border.",
        "The talks are expected to last two hours.",
    ]
    assert cs.stats == {"kept": 3, "repaired": 0, "dropped": 0, "added": 0}
    assert cs.unsupported == []
    assert_exact(cs)
    # A sentence is shown only once it has ended and been verified, then whole, with its marker.
    assert all(h == "" for h in history[: MODEL.index("About")])
    assert history[MODEL.index("About")] == "Blinken meets Lavrov in Geneva on Friday. [1]"


def test_an_unsupported_sentence_is_never_shown_while_it_streams():
    model = "Blinken meets Lavrov in Geneva on Friday [1]. Lavrov expected a breakthrough in Paris [1]."
    cs, history = run(by_char(model))
    assert cs.text == "Blinken meets Lavrov in Geneva on Friday. [1]"
    assert not any("breakthrough" in h for h in history)
    assert cs.unsupported == ["Lavrov expected a breakthrough in Paris."]


@pytest.mark.parametrize("seed", range(25))
def test_random_chunk_sizes_give_the_same_answer(seed):
    reference, _ = run(by_char(MODEL))
    cs, _ = run(random_chunks(MODEL, seed))
    assert cs.text == reference.text
    assert cs.citations == reference.citations
    assert cs.stats == reference.stats


@pytest.mark.parametrize(
    "pieces",
    [
        ["Blinken meets Lavrov in Geneva on Friday ", "[", "1", "]", "."],
        ["Blinken meets Lavrov in Geneva on Friday [", "1]."],
        ["Blinken meets Lavrov in Geneva on Friday", " [1", "]", "."],
        ["Blinken meets Lavrov in Geneva on Friday.", " ", "[", "1", "]"],
        ["Blinken meets Lavrov in Geneva on Friday.[1]"],
        ["Blinken meets Lavrov in Geneva on Friday [ 1 ]."],
        ["Blinken meets Lavrov in Geneva on Friday [Passage 1]."],
    ],
)
def test_markers_split_across_deltas_or_written_differently(pieces):
    cs, _ = run(pieces)
    assert cs.text == "Blinken meets Lavrov in Geneva on Friday. [1]"
    assert cs.citations[0].quote == "Blinken will meet Lavrov in Geneva on Friday."
    assert_exact(cs)


def test_several_markers_in_one_sentence():
    cs, _ = run(by_char("Blinken meets Lavrov on Friday and 100,000 troops are massed [1, 2]. Next [1][2]"))
    # Each passage covers half of the sentence's terms (>= 0.5): both are kept, each on its own span.
    assert cs.text == "Blinken meets Lavrov on Friday and 100,000 troops are massed. [1][2]"
    assert [c.source for c in cs.citations] == ["a.txt", "b.txt"]
    assert_exact(cs)
    assert cs.unsupported == ["Next"] and cs.stats == {"kept": 2, "repaired": 0, "dropped": 2, "added": 0}


def test_marker_in_the_middle_of_a_sentence_goes_to_its_end():
    cs, _ = run(by_char("Blinken [1] meets Lavrov in Geneva on Friday. Psaki warned of an imminent attack [1]."))
    assert cs.text == (
        "Blinken meets Lavrov in Geneva on Friday. [1] Psaki warned of an imminent attack. [2]"
    )
    assert_exact(cs)


def test_marker_to_a_passage_that_does_not_exist_is_dropped_and_the_sentence_flagged():
    cs, _ = run(by_char("Blinken meets Lavrov in Geneva on Friday [9]. Psaki warned of an imminent attack [1]."))
    assert cs.text == "Psaki warned of an imminent attack. [1]"  # the unsupported sentence is not shown
    assert cs.unsupported == ["Blinken meets Lavrov in Geneva on Friday."]
    assert cs.stats["dropped"] == 1 and cs.stats["kept"] == 1
    assert [d.reason for d in cs.decisions if d.outcome == "dropped"] == ["points to no passage"]
    assert "[9]" not in cs.text


def test_true_sentence_citing_the_wrong_passage_is_repaired():
    sentence = "Washington announced 200 million dollars in security aid"
    cs = new_stream()
    assert cs.coverage_in(sentence, 1) < SUPPORT_THRESHOLD <= cs.coverage_in(sentence, 2)
    cs, _ = run(by_char(sentence + " [1]."))
    assert cs.text == sentence + ". [1]"
    assert cs.citations[0].source == "b.txt"
    assert cs.citations[0].quote == "Washington announced 200 million dollars in additional security aid."
    assert cs.stats == {"kept": 0, "repaired": 1, "dropped": 0, "added": 0}
    assert cs.unsupported == []


def test_a_sentence_its_own_passage_contradicts_is_not_repaired_elsewhere():
    # blind5-actor-06: "a possible Ukrainian invasion of Russia", cited to the passage that says the
    # reverse, was once repaired to a passage that shares most of its words but not the invasion
    said = "Washington says Russia could invade Ukraine at any moment."
    other = "Washington says troops from Ukraine and Russia could move at any moment."
    stream = CitationStream([Passage("a.txt", 0, len(said), said, 1.0), Passage("b.txt", 0, len(other), other, 0.9)],
                            WEIGHTS)
    sentence = "Washington says Ukraine could invade Russia at any moment"
    assert stream.coverage_in(sentence, 2) >= SUPPORT_THRESHOLD  # enough words for a repair
    stream.feed(sentence + " [1].")
    stream.finish()
    assert stream.citations == [] and stream.stats["repaired"] == 0
    assert [d.reason for d in stream.decisions] == ["passage 1: roles differ: ukrain / invade / russia"]


def test_sentence_no_passage_supports_gets_no_marker_and_is_listed():
    cs, _ = run(by_char("Blinken and Lavrov signed a peace treaty in Vienna [1]."))
    assert cs.text == ""  # never shown as an answer
    assert cs.citations == [] and cs.unsupported == ["Blinken and Lavrov signed a peace treaty in Vienna."]
    assert cs.stats["dropped"] == 1 and cs.supported == 0


def test_citation_may_quote_two_adjacent_sentences_inside_the_passage():
    cs, _ = run(by_char("Blinken meets Lavrov in Geneva and the talks last two hours [1]."))
    (c,) = cs.citations
    assert c.quote == "Blinken will meet Lavrov in Geneva on Friday. The talks are expected to last two hours."
    assert PASSAGES[0].start <= c.start < c.end <= PASSAGES[0].end
    assert_exact(cs)


def test_spans_stay_inside_the_cited_passage():
    # "Wire report, Monday." is in a.txt but outside passage 1.
    cs, _ = run(by_char("The wire report came on Monday [1]."))
    assert cs.citations == []
    assert cs.unsupported == ["The wire report came on Monday."]


def test_same_span_cited_twice_reuses_its_number():
    cs, _ = run(by_char("Blinken meets Lavrov in Geneva [1]. Lavrov meets Blinken on Friday in Geneva [1]."))
    assert cs.text == "Blinken meets Lavrov in Geneva. [1] Lavrov meets Blinken on Friday in Geneva. [1]"
    assert len(cs.citations) == 1


def test_abbreviations_and_numbers_do_not_end_a_sentence():
    cs, _ = run(by_char("The U.S. said the 200 million dollars of aid was defensive [2]."))
    assert cs.text == "The U.S. said the 200 million dollars of aid was defensive. [1]"
    assert cs.citations[0].source == "b.txt"


def test_bracketed_words_are_text_not_markers():
    cs, _ = run(by_char("[Reuters] Blinken meets Lavrov in Geneva on Friday [1]. See [note] here"))
    assert cs.text == "[Reuters] Blinken meets Lavrov in Geneva on Friday. [1]"
    assert cs.unsupported == ["See [note] here"]
    assert_exact(cs)


def test_marker_cut_off_at_the_end_still_counts():
    cs, _ = run(by_char("Blinken meets Lavrov in Geneva on Friday [1"))  # e.g. max_tokens reached
    assert cs.text == "Blinken meets Lavrov in Geneva on Friday [1]"
    assert cs.citations[0].quote == "Blinken will meet Lavrov in Geneva on Friday."
    assert cs.stats["kept"] == 1


def test_unclosed_bracket_at_the_end_is_text():
    cs, _ = run(by_char("Blinken meets Lavrov in Geneva on Friday [pass"))
    assert cs.text == "Blinken meets Lavrov in Geneva on Friday [pass [1]"
    assert cs.stats["added"] == 1  # no marker: the sentence found its support itself


def test_uncited_sentence_is_checked_against_every_passage():
    cs, _ = run(by_char("Melanie Joly visited Kiev on Tuesday. Nobody knows why"))
    assert cs.text == "Melanie Joly visited Kiev on Tuesday. [1]"
    assert cs.citations[0].source == "c.txt"
    assert cs.unsupported == ["Nobody knows why"]
    assert cs.stats["added"] == 1


def test_refusal_is_neither_cited_nor_flagged():
    cs, _ = run(by_char("The indexed articles do not answer this question [1]."))
    assert cs.text == "The indexed articles do not answer this question."
    assert cs.citations == [] and cs.unsupported == [] and cs.refusals == 1


def test_new_lines_end_sentences_and_are_kept():
    cs, _ = run(by_char("- Blinken meets Lavrov in Geneva [1]\n- Jen Psaki warned of an attack [1]\n"))
    assert cs.text == "- Blinken meets Lavrov in Geneva [1]\n- Jen Psaki warned of an attack [2]"
    assert_exact(cs)


def test_leading_and_trailing_white_space_is_not_emitted():
    cs, _ = run(["  \n", "Blinken meets Lavrov in Geneva [1].", "  \n "])
    assert cs.text == "Blinken meets Lavrov in Geneva. [1]"


def test_only_markers_emit_nothing():
    cs, _ = run(["[1]", " [2]"])
    assert cs.text == "" and cs.citations == [] and cs.stats["dropped"] == 2


@pytest.mark.parametrize(
    "text, numbers",
    [("[1]", [1]), ("[12]", [12]), ("[1,2]", [1, 2]), ("[1; 3]", [1, 3]), ("[1-3]", [1, 2, 3]),
     ("[passages 1 and 2]", [1, 2]), ("[Source 4]", [4]), ("[1]x", None), ("[x1]", None), ("[1234]", None)],
)
def test_parse_marker(text, numbers):
    assert parse_marker(text) == numbers


def test_could_be_marker_rejects_long_or_foreign_brackets():
    assert could_be_marker("[ 1 ,")
    assert not could_be_marker("[" + "1" * 45)
    assert not could_be_marker("[1]")  # complete ones are parsed, not extended
    assert not could_be_marker("[see")


# --- what a supporting span must not contradict (see the module docstring) -------------------------
def verdict(article: str, sentence: str) -> tuple[bool, str]:
    """Cite `sentence` as [1] against a one-passage article: kept?, and the reason when dropped."""
    cs = CitationStream([Passage("x.txt", 0, len(article), article, 1.0)], WEIGHTS)
    cs.feed(sentence + " [1]")
    cs.finish()
    (decision,) = cs.decisions
    return decision.outcome == "kept", decision.reason


ROLES = "The United States has accused Russia of sending saboteurs to eastern Ukraine."
US_COMMITMENT = "Blinken will confirm the commitment of the US to the sovereignty of Ukraine."
THREATS = ("Blinken said the allies will impose severe consequences on Russia in the event of an invasion. "
           "Moscow downplayed these threats.")
GUARANTEED = ("Russia wants guarantees that the alliance will not expand into other former Soviet republics, and "
              "that it will not deploy forces there.")
BALL = "Blinken, who met Zelensky on Wednesday, indicated that the ball is now in Russia's court."
HASTILY = "Blinken's trip to Kiev was hastily organized after the talks in Geneva."
SEEKING = "The United States claims to still be seeking a diplomatic exit door with Russia."
GIVE_UP = "The Kremlin demands that Westerners give up organizing military exercises in Eastern Europe."
THANKED = ("President Zelensky, who often laments a lack of Western commitment, thanked the United States on "
           "Wednesday for its military help.")
NO_DOCUMENT = "Blinken, for his part, stressed that he will not present any document in writing."
PRECEDED = "He was preceded there on Tuesday by his Canadian counterpart Mélanie Joly."
EXPECTS = "He reiterated that Russia expects a written response from the US and NATO this week."
FEW_DAYS = "The Kremlin demanded again on Wednesday written answers “in the next few days” to its demands."
REJECTED = ("Yesterday, Lavrov sharply rejected the US accusations that Moscow is preparing an excuse for an "
            "invasion.")
TOO_EARLY = ("“It is still too early to tell whether the Russian government is sincerely interested in diplomacy,” a "
             "State Department source said.")
IMPASSE = "The talks resume the dialogue of last week, in which the impasse was not resolved."
CRIMEA = ("Ukraine estimates that 100,000 Russian troops are massed on the border and fears an invasion like "
          "the annexation of Crimea.")
TWO_MEN = "Lavrov said he does not expect a breakthrough in Geneva. Blinken promised a severe response."
ITINERARY = "Blinken will meet Zelensky on Wednesday (19) in Kiev, and on Thursday (20) the Germans in Berlin."
DEMANDS = ("Moscow has stressed that its demands are non-negotiable and the United States regards the main ones "
           "as unacceptable.")
DENIED = "The US suspects that Moscow intends to invade Ukraine, an intention denied by Russia."
PROMISE = ("Blinken promised Moscow a severe response in the event of an invasion. Lavrov left. "
           "Blinken said Moscow downplayed these threats.")
HANDS = "Sergei Lavrov and Antony Blinken shook hands in front of the journalists after the meeting."
HOPED = "Kuleba often said he hoped that the talks would lead to less aggressive behavior."
COUNCIL = "Talks took place within the framework of the Russia-NATO council in Brussels."
LAVROV = "Russian Foreign Minister Sergei Lavrov rejected US accusations that Moscow was preparing a pretext."
STOLTENBERG = "NATO Secretary General Jens Stoltenberg assured Zelensky of his support against the Russian threat."
ZELENSKIY = "Blinken will meet with Zelenskiy and Ukrainian Foreign Minister Dmytro Kuleba in Kiev."
SCHEDULE = ("Blinken will see Zelensky on Monday (10) in Kiev and the French minister on Tuesday (11) in Paris. "
            "On Thursday (13), Blinken will meet Lavrov in Geneva.")
TONE = ("US Secretary of State Antony Blinken has promised a firm response to any attack. "
        "Russian diplomacy chief Sergei Lavrov set the tone on Friday, telling his US counterpart he expects no "
        "progress.")
GUARANTEES = ("Although it denies any warlike intention, the Kremlin insists that a de-escalation requires guarantees "
              "for its security.")
INVASION = "Tensions rose over a possible Russian invasion of its neighbor, Ukraine, which fears Russian forces."
EARLY = "“It is still too early to tell whether the Russian government is sincerely interested in diplomacy,” a source said."
MINISTERS = "Blinken will discuss a response with the foreign ministers of Germany, Britain and France."
ACRONYMS = ("Talks continued at the Organization for Security and Cooperation in Europe and with the UK on Monday.")
ENVOYS = "The envoys spoke on Monday (17), but the impasse was not resolved."
ESCALATION = "No progress was made in stopping the escalation."
ENVOY_DAYS = "The envoy will be in Oslo on Monday (3) and in Rome on Tuesday (4)."
PROVOCATION = "Officials say the plan is a provocation that Serbia will blame on Croatia after the talks."
FLEXIBILITY = "Poland and Hungary met on Monday, and Warsaw asked for more flexibility on the part of Hungary."
TENSIONS = "Officials said the naval exercises near the strait raised tensions in the region last week."
LIMITS = "Inspectors said the emissions from the new plant were within safe limits in March."
ZONE = "The monitors reported that the convoy stayed outside the buffer zone on Sunday."
TWO_TITLED = ("The talks were attended by Ukrainian Foreign Minister Dmytro Kuleba and Russian President Vladimir "
              "Putin. Markets were calm. Putin said Kuleba must protect his country.")
CEDE = ("The talks were attended by Ukrainian Foreign Minister Dmytro Kuleba. Markets were calm. "
        "Kuleba said that his country would not cede any territory to Moscow.")
PHASE = "The 2nd phase of the drills starts on Monday (14) in Belarus."
FUEL = "Gas supplies resumed on Monday, calming the fuel market."
WESTERN = "Troops massed in Western Ukraine on Monday."
# names given through the one titled person before a "his", by the titles the passages give (Reading.related)
KULEBA = ("The talks were attended by Ukrainian Foreign Minister Dmytro Kuleba. Markets were calm. "
          "Kuleba said the West must keep its promises to his country.")
WARNED = ("Talks opened with US Secretary of State Antony Blinken and Russian Foreign Minister Sergei Lavrov. "
          "Markets were calm. Lavrov warned his US counterpart that Moscow would not wait long.")
TITLED = ("Talks opened with US Secretary of State Antony Blinken and Russian Foreign Minister Sergei Lavrov. "
          "Markets were calm. On Tuesday the US Secretary of State met Zelensky in Kiev. “We stand with Ukraine,” he said. "
          "In the German capital, allies agreed on sanctions.")
REITERATED = ("Blinken met Kuleba. Yesterday, Russian Foreign Minister Sergei Lavrov rejected the accusations. He "
              "reiterated that Russia expects a written response from the US and NATO this week.")


@pytest.mark.parametrize(
    "article, sentence, is_kept, reason",
    [
        # negation: the polarity of the words a negation governs must agree
        (TWO_MEN, "Lavrov said he expects a breakthrough in Geneva", False, "negation flipped: expect"),
        (TWO_MEN, "Lavrov does not expect a breakthrough in Geneva", True, ""),
        (TWO_MEN, "In Geneva, no breakthrough is expected by Lavrov", True, ""),
        (ROLES, "The United States did not accuse Russia of sending saboteurs", False, "negation flipped: accus"),
        # numbers are values, each one of the claim must be in the span
        (ARTICLES["b.txt"], "About 10,000 Russian troops are massed on the border", False, "does not mention 10000"),
        (ARTICLES["b.txt"], "About 100.000 Russian troops are massed on the border", True, ""),
        (ARTICLES["a.txt"], "The talks are expected to last three hours", False, "does not mention 3"),
        (ARTICLES["a.txt"], "The talks are expected to last 2 hours", True, ""),
        (ITINERARY, "Blinken will meet Zelensky on Wednesday (20)", False, "wednesday 20: the span has wednesday 19"),
        # who did what to whom
        (ROLES, "Russia has accused the United States of sending saboteurs", False,
         "roles differ: russia / accused / state unit"),
        (ROLES, "Russia was accused by the United States of sending saboteurs", True, ""),
        (ROLES, "The United States has accused Belarus of sending saboteurs", False, "does not mention belarus"),
        # a name that starts the sentence counts when the passages only ever capitalise it
        (TWO_MEN, "Blinken said he does not expect a breakthrough in Geneva", False, "does not mention blinken"),
        # a place attached to the wrong event of the sentence
        (ITINERARY, "Blinken will meet Zelensky in Berlin", False, "Zelensky in Berlin: not said together"),
        (ITINERARY, "Blinken will meet Zelensky in Kiev", True, ""),
        # a name is found in its adjective, not the other way round
        (ARTICLES["b.txt"], "Ukrainian estimates put Russian troops on the border at about 100,000", True, ""),
        # the opposite word, or the same word under a negating prefix or a denial
        (DEMANDS, "Moscow has stressed that its demands are negotiable", False, "negation flipped: negoti"),
        (DEMANDS, "The United States regards the main demands as acceptable", False,
         "says the opposite: accept / unaccept"),
        (DENIED, "Russia confirmed that it intends to invade Ukraine", False, "says the opposite: confirm / deni"),
        (DENIED, "Russia denies that it intends to invade Ukraine", True, ""),
        (PROMISE, "Blinken promised a mild response in the event of an invasion", False,
         "says the opposite: mild / sever"),
        # a sentence that negates needs a span that negates: the unsaid clause is not left uncovered
        (PROMISE, "Blinken promised a severe response in the event of an invasion, which Moscow did not downplay",
         False, "does not mention (a negation)"),
        # a capital or "the United States" acts for its country, in roles too; an adjective is no actor
        (ROLES, "Washington has accused Moscow of sending saboteurs to eastern Ukraine", True, ""),
        (ROLES, "Moscow has accused Washington of sending saboteurs to eastern Ukraine", False,
         "roles differ: moscow / accused / washington"),
        (LAVROV, "US accusations that Moscow was preparing a pretext were rejected by Lavrov", True, ""),
        (LAVROV, "Moscow rejected accusations that Lavrov was preparing a pretext", False,
         "roles differ: moscow / rejected / "),
        # a passive voice with a long phrase before "by"; "was preparing" is no passive
        (STOLTENBERG, "Zelensky was assured of support against the Russian threat by NATO chief Jens Stoltenberg",
         True, ""),
        (STOLTENBERG, "Stoltenberg was assured of support against the Russian threat by Zelensky", False,
         "roles differ: zelenski / assured / stoltenberg"),
        # irregular past forms, verbs and adverbs that deny, a name the span writes only in lower case
        (HANDS, "After the meeting, Lavrov and Blinken avoided shaking hands", False, "negation flipped: shake"),
        (HANDS, "After the meeting, Lavrov and Blinken shook hands", True, ""),
        (HOPED, "Kuleba doubted that the talks would lead to less aggressive behavior", False,
         "says the opposite: doubt / expect"),
        (HOPED, "Kuleba rarely complains that the talks would lead to less aggressive behavior", False,
         "says the opposite: rare / often"),
        (COUNCIL, "Talks took place in the NATO Council in Brussels", False, "does not mention council"),
        (COUNCIL, "Talks took place in the Russia-NATO council in Brussels", True, ""),
        # from review: titles may be lower case in the span; acronyms stand for their names; a denial or a
        # "not only" both sides share opposes nothing
        ("Russia's foreign minister, Sergei Lavrov, said the talks were useful.",
         "Russian Foreign Minister Sergei Lavrov said the talks were useful", True, ""),
        ("The European Union imposed new sanctions on Russia on Monday.",
         "The EU imposed new sanctions on Russia on Monday", True, ""),
        ("Russia denied it planned to invade, and NATO confirmed the troop buildup.",
         "Russia denied it planned to invade", True, ""),
        ("Russia not only massed troops on the border but also moved tanks there.",
         "Russia massed troops on the border", True, ""),
        ("Lavrov and Blinken disagreed on the terms of the deal.", "Lavrov and Blinken agreed on the terms of the deal",
         False, "says the opposite: agre / disagre"),
        # transliterations one letter apart are one name; "He" is the person the sentence before names
        (ZELENSKIY, "Blinken will meet Zelensky and Kuleba in Kiev", True, ""),
        (ZELENSKIY, "Blinken will meet Zelensky and Kuleba in Kyiv", True, ""),
        (REITERATED, "Lavrov reiterated that Russia expects a written response from NATO this week", True, ""),
        (REITERATED, "Blinken reiterated that Russia expects a written response from NATO this week", False,
         "does not mention blinken"),
    ],
)
def test_support_must_not_contradict_the_claim(article, sentence, is_kept, reason):
    assert verdict(article, sentence) == (is_kept, f"passage 1: {reason}" if reason else "")


@pytest.mark.parametrize(
    "article, sentence, is_kept, reason",
    [
        # a day lent by the other sentence of a window, which says nothing else of the claim
        (SCHEDULE, "Blinken will see Zelensky on Monday (10) in Kiev and, on Thursday, the French minister in Paris",
         False, "does not mention thursday"),
        (SCHEDULE, "Blinken will see Zelensky on Monday (10) in Kiev and the French minister on Tuesday (11)", True, ""),
        # a name lent by one sentence to a deed whose clause, in the other, opens with someone else
        (TONE, "Antony Blinken set the tone on Friday, telling his Russian counterpart Sergei Lavrov he expects no "
         "progress", False, "does not mention antoni, blinken"),
        (TONE, "Sergei Lavrov set the tone on Friday, telling his US counterpart he expects no progress", True, ""),
        # a name spelled as its acronym, either way, and not by a run of other names
        (ACRONYMS, "Talks continued at the OSCE and with the United Kingdom on Monday", True, ""),
        (ACRONYMS, "Talks continued at the Council of Europe and with the UK on Monday", False,
         "does not mention council"),
        # each not/no/never on its own, whatever else both sides deny
        (GUARANTEES, "While denying any warlike intent, the Kremlin says a de-escalation does not depend on guarantees "
         "for its security", False, "negation flipped: guarante, secur"),
        (GUARANTEES, "While denying any warlike intent, the Kremlin says a de-escalation requires guarantees for its "
         "security", True, ""),
        # who did what in a noun phrase: the nationality before the noun
        (INVASION, "Tensions rose over a possible Ukrainian invasion of Russia", False,
         "roles differ: Ukrainian invasion / russia"),
        (INVASION, "Tensions rose over a possible Russian invasion of Ukraine", True, ""),
        # a span that only asks whether does not say so
        (EARLY, "A source said it is already clear that the Russian government is sincerely interested in diplomacy",
         False, "the span only asks whether: diplomaci, govern, interest, sincer"),
        (EARLY, "A source said it is too early to tell whether the Russian government is sincerely interested in "
         "diplomacy", True, ""),
        # a verb between a plural noun and "that"; a direction's adjective is no actor's verb
        ("To ease tensions, the Kremlin demands that Western countries give up exercises in Eastern Europe.",
         "Western countries demand that the Kremlin give up exercises in Eastern Europe", False,
         "roles differ: western / demand / "),
        ("To ease tensions, the Kremlin demands that Western countries give up exercises in Eastern Europe.",
         "The Kremlin demands that Western countries give up exercises in Eastern Europe", True, ""),
        # whose side: the names after alongside/against
        ("Joly stressed the need to stand alongside Ukraine against Russia.",
         "Joly stressed the need to stand alongside Russia against Ukraine", False,
         "roles differ: alongside russia / ukrain"),
        ("Joly stressed the need to stand alongside Ukraine against Russia.",
         "Joly said one must stand alongside Ukraine against Russia", True, ""),
        # a country and its adjective are one term for coverage too
        (MINISTERS, "Blinken will meet German, British and French ministers", True, ""),
        # round 5d (blind8): a short acronym in another's place, a time relative to the day, converses
        (US_COMMITMENT, "Blinken will confirm the commitment of the EU to the sovereignty of Ukraine", False,
         "eu where the span has america"),
        (US_COMMITMENT, "Blinken will confirm the US commitment to the sovereignty of Ukraine", True, ""),
        (US_COMMITMENT, "Blinken will confirm the commitment of the United States to the sovereignty of Ukraine", True,
         ""),
        ("Russia expects a written response from NATO this week.",
         "Russia expects a written response from NATO next month", False, "next month: the span has this week"),
        ("Russia expects a written response from NATO this week.",
         "Russia expects NATO to respond in writing this week", True, ""),
        ("He was preceded there on Tuesday by Joly, who stressed the need to stand with Ukraine.",
         "Joly followed him there on Tuesday, stressing the need to stand with Ukraine", False,
         "says the opposite: follow / preced"),
        # the part of a sentence its span leaves out, which the sentence beside the span contradicts
        (THREATS, "Blinken said the allies will impose severe consequences on Russia in the event of an invasion, "
         "threats Moscow took seriously", False, "the sentence beside it says otherwise: says the opposite: serious / "
         "downplay"),
        (THREATS, "Blinken said the allies will impose severe consequences on Russia in the event of an invasion",
         True, ""),
        # passives and subjects: an opening phrase of time is no subject, a name past "was" is not acted upon,
        # a verb after "and" may share the sentence's subject, "by" reaches past a long phrase
        ("Washington and its allies rejected Moscow's demands at last week's talks, where no progress was made.",
         "At last week's talks, Moscow's demands were rejected by Washington and its allies", True, ""),
        ("Another factor that raised tensions was the holding of exercises between Russia and Belarus.",
         "Tensions were raised by Russia and Belarus holding exercises", True, ""),
        (CRIMEA, "Ukraine fears an invasion like the annexation of Crimea", True, ""),
        (CRIMEA, "Crimea fears an invasion like the annexation of Ukraine", False, "roles differ: crimea / fears / ukrain"),
        ("NATO chief Jens Stoltenberg assured Zelensky of support in the face of the threat from Russia.",
         "Zelensky was assured of support in the face of the threat from Russia by NATO chief Jens Stoltenberg", True,
         ""),
        # round 5e (blind9): "or" carries a negation on, "attack on" takes a side, a verb after a relative
        # clause acts for the sentence's first name, British spellings read as American ones
        (GUARANTEED, "Russia wants guarantees that the alliance will not expand into other former Soviet republics "
         "or deploy forces there", True, ""),
        (GUARANTEED, "Russia wants guarantees that the alliance will not expand into other former Soviet republics "
         "but may deploy forces there", False, "negation flipped: deploy"),
        ("Psaki said Russia could, at any moment, launch an attack on Ukraine.",
         "Psaki said Ukraine could, at any moment, launch an attack on Russia", False, "roles differ: on russia / ukrain"),
        ("Psaki said Russia could, at any moment, launch an attack on Ukraine.",
         "Psaki said that at any moment Russia could launch an attack on Ukraine", True, ""),
        (BALL, "Zelensky, who met Blinken on Wednesday, indicated that the ball is now in Russia's court", False,
         "roles differ: zelenski / indicated / "),
        (BALL, "Blinken, who saw Zelensky on Wednesday, indicated that the ball is now in Russia's court", True, ""),
        (HASTILY, "Blinken's trip to Kiev was not organised in a hurry after the talks in Geneva", False,
         "negation flipped: organ"),
        (HASTILY, "Blinken's trip to Kiev was organised in a hurry after the talks in Geneva", True, ""),
        # round 5f (blind10): "on the part of" takes a side, "the US government" has a nationality, a passive
        # without "by" names no actor, "expand" may take its actor as object, break/overcome read as resolve
        ("The head of Ukrainian diplomacy said he hoped that the talks in Geneva would lead to less aggressive "
         "behavior on the part of Russia.", "Russia's top diplomat said he hoped the talks in Geneva would lead to "
         "less aggressive behaviour on the part of Ukraine", False, "roles differ: part of ukrain / russia"),
        (TOO_EARLY, "A Russian official said it was still too early to tell whether the US government was sincerely "
         "interested in diplomacy", False, "roles differ: US government / russia"),
        (TOO_EARLY, "A State Department source said it was still too early to tell whether the Russian government was "
         "sincerely interested in diplomacy", True, ""),
        ("Ukraine fears an invasion like the one of 2014, when Moscow annexed Crimea.",
         "Ukraine fears an invasion like the one of 2014, when Crimea was annexed", True, ""),
        ("If Moscow acts in Ukraine, no option is excluded on the American side, Psaki warned.",
         "Psaki warned that the US was excluding no option if Moscow acts in Ukraine", True, ""),
        ("The Kremlin demands the commitment not to expand NATO to the east.",
         "The Kremlin demands a commitment that NATO will not expand to the east", True, ""),
        (IMPASSE, "The talks resume the dialogue of last week, which managed to break the impasse", False,
         "negation flipped: resolv"),
        (IMPASSE, "The talks resume the dialogue of last week, which failed to break the impasse", True, ""),
        (HASTILY, "Blinken's trip to Kiev was planned well in advance of the talks in Geneva", False,
         "says the opposite: advanc / hastili"),
        # round 5g (blind11): "the next few days" is a relative time, "dispute" denies
        (FEW_DAYS, "On Wednesday the Kremlin again demanded written answers to its demands within the next few "
         "weeks", False, "next few week: the span has next few day"),
        (FEW_DAYS, "On Wednesday the Kremlin again demanded written answers to its demands within the next few days",
         True, ""),
        (REJECTED, "Yesterday, Lavrov did not dispute the US accusations that Moscow is preparing an excuse for an "
         "invasion", False, "negation flipped: accus"),
        (REJECTED, "Yesterday, Lavrov disputed the US accusations that Moscow is preparing an excuse for an invasion",
         True, ""),
        # round 5h (blind12): a side compares every name the claim puts there, give and its synonyms, who came
        # first, a plural's verb without -s
        ("A State Department official said that Russian-Belarusian drills announced by Belarus on Tuesday went far "
         "beyond normal.", "Drills by Russia and Belarus, announced by Belarus on Tuesday, went far beyond normal, a "
         "State Department official said", True, ""),
        (NO_DOCUMENT, "Blinken, for his part, said he would hand over a written document", False,
         "negation flipped: give"),
        (NO_DOCUMENT, "Blinken, for his part, said he would not provide any written document", True, ""),
        (PRECEDED, "He arrived there on Tuesday ahead of his Canadian counterpart Mélanie Joly", False,
         "order reversed: ahead of / preceded by canadian, joli, mélani"),
        (PRECEDED, "His Canadian counterpart Mélanie Joly arrived there on Tuesday, ahead of him", True, ""),
        (EXPECTS, "He reiterated that the US and NATO expect a written response from Russia this week", False,
         "roles differ: us / expect / russia"),
        (EXPECTS, "He reiterated that Russia expects the US and NATO to respond in writing this week", True, ""),
        # round 5i (blind13): a day before the opening name, imminent/unlikely
        (THANKED, "On Wednesday the United States thanked President Zelensky for its military help", False,
         "roles differ: state unit / thanked / presid zelenski"),
        (THANKED, "On Wednesday President Zelensky thanked the United States for its military help", True, ""),
        ("White House press secretary Jen Psaki said an attack from Moscow was imminent.",
         "White House press secretary Jen Psaki said an attack from Moscow was unlikely", False,
         "says the opposite: unlik / immin"),
        # round 5j (blind14): declined, give up / stop + -ing as denials, hope/fear, hope read as expect
        ("Lavrov and Blinken shook hands in front of the journalists.",
         "Lavrov and Blinken declined to shake hands in front of the journalists", False, "negation flipped: shake"),
        ("Kuleba said he hoped that the talks in Geneva would lead to less aggressive behavior on the part of Russia.",
         "Kuleba said he feared the talks in Geneva would lead to less aggressive behavior on the part of Russia",
         False, "says the opposite: fear / expect"),
        (SEEKING, "The United States says it has given up seeking a diplomatic exit door with Russia", False,
         "negation flipped: seek"),
        (SEEKING, "The United States says it is still seeking a diplomatic exit door with Russia", True, ""),
        (GIVE_UP, "The Kremlin wants Western countries to stop organizing military exercises in Eastern Europe", True,
         ""),
        (GIVE_UP, "The Kremlin wants Western countries to keep organizing military exercises in Eastern Europe", False,
         "negation flipped: organ"),
        ("Sergei Lavrov says he does not expect “a breakthrough” on the Ukrainian crisis",
         "Sergei Lavrov says he is hoping for a breakthrough on the Ukrainian crisis", False,
         "negation flipped: expect"),
        # round 5k (blind16): coverage reads words as the rules do (participles, deadlock/impasse, halt/stop,
        # break/resolve) and ordinals as numbers; "his country", "his US counterpart", who does not act
        (ENVOYS, "The envoys had spoken on the 17th but failed to break the deadlock", True, ""),
        (ENVOYS, "The envoys had spoken on the 17th and managed to break the deadlock", False,
         "negation flipped: resolv"),
        (ENVOYS, "The envoys had spoken on the 18th but failed to break the deadlock", False, "does not mention 18"),
        (ESCALATION, "Nothing was achieved in halting the escalation", True, ""),
        (ESCALATION, "Progress was made in halting the escalation", False, "negation flipped: progress"),
        (KULEBA, "Kuleba said the West must keep its promises to Ukraine", True, ""),
        (KULEBA, "Kuleba said the West must keep its promises to Russia", False, "does not mention russia"),
        (WARNED, "Lavrov warned Blinken that Moscow would not wait long", True, ""),
        (WARNED, "Blinken told Lavrov that Moscow would not wait long", False,
         "blinken: only as its subject's counterpart in the span"),
        (WARNED.replace("Blinken and", "Blinken, US President Joe Biden and"),  # two could be meant: neither is
         "Lavrov warned Blinken that Moscow would not wait long", False, "does not mention blinken"),
        # round 5l (blind17): an ordinal after "the" is its day's number, "blame on" and "on X's part" take sides
        (ENVOY_DAYS, "The envoy will be in Rome on Tuesday the 4th", True, ""),
        (ENVOY_DAYS, "The envoy will be in Rome on Tuesday the 3rd", False, "tuesday 3: the span has tuesday 4"),
        (PROVOCATION, "Officials say the plan is a provocation Serbia would blame on Croatia after the talks", True,
         ""),
        (PROVOCATION, "Officials say the plan is a provocation Croatia would blame on Serbia after the talks", False,
         "roles differ: on serbia / croatia"),
        (FLEXIBILITY, "Poland and Hungary met on Monday, and Warsaw asked for more flexibility on Hungary's part",
         True, ""),
        (FLEXIBILITY, "Poland and Hungary met on Monday, and Warsaw asked for more flexibility on Poland's part",
         False, "roles differ: part of poland / hungari"),
        # round 5m (blind18): "ease" is opposed to raise (and stoke); within/inside and beyond/outside
        # the same next word are opposed bounds, and "beyond" before another word ("Beyond that") is none
        (TENSIONS, "Officials said the naval exercises near the strait fueled regional tensions last week", True, ""),
        (TENSIONS, "Officials said the naval exercises near the strait helped ease tensions in the region last week",
         False, "says the opposite: eas / rais"),
        (LIMITS, "Beyond that, inspectors said the new plant's emissions were within safe limits in March", True, ""),
        (LIMITS, "Inspectors said the emissions from the new plant went far beyond safe limits in March", False,
         "says the opposite: outside safe / inside safe"),
        (ZONE, "The monitors reported the convoy stayed outside the buffer zone on Sunday", True, ""),
        (ZONE, "The monitors reported that the convoy stayed inside the buffer zone on Sunday", False,
         "says the opposite: inside buffer / outside buffer"),
        # the review of rounds 5k-5m: "his" before two titled people is neither's; "his country" may act; an
        # ordinal before a noun is no day's number; "fuel" (a noun too) is not the opposite of "ease"; "Western
        # Ukraine" is not "the West"
        (TWO_TITLED, "Putin said Kuleba must protect Russia", False, "does not mention russia"),
        (CEDE, "Kuleba said that Ukraine would not cede any territory to Moscow", True, ""),
        (CEDE, "Kuleba said that Russia would not cede any territory to Moscow", False,
         "roles differ: russia / cede / moscow"),
        (PHASE, "On Monday the 2nd phase of the drills starts in Belarus", True, ""),
        (FUEL, "Gas supplies resumed on Monday, easing the fuel market", True, ""),
        (WESTERN, "Troops massed near the West on Monday", False, "does not mention west"),
    ],
)
def test_windows_negations_noun_phrases_and_acronyms(article, sentence, is_kept, reason):
    assert verdict(article, sentence) == (is_kept, f"passage 1: {reason}" if reason else "")


@pytest.mark.parametrize(
    "sentence, is_kept, reason",
    [
        # a title the passages give one person names that person; "he" after it too
        ("On Tuesday Blinken met Zelensky in Kiev", True, ""),
        ("On Tuesday Lavrov met Zelensky in Kiev", False, "does not mention lavrov"),
        ("Blinken said “We stand with Ukraine”", True, ""),
        ("Lavrov said “We stand with Ukraine”", False, "does not mention lavrov"),
        # "the German capital" is Berlin, not another capital
        ("In Berlin, allies agreed on sanctions", True, ""),
        ("In Paris, allies agreed on sanctions", False, "does not mention pari"),
    ],
)
def test_names_given_by_title_or_description(sentence, is_kept, reason):
    assert verdict(TITLED, sentence) == (is_kept, f"passage 1: {reason}" if reason else "")


def test_a_name_from_one_sentence_does_not_make_the_other_sentence_its_deed():
    names = frozenset({"lavrov", "blinken", "geneva"})  # the passages' names (both start a sentence)
    span = Reading.of(TWO_MEN)
    blinken = Claim.of("Blinken said he does not expect a breakthrough in Geneva", names)
    assert blinken.contradicted_by(span, names) == "blinken named in another sentence than the one that says it"
    joly = Reading.of("Blinken is expected in Kiev. He was preceded there by Joly.")
    assert Claim.of("Joly preceded Blinken in Kiev", names).contradicted_by(joly, names) == ""


def test_names_alone_support_nothing():
    # seen with the 1.5B in local mode: world knowledge cited to a sentence that only shares its names
    text = ("From Kiev, Blinken will travel to Berlin, where he will discuss a possible response to a possible "
            "Russian military action with the foreign ministers of Germany, Great Britain and France.")
    stream = CitationStream([Passage("002.txt", 0, len(text), text, 1.0)], TermWeights({"capit": 1}, 30))
    stream.feed("The capital of Germany is Berlin [1].")
    stream.finish()
    assert stream.citations == [] and stream.unsupported == ["The capital of Germany is Berlin."]
    kept = CitationStream([Passage("002.txt", 0, len(text), text, 1.0)], TermWeights({}, 30))
    kept.feed("Blinken will travel to Berlin to meet the foreign ministers of Germany [1].")
    kept.finish()
    assert [c.quote for c in kept.citations] == [text]


def test_a_capital_named_as_an_actor_stands_for_its_country():
    span = "The United States suspects that Moscow intends to invade Ukraine, an intention denied by Russia."
    assert Claim.of("Washington suspects that Russia intends to invade Ukraine.").lacks(
        frozenset(content_terms(span)), frozenset()) == frozenset()
    # a capital as a place is the place: the span's Russia is not "in Moscow"
    talks = "The talks in Geneva between Russia and the United States ended without progress."
    assert Claim.of("The talks in Moscow between Russia and the United States ended without progress.").lacks(
        frozenset(content_terms(talks)), frozenset()) == {word_stem("moscow")}


def test_a_capital_in_the_span_stands_for_its_country():
    span = "Moscow has stressed that its demands are non-negotiable."
    assert Claim.of("Russia has stressed that its demands are non-negotiable.").lacks(
        frozenset(content_terms(span)), frozenset()) == frozenset()


REWORDED = "Blinken is slated to meet Lavrov face to face in Geneva before the coming weekend break"


def rescuer(yes: float, asked: list):
    """A stand-in for the model's P(yes) (rag.generative asks the real one): records what it is asked."""
    def rescue(span: str, sentence: str) -> float:
        asked.append((span, sentence))
        return yes
    return rescue


def test_a_reworded_sentence_holds_when_the_model_says_the_span_says_it():
    asked = []
    stream = CitationStream(PASSAGES, WEIGHTS, rescue=rescuer(0.9, asked))
    stream.feed(REWORDED + " [1].")
    stream.finish()
    assert [c.quote for c in stream.citations] == ["Blinken will meet Lavrov in Geneva on Friday."]
    assert asked == [("Blinken will meet Lavrov in Geneva on Friday.", REWORDED + ".")]
    assert stream.decisions[0].reason.startswith("reworded")


def test_a_reworded_sentence_the_model_doubts_stays_unsupported():
    asked = []
    stream = CitationStream(PASSAGES, WEIGHTS, rescue=rescuer(RESCUE_PROBABILITY - 0.01, asked))
    stream.feed(REWORDED + " [1].")
    stream.finish()
    assert stream.citations == [] and stream.unsupported == [REWORDED + "."] and len(asked) == 1


def test_the_model_is_never_asked_to_overrule_a_missing_name_or_a_contradiction():
    asked = []
    for sentence in ("Blinken is slated to meet Putin face to face in Geneva before the coming weekend break",
                     "Blinken does not meet Lavrov in Geneva on Friday",
                     # covers too little to hold on its words: the negation is read all the same
                     "Blinken does not meet Lavrov in Geneva on Friday after lengthy preparatory consultations "
                     "among respective delegations"):
        stream = CitationStream(PASSAGES, WEIGHTS, rescue=rescuer(1.0, asked))
        stream.feed(sentence + " [1].")
        stream.finish()
        assert stream.citations == [], sentence
    assert asked == []


def test_a_sentence_the_model_must_vouch_for_waits_for_the_end_of_the_stream_with_all_after_it():
    # The model is not asked while its own answer streams (a one-slot server would answer only after the
    # whole answer anyway): the reworded sentence, and the supported one after it, go out at finish, in order.
    asked = []
    stream = CitationStream(PASSAGES, WEIGHTS, rescue=rescuer(0.9, asked))
    answer = (f"The talks are expected to last two hours [1]. {REWORDED} [1]. "
              "Psaki warned that an attack was imminent [1].")
    shown = [stream.feed(ch) for ch in answer]  # one character at a time, as a model may stream
    assert "".join(shown) == "The talks are expected to last two hours. [1]" and asked == []
    tail = stream.finish()
    assert len(asked) == 1
    assert tail == f" {REWORDED}. [2] Psaki warned that an attack was imminent. [3]"
    assert stream.text == "".join(shown) + tail


def test_a_waiting_sentence_the_model_doubts_goes_out_as_nothing_and_the_rest_keeps_its_spacing():
    stream = CitationStream(PASSAGES, WEIGHTS, rescue=rescuer(0.1, []))
    shown = stream.feed(f"{REWORDED} [1]. The talks are expected to last two hours [1].")
    assert shown == ""
    assert stream.finish() == "The talks are expected to last two hours. [1]"
    assert stream.unsupported == [REWORDED + "."]


@pytest.mark.parametrize("markers", ["[1], [2]", "[1],[2]", "[1]; [2]", "[1] , [2]"])
def test_markers_separated_by_commas_after_the_sentence_stay_markers(markers):
    """'... Friday. [1], [2]' (as the 1.5B writes them): the comma between is no sentence of its own."""
    cs, _ = run(by_char(f"Blinken meets Lavrov on Friday and 100,000 troops are massed. {markers}"))
    assert cs.text == "Blinken meets Lavrov on Friday and 100,000 troops are massed. [1][2]"
    assert cs.unsupported == []
    assert_exact(cs)


def test_a_comma_after_a_marker_before_text_is_kept_as_text():
    cs, _ = run(by_char("Blinken meets Lavrov in Geneva on Friday [1], and the talks last two hours [1]."))
    assert cs.text == "Blinken meets Lavrov in Geneva on Friday, and the talks last two hours. [1]"
    assert_exact(cs)


def test_a_separator_after_the_last_marker_is_dropped():
    cs, _ = run(by_char("Blinken meets Lavrov in Geneva on Friday. [1],"))
    assert cs.text == "Blinken meets Lavrov in Geneva on Friday. [1]" and cs.unsupported == []


@pytest.mark.parametrize("answer, sentence", [("Friday [1].", "Friday."), ("On Friday. [1]", "On Friday."),
                                              ("Jen Psaki [1].", "Jen Psaki."), ("Yes [1].", "Yes."), ("Friday.", "Friday.")])
def test_names_alone_are_dropped_when_they_are_not_allowed(answer, sentence):
    """Local mode: "Friday [1]" to "On which weekday had they spoken?" is supported by any span with a
    Friday in it, right or wrong; only the question says what it claims."""
    strict = CitationStream(PASSAGES, WEIGHTS, allow_names_only=False)
    strict.feed(answer)
    strict.finish()
    assert strict.text == "" and strict.citations == [] and strict.unsupported == [sentence]


def test_names_alone_stand_by_default_and_full_sentences_stand_either_way():
    cs, _ = run(by_char("Friday [1]."))
    assert cs.text == "Friday. [1]"
    strict = CitationStream(PASSAGES, WEIGHTS, allow_names_only=False)
    strict.feed("Psaki warned of an imminent attack [1].")
    strict.finish()
    assert strict.text == "Psaki warned of an imminent attack. [1]"
