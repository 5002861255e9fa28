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
run once. The rules were not changed after that run: what it found wrong is pinned below as strict
xfails (MISSED, TEST_FAITHFUL_KEPT), to be fixed and then measured on claims nobody designed on.

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

# Flips the rules (designed on train evidence) let through on the held-out claims.
_DOUBLE_NEGATION = "a negated denial (not reject, never rejected, not deny) reads as a denial: it flips nothing"
MISSED = {
    "test-negation-01": _DOUBLE_NEGATION,
    "test-negation-02": _DOUBLE_NEGATION,
    "test-negation-03": _DOUBLE_NEGATION,
    "test-negation-06": _DOUBLE_NEGATION,
    "test-negation-08": "'had not been in Kiev and Berlin': a negation governs no names, so it governs nothing here",
    "test-negation-12": "'no longer expected': 'longer' is taken for the negated word; 'expected' alone is too few",
    "test-number-06": "'Tuesday (19)': the window repaired to has 19 beside Wednesday and Tuesday without a number",
    "test-name-03": "'Berlin on Friday': the date comes from the window's other sentence; dates are not lent names",
    "test-actor-06": "'Psaki said Ukraine can launch': without 'that' the reported verb's actor is not found",
}
# The held-out faithful paraphrases kept (46/55, under LEAST_KEPT): passive denials read backwards
# across a 'that' clause or an adverb (2), a country named where the span has its adjective or the
# reverse (Russia's/Russian, Canada's/Canadian, German/Germany: 3), US/American and NATO/OTAN (2),
# "fears" given the actor of its clause after "that" (1), "denied by Russia" without "was" (1).
TEST_FAITHFUL_KEPT = 46


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


@pytest.mark.parametrize("claim", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=MISSED[c["id"]])) if c["id"] in MISSED else c
    for c in FLIPPED], ids=[c["id"] for c in FLIPPED])
def test_flipped_claim_keeps_no_citation(claim):
    stream = cite(claim)
    assert stream.citations == [], (claim["claim"], stream.citations[0].quote)
    assert stream.unsupported == [claim["claim"]]


def faithful_kept(half: str | None = None) -> tuple[int, int, list[str]]:
    claims = [c for c in FAITHFUL if half is None or c["split"] == half]
    lost = [c["claim"] for c in claims if not kept(c)]
    return len(claims) - len(lost), len(claims), lost


@pytest.mark.parametrize("half", [
    None, "train",
    pytest.param("test", marks=pytest.mark.xfail(strict=True, reason=f"{TEST_FAITHFUL_KEPT}/55 kept, see above")),
], ids=["all", "train-evidence", "test-evidence"])
def test_faithful_paraphrases_keep_their_citation(half):
    n_kept, n, lost = faithful_kept(half)
    assert n and n_kept / n >= LEAST_KEPT, f"kept {n_kept}/{n}; lost: {lost}"


def test_held_out_faithful_count_does_not_drop():
    assert faithful_kept("test")[0] >= TEST_FAITHFUL_KEPT
