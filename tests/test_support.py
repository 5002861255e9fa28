"""The support check of rag.citations against claims a model could write about the seed articles:
flipped facts must lose their citation, faithful paraphrases must keep it.

Each line of tests/data/support_claims.jsonl holds a claim built from one gold evidence quote of
evals/qa.jsonl ("question", "source", "start", "end", "evidence") and its "kind":

    negation  a negation added or removed ("does not expect" -> "expected")
    number    a number or count changed (100,000 -> 10,000; two hours -> three hours; Tuesday (18) -> (17))
    name      a name or date changed (Friday -> Monday, Geneva -> Vienna, Lavrov's words given to Blinken)
    actor     who did what to whom swapped ("the US accused Russia" -> "Russia accused the US")
    faithful  the same fact in other words: reordered, synonyms, passive voice, shorter

"split" is the split of the question whose evidence the claim was built from. The rules were
designed on the train claims only; the test claims were written after the rules were committed and
run once. What that run found wrong was then fixed (all nine flips, seven of nine paraphrases), so
the test claims are design data now too. tests/data/support_claims_blind.jsonl holds claims nobody
designed on: written from test-question evidence by someone who had not read the rules, after the
fixes, and run once; what it found wrong is pinned as strict xfails (BLIND_MISSED, BLIND_FAITHFUL_KEPT).
Its faithful losses then led to one rule (capitals); tests/data/support_claims_blind2.jsonl (BLIND2_*),
written the same way with freer paraphrases, was run once and then designed on (a third round of rules),
and tests/data/support_claims_blind3.jsonl (BLIND3_*) was run once after that round: the held-out numbers;
blind4 to blind16 likewise, one for each later round (LATER_BLIND).

Every claim is cited as "[1]" against the passages a retrieval could return for it: passage 1 is the
chunk of the article (rag.chunking, default chunk size) that holds the evidence, passages 2.. are
the article's other chunks, so a flipped claim can neither be kept nor repaired to another chunk.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from rag.chunking import chunk_article
from rag.citations import CitationStream
from rag.config import Settings
from rag.documents import load_file
from rag.schema import Passage
from rag.terms import TermWeights, tokens
from tests.paths import ROOT, SEEDS

DATA = Path(__file__).parent / "data" / "support_claims.jsonl"
QA = ROOT / "evals" / "qa.jsonl"
KINDS = ("negation", "number", "name", "actor")
CLAIMS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
FLIPPED = [c for c in CLAIMS if c["kind"] in KINDS]
FAITHFUL = [c for c in CLAIMS if c["kind"] == "faithful"]
LEAST_KEPT = 0.9  # share of faithful paraphrases that must keep their citation


def load(name: str) -> list[dict]:
    """The claims of tests/data/support_claims_<name>.jsonl."""
    path = Path(__file__).parent / "data" / f"support_claims_{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


BLIND_CLAIMS = load("blind")
# Flips the rules let through on the blind claims (run once; 37 of 42 dropped; before the fixes 36; since the
# rules of the third round, 39):
BLIND_MISSED = {
    "blind-actor-03": "'He preceded Joly' / 'He was preceded by Joly': a pronoun actor is no name, so no roles",
    "blind-actor-07": "'the Americans threatened' / Ryabkov suggested ...: the claim's names are all in the span "
                      "now that American matches US (before, the missing name dropped it by accident)",
}
# The blind faithful paraphrases kept: 40/45 when run once (before the fixes 36/45). Two of the five losses
# ("Washington" where the span says "the United States", "Russian demands" against "Moscow's demands") led
# to the capital rule of rag.support (rag.names.CAPITALS): 42/45 since, so these are design data now; 44/45 after the
# third round. Still lost: a sentence covered below the threshold.
BLIND_FAITHFUL_KEPT = 44


@lru_cache(maxsize=1)
def corpus() -> tuple[dict[str, str], dict[str, list[Passage]], TermWeights]:
    """The cleaned seed articles, their chunks as passages, and term weights over all chunks
    (document frequency per chunk, as the BM25 index counts it)."""
    size = Settings.model_fields["chunk_chars"].default
    articles, chunks, df = {}, {}, Counter()
    for path in sorted(SEEDS.iterdir()):
        for article in load_file(path, SEEDS):
            articles[article.source] = article.text
            chunks[article.source] = [Passage(c.source, c.start, c.end, c.text, 1.0)
                                      for c in chunk_article(article, size)]
            for p in chunks[article.source]:
                df.update(set(tokens(p.text)))
    return articles, chunks, TermWeights(dict(df), sum(len(c) for c in chunks.values()))


def cite(claim: dict) -> CitationStream:
    """Feed "<claim> [1]." to a CitationStream over the evidence's chunk (passage 1) and the other
    chunks of its article."""
    _, chunks, weights = corpus()
    article = chunks[claim["source"]]
    (home,) = [p for p in article if p.start <= claim["start"] and claim["end"] <= p.end]
    stream = CitationStream([home] + [p for p in article if p != home], weights)
    stream.feed(claim["claim"].rstrip(".") + " [1].")
    stream.finish()
    return stream


def kept(claim: dict) -> bool:
    """The model's marker [1] was kept: the evidence's own chunk supports the claim."""
    return cite(claim).stats["kept"] == 1


def test_data_file_is_built_from_gold_evidence():
    articles, _, _ = corpus()
    questions = {q["id"]: q for q in map(json.loads, QA.read_text(encoding="utf-8").splitlines())}
    assert len({c["id"] for c in CLAIMS}) == len(CLAIMS)
    for c in CLAIMS:
        question = questions[c["question"]]
        assert c["split"] == question["split"], c["id"]
        assert any(e["source"] == c["source"] and e["start"] == c["start"] and e["end"] == c["end"]
                   and e["quote"] == c["evidence"] for e in question["evidence"]), c["id"]
        assert articles[c["source"]][c["start"] : c["end"]] == c["evidence"]
        assert c["kind"] in KINDS + ("faithful",) and c["claim"] != c["evidence"]
    assert len(FLIPPED) >= 40 and len(FAITHFUL) >= 40
    per_half = Counter((c["split"], c["kind"]) for c in CLAIMS)
    for kind in KINDS + ("faithful",):  # half of each kind from train evidence, half from test evidence
        assert per_half["train", kind] == per_half["test", kind], kind


BLIND_FLIPPED = [c for c in BLIND_CLAIMS if c["kind"] in KINDS]


@pytest.mark.parametrize("claim", FLIPPED + [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=BLIND_MISSED[c["id"]])) if c["id"] in BLIND_MISSED
    else c for c in BLIND_FLIPPED], ids=[c["id"] for c in FLIPPED + BLIND_FLIPPED])
def test_flipped_claim_keeps_no_citation(claim):
    stream = cite(claim)
    assert stream.citations == [], (claim["claim"], stream.citations[0].quote)
    assert stream.unsupported == [claim["claim"]]


def faithful_kept(half: str | None = None) -> tuple[int, int, list[str]]:
    if half == "blind":
        claims = [c for c in BLIND_CLAIMS if c["kind"] == "faithful"]
    else:
        claims = [c for c in FAITHFUL if half is None or c["split"] == half]
    lost = [c["claim"] for c in claims if not kept(c)]
    return len(claims) - len(lost), len(claims), lost


@pytest.mark.parametrize("half", [
    None, "train", "test",
    "blind",
], ids=["all", "train-evidence", "test-evidence", "blind"])
def test_faithful_paraphrases_keep_their_citation(half):
    n_kept, n, lost = faithful_kept(half)
    assert n and n_kept / n >= LEAST_KEPT, f"kept {n_kept}/{n}; lost: {lost}"


def assert_built_from_evidence(claims: list[dict], split: str, kinds: tuple[str, ...] = KINDS) -> None:
    """Unique ids; each claim quotes its article exactly at [start, end), from a question of `split`,
    and says something other than its evidence."""
    articles, _, _ = corpus()
    questions = {q["id"]: q for q in map(json.loads, QA.read_text(encoding="utf-8").splitlines())}
    assert len({c["id"] for c in claims}) == len(claims)
    for c in claims:
        assert questions[c["question"]]["split"] == c["split"] == split, c["id"]
        assert articles[c["source"]][c["start"] : c["end"]] == c["evidence"] != c["claim"]
        assert c["kind"] in kinds + ("faithful",), c["id"]


def test_blind_claims_are_built_from_test_evidence():
    assert_built_from_evidence(BLIND_CLAIMS, "test")
    assert len(BLIND_CLAIMS) >= 80
    assert Counter(c["kind"] for c in BLIND_CLAIMS)["faithful"] >= 30 and len(BLIND_FLIPPED) >= 30


def test_blind_faithful_count_does_not_drop():
    assert faithful_kept("blind")[0] >= BLIND_FAITHFUL_KEPT


# A second blind set (tests/data/support_claims_blind2.jsonl): 35 faithful and 35 flipped claims from
# test-question evidence, written by someone who had read neither the rules nor the other claim files,
# with freer paraphrases ("put together in a hurry" for "hastily organized", "Lavrov said" for "He
# reiterated", "Kyiv reckons" for "Ukraine estimates"). Run once, after the capital rule; nothing was
# changed for it. Faithful kept 19/35: 5 covered below the threshold, 6 name what the span does not
# (a pronoun's or a title's person, another spelling), 4 read as swapped roles, 1 as a flipped negation.
# These tests check the rules alone; with a model to vouch for reworded sentences (CitationStream's
# `rescue`, rag.citations.RESCUE_PROBABILITY) and the 1.5B: 22/35 kept, the same 30/35 flips dropped.
BLIND2 = Path(__file__).parent / "data" / "support_claims_blind2.jsonl"
BLIND2_CLAIMS = [json.loads(line) for line in BLIND2.read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND2_FAITHFUL_KEPT = 27  # 19 when run once; the third round of rules was designed on its losses; 27 after 5k
# Flips it let through (30 of 35 dropped when run once; 32 since the third round, 33 since the fifth):
BLIND2_MISSED = {
    "blind2-negation-07": "'not every option is on the table' / 'no option is excluded': two negations, "
                          "read lexically",
}

# A third blind set (tests/data/support_claims_blind3.jsonl): 40 faithful and 40 flipped claims (10 of each
# kind) from test-question evidence, written like the second by someone who had read neither the rules nor
# the other claims, and run once after the third round of rules (capitals and "the United States" in
# roles, opposites, negating prefixes, a negation needing a negation, "He" for the name before, spellings):
# faithful kept 29/40 (25 with the rules before the round), flips dropped 32/40 (31 before); with the 1.5B
# vouching for reworded sentences (`rescue`) faithful kept 32/40.
BLIND3 = Path(__file__).parent / "data" / "support_claims_blind3.jsonl"
BLIND3_CLAIMS = [json.loads(line) for line in BLIND3.read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND3_FAITHFUL_KEPT = 35  # 29 when run once, 30 after the fourth round, 31 after the fifth, 32 after 5f, 35 after 5k
# Flips it let through when run once: 8. A fourth round of rules was then designed on them (US as a name in
# roles, irregular past forms, "avoid" as a denial, hope/doubt and often/rarely, a name found only in lower
# case is missing), so these claims are design data now too. Still let through:
BLIND3_MISSED = {
    "blind3-actor-08": "'a permanent Belarusian military presence in Russia' / 'a permanent Russian military in the "
                       "former Soviet republic': roles of two places in a noun phrase (the span's 'Russian-Belarusian "
                       "military drills' gives the noun the claim's nationality too)",
}

# The fourth to seventh blind sets, written the same way (40 faithful, 10 flips of each kind, from
# test-question evidence), each run once as the held-out number of the round before it and designed on
# after. Rules alone / with the 1.5B vouching for reworded sentences (`rescue`), when run once:
#   blind4, after round 4:  faithful kept 29/40,          flips kept 2/40
#   blind5, after round 5a: faithful kept 39/40 (39/40),  flips kept 4/40 (2/40 with the rules of 5b)
#   blind6, after round 5b: faithful kept 36/40 (37/40),  flips kept 4/40 (4/40)
#   blind7, after round 5c: faithful kept 37/40,          flips kept 2/40
#   blind8, after 5c and the no-repair rule: faithful kept 35/40, flips kept 5/40
#   blind9, after round 5d: faithful kept 34/40,          flips kept 3/40
#   blind10, after round 5e: faithful kept 27/40 (30/40), flips kept 4/40 (4/40); freer paraphrases, written
#            "the way a careful assistant would answer": 9 of its 10 losses now cover < 0.5 of their words
#   blind11, after round 5f: faithful kept 39/40,         flips kept 3/40
#   blind12, after round 5g: faithful kept 37/40,         flips kept 3/40
#   blind13, after round 5h: faithful kept 39/40,         flips kept 2/40
#   blind14, after round 5i: faithful kept 40/40,         flips kept 4/40 (all four negations in other words)
#   blind15, after round 5j: faithful kept 39/40 (40/40), flips kept 0/40 (not designed on: still held out)
#   blind16, after round 5j too (a second held-out set of the same rules): faithful kept 33/40 (33/40),
#            flips kept 0/40 (not designed on: still held out). Its losses are inferences a word-level
#            check cannot make ("his US counterpart" for Blinken, "his country" for Ukraine) and
#            paraphrases covering < 0.5 of their words.
# Round 5a: a window lends no day and no actor, acronyms, names given by title or description, country
# adjectives in coverage; 5b: each not/no/never on its own, nationalities before a noun. Then "only asks
# whether" (blind6-negation-10) and names swapped after alongside/against (blind2-actor-07, blind5-actor-05,
# blind6-actor-06: the same evidence): round 5c. Then two antonyms (ease/increase, praise/lament: blind7's flips),
# and "Western countries demand that" read as a verb after a plural noun (blind3-actor-06, blind6-actor-10).
# Then no repair to another passage for a sentence its own passage contradicts (blind5-actor-06).
# Round 5d, designed on blind8: a short acronym in another's place (EU / US), a time relative to the day
# (next month / this week), two antonyms (downplay/serious, precede/follow), the part of a claim its span
# leaves out that the sentence beside it contradicts, "by" as a side; and for its faithful losses: "by"
# reaches 12 words, an opening phrase of time is no passive's subject, a name past "was" is not acted
# upon, a verb after "and" may share the sentence's subject. After it: blind8 39/40 and 0/40.
# Round 5e, designed on blind9: "or" carries a negation to its next word, "an attack on" takes a side,
# a verb after a relative clause acts for the name that opens the sentence ("Zelensky, who met Blinken,
# indicated": also blind2-actor-05 and free-actor-02), British -ise spellings. After it: blind9 35/40, 0/40.
# Round 5f, designed on blind10: "on the part of" takes a side (also blind6-actor-08), "the US government"
# has a nationality, a passive without "by" names no actor, ergative verbs ("NATO will not expand" / "not to
# expand NATO"), break/overcome read as resolve, hastily/advance. After it: blind10 30/40 and 0/40; blind3
# 32, blind4 35, blind9 36 faithful (each +1).
# Round 5g, designed on blind11: "the next few days" is a relative time, "dispute" denies. After it: blind11
# 39/40 and 1/40 (blind11-actor-05, "arrived ahead of" for "was preceded by", a converse).
# Round 5h, designed on blind12: "ahead of" / "preceded by" read as reversed order (and blind11-actor-05),
# provide/present/hand read as give and "written" as write (also free-negation-05), a plural's verb without
# -s after a name when the span writes it as a verb (also blind-actor-10), and a side ("by") compares every
# name the claim puts there. After it: blind12 38/40 and 0/40, blind11 39/40 and 0/40.
# Round 5i, designed on blind13: a day before a clause's opening name ("On Wednesday the United States
# thanked") and imminent/unlikely. After it: blind13 39/40 and 0/40.
# Round 5j, designed on blind14: "declined", "give up" and stop/halt/cease/quit before an -ing verb deny,
# hope/fear, and hope read as expect. After it: blind14 40/40 and 0/40.
# Round 5k, designed on blind16: coverage reads words as the rules do (participles such as spoken/spoke,
# deadlock/impasse, halt/stop, break the deadlock / resolve the impasse; "the 21st" is "(21)"), "his country"
# is the country the passages title the sentence's subject with and "his US counterpart" the one other person
# they title with that country, and that counterpart opens no clause of the claim (it is not who acts). After
# it: blind16 38/40 and 0/40; blind2 27, blind3 35, blind6 37, blind9 38, blind10 32, free 21 faithful. Still
# lost: blind16-faithful-09 (purely defensive / only at self-defense, pulling back / demobilization, joining /
# entry: covers 0.39) and -07 ("the NATO-Russia Council" / "the Russia-NATO (...) council": a lower-case name).
#   blind17, after round 5k (held out, run once): faithful kept 29/40 before 5k, 33/40 after (35/40 with the
#            1.5B vouching); flips kept 3/40
#            (the same three before and after 5k, fixed by round 5l below).
# Round 5l, designed on blind17: an ordinal after "the" is its day's number ("Thursday the 21st" is "Thursday
# (21)"), "blame on" and "on Ukraine's part" (as "on the part of") take sides, "the West" is in "Westerners"
# (rag.names ALIASES; taken back after review: "Western Ukraine" is no "West", 34 -> 33/40). After it: blind17
# 33/40 and 0/40. Still lost: -40 ("Westerners"), -07 (a lower-case council, as
# blind16-faithful-07), -09, -13 and -15 (cover 0.47, 0.35, 0.43: "top diplomat" / "head of diplomacy",
# "soon afterwards" / "shortly following"), -22 (a title, "Canadian Foreign Minister", where the span has "his
# Canadian counterpart": read as found, it would keep blind16-actor-04, whose swapped speaker is dropped only for
# that missing title) and -38 ("he said" opens its chunk; the sentence before, in another, has only "the US
# Secretary of State", a title the article never writes with Blinken's name).
#   blind18, after round 5l (held out, run once): faithful kept 39/40 (39/40 with the 1.5B vouching), flips kept
#            2/40 (the same with the 1.5B): two negations written as opposites in other words, fixed by round 5m.
# Round 5m, designed on blind18: "ease" is opposed to raise/stoke as it was to increase/heighten ("helped
# ease tensions" / "raised tensions"; not to escalate: "de-escalating" reads as escalating), and within/inside and
# beyond/outside are opposed bounds over the same next word ("within normal bounds" / "went far beyond normal";
# "beyond" alone also means "besides"). After it: blind18 39/40 and 0/40, no other set changed. Still lost: -23,
# as blind17-faithful-38 ("he said" opens its chunk, the sentence before names only "the US Secretary of State").
#   blind19, after round 5m (held out, run once): faithful kept 36/40 (36/40 with the 1.5B vouching), flips
#            kept 0/40.
# Review of rounds 5k-5m: "his" names a person only when one titled person stands before it ("Putin said Kuleba
# must protect his country" names no country), "his country" may act (only a counterpart may not), "Monday the
# 2nd phase" is no date, rise/fuel (nouns too) are not opposed to ease. No claim of any set changed but
# blind17-faithful-40 (the alias taken back).
# flips a later set lets through (blind6-actor-08 fell to round 5f, blind11-actor-05 to 5h, blind17's three to 5l,
# blind18's two to 5m): none now
BLIND_LATER_MISSED: dict[str, str] = {}
# faithful paraphrases each later set keeps (its flips keep none but BLIND_LATER_MISSED's)
LATER_FAITHFUL_KEPT = {"blind4": 35, "blind5": 39, "blind6": 37, "blind7": 37, "blind8": 39, "blind9": 38,
                       "blind10": 32, "blind11": 39, "blind12": 38, "blind13": 39, "blind14": 40, "blind15": 39,
                       "blind16": 38, "blind17": 33, "blind18": 39, "blind19": 36}
# name: (claims, the flips it lets through, faithful paraphrases kept)
LATER_BLIND = {
    "blind2": (BLIND2_CLAIMS, BLIND2_MISSED, BLIND2_FAITHFUL_KEPT),
    "blind3": (BLIND3_CLAIMS, BLIND3_MISSED, BLIND3_FAITHFUL_KEPT),
    **{name: (load(name), BLIND_LATER_MISSED, kept) for name, kept in LATER_FAITHFUL_KEPT.items()},
}
LATER_FLIPPED = [(c, missed) for claims, missed, _ in LATER_BLIND.values() for c in claims if c["kind"] in KINDS]


@pytest.mark.parametrize("claim", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=missed[c["id"]])) if c["id"] in missed else c
    for c, missed in LATER_FLIPPED], ids=[c["id"] for c, _ in LATER_FLIPPED])
def test_later_blind_flip_keeps_no_citation(claim):
    assert cite(claim).citations == [], claim["claim"]


def later_faithful(name: str) -> list[dict]:
    return [c for c in LATER_BLIND[name][0] if c["kind"] == "faithful"]


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=f"{least}/{len(later_faithful(name))} kept: "
                                                "freer paraphrases than the rules read"))
    if least < LEAST_KEPT * len(later_faithful(name)) else name
    for name, (_, _, least) in LATER_BLIND.items()])
def test_later_blind_faithful_paraphrases_keep_their_citation(name):
    lost = [c["claim"] for c in later_faithful(name) if not kept(c)]
    assert 1 - len(lost) / len(later_faithful(name)) >= LEAST_KEPT, lost


@pytest.mark.parametrize("name", LATER_BLIND)
def test_later_blind_faithful_count_does_not_drop(name):
    assert sum(map(kept, later_faithful(name))) >= LATER_BLIND[name][2]


def test_later_blind_claims_are_built_from_test_evidence():
    assert_built_from_evidence(BLIND2_CLAIMS, "test")
    assert Counter(c["kind"] for c in BLIND2_CLAIMS)["faithful"] == 35 == len(BLIND2_CLAIMS) - 35
    for name, (claims, _, _) in LATER_BLIND.items():
        if name == "blind2":  # 35 faithful, 35 flips: checked above
            continue
        assert_built_from_evidence(claims, "test")
        assert Counter(c["kind"] for c in claims) == {"faithful": 40, **{kind: 10 for kind in KINDS}}


# Design data for the next rules (tests/data/support_claims_free.jsonl): 40 faithful and 40 flipped claims
# from TRAIN-question evidence, written like the second blind set (freer paraphrases; some flips reworded
# as freely), by someone who had read neither the rules nor the other claims. As the rules stood when it
# was written: flips dropped 33/40, faithful kept 15/40 (19 of the 25 losses covered below the threshold).
FREE_CLAIMS = load("free")


def test_free_claims_are_built_from_train_evidence():
    assert_built_from_evidence(FREE_CLAIMS, "train")
    assert len(FREE_CLAIMS) == 80


def test_free_claims_do_no_worse_than_when_written():
    faithful = [c for c in FREE_CLAIMS if c["kind"] == "faithful"]
    flipped = [c for c in FREE_CLAIMS if c["kind"] in KINDS]
    assert sum(kept(c) for c in faithful) >= 21  # 15 when written, 19 since the third round, 20 the fifth, 21 after 5k
    assert sum(cite(c).citations == [] for c in flipped) >= 39  # 33 when written, 38 after round 5e, 39 after 5h


# Design data for a rule about added circumstances (tests/data/support_claims_added.jsonl): 20 claims that
# restate TRAIN-question evidence but add a time, place, occasion, manner or cause it does not give ("After
# the talks in Geneva, Lavrov told ..." where the span says at their start, "by phone", "at a joint press
# conference"), as a small model echoes a question's premise into its answer, and 20 faithful paraphrases of
# the same evidence that keep the circumstances it does give. Written by someone who had read neither the
# rules nor the other claims (December 1), after the local 1.5B answered "What did Lavrov say after the
# meeting?" with "... after the meeting. [1]". As the rules stood when it was written (run once): 11 of the 20
# additions kept their citation (the span covers all but the added words), faithful kept 18/20.
ADDED_CLAIMS = load("added")


def test_added_claims_are_built_from_train_evidence():
    assert_built_from_evidence(ADDED_CLAIMS, "train", kinds=("added",))
    assert Counter(c["kind"] for c in ADDED_CLAIMS) == {"added": 20, "faithful": 20}


def test_added_claims_do_no_worse_than_when_written():
    faithful = [c for c in ADDED_CLAIMS if c["kind"] == "faithful"]
    added = [c for c in ADDED_CLAIMS if c["kind"] == "added"]
    assert sum(kept(c) for c in faithful) >= 18
    assert sum(cite(c).citations == [] for c in added) >= 9  # 9 when written: the other 11 are the next round's
