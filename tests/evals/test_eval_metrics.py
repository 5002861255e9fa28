"""evals.metrics on small hand-made cases; every expected value is worked out by hand in a comment."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace as S

import pytest

from evals import metrics as m


def span(source, start, end, quote=""):
    return S(source=source, start=start, end=end, quote=quote)


A1, A2 = span("a.txt", 10, 20), span("a.txt", 40, 50)  # two evidence spans in article a
B1 = span("b.txt", 0, 30)  # one in article b
GROUPS = [[A1, A2], [B1]]  # fact 1 is in a (twice), fact 2 in b


def test_overlap_needs_same_article_and_a_shared_character():
    assert m.overlaps(span("a.txt", 15, 25), A1)
    assert m.overlaps(span("a.txt", 0, 11), A1)  # shares character 10
    assert not m.overlaps(span("a.txt", 0, 10), A1)  # ends where A1 starts: touching, not overlapping
    assert not m.overlaps(span("a.txt", 20, 30), A1)
    assert not m.overlaps(span("b.txt", 10, 20), A1)  # same offsets, other article


def test_evidence_recall_at_k_counts_groups_reached():
    passages = [span("c.txt", 0, 100), span("a.txt", 45, 60), span("b.txt", 5, 6)]
    # top 1: nothing; top 2: group 1 via A2 -> 1/2; top 3: both groups -> 2/2
    assert m.evidence_recall_at_k(passages, GROUPS, 1) == 0.0
    assert m.evidence_recall_at_k(passages, GROUPS, 2) == 0.5
    assert m.evidence_recall_at_k(passages, GROUPS, 3) == 1.0
    assert m.evidence_recall_at_k(passages, [], 3) is None  # unanswerable: not applicable


def test_reciprocal_rank_is_one_over_first_hit():
    passages = [span("c.txt", 0, 100), span("c.txt", 100, 200), span("b.txt", 5, 6)]
    assert m.reciprocal_rank(passages, GROUPS) == pytest.approx(1 / 3)  # first evidence at rank 3
    assert m.reciprocal_rank(passages[:2], GROUPS) == 0.0
    assert m.reciprocal_rank(passages, []) is None


def test_citation_exactness_compares_quote_with_article_span():
    articles = {"a.txt": "0123456789Blinken met Lavrov."}
    good = span("a.txt", 10, 17, "Blinken")
    shifted = span("a.txt", 11, 18, "Blinken")  # article[11:18] == "linken " -> inexact
    unknown = span("zz.txt", 0, 3, "abc")  # no such article -> inexact
    assert m.citation_exactness([good], articles.__getitem__) == 1.0
    assert m.citation_exactness([good, shifted, unknown, good], articles.__getitem__) == 0.5  # 2 of 4
    assert m.citation_exactness([], articles.__getitem__) is None


def test_citation_precision_and_recall():
    cites = [span("a.txt", 12, 14), span("c.txt", 0, 5), span("a.txt", 41, 42)]
    # precision: citations 0 and 2 overlap gold (A1, A2), citation 1 does not -> 2/3
    assert m.citation_precision(cites, GROUPS) == pytest.approx(2 / 3)
    # a judge that found citation 1 supportive makes it 3/3
    assert m.citation_precision(cites, GROUPS, judged={1: True}) == 1.0
    assert m.citation_precision(cites, GROUPS, judged={1: False}) == pytest.approx(2 / 3)
    # recall: group 1 cited (twice, counts once), group 2 (b.txt) not -> 1/2
    assert m.citation_recall(cites, GROUPS) == 0.5
    assert m.citation_recall([], GROUPS) == 0.0  # refusal: cites nothing
    assert m.citation_precision([], GROUPS) is None
    assert m.citation_precision(cites, []) is None and m.citation_recall(cites, []) is None


def test_refusal_outcomes_and_rates():
    outcomes = [
        m.refusal_outcome(should_refuse=True, refused=True),  # correct refusal
        m.refusal_outcome(should_refuse=True, refused=False),  # made-up answer
        m.refusal_outcome(should_refuse=False, refused=True),  # false refusal
        m.refusal_outcome(should_refuse=False, refused=False),
        m.refusal_outcome(should_refuse=False, refused=False),
    ]
    assert outcomes == ["correct_refusal", "false_answer", "false_refusal", "answered", "answered"]
    rates = m.refusal_rates(outcomes)
    # 1 of 2 unanswerable refused; 1 of 3 answerable refused; right decisions 1 + 2 = 3 of 5
    assert rates == {"correct_refusal_rate": 0.5, "false_refusal_rate": pytest.approx(1 / 3), "refusal_accuracy": 0.6}
    assert m.refusal_rates([]) == {"correct_refusal_rate": None, "false_refusal_rate": None, "refusal_accuracy": None}


def test_token_f1_by_hand():
    # prediction tokens: blinken meets lavrov in geneva (5; "the" dropped)
    # reference tokens: in geneva on friday (4); common: in, geneva = 2
    # precision 2/5, recall 2/4 -> F1 = 2*0.4*0.5/0.9 = 0.4444
    assert m.token_f1("Blinken meets Lavrov in the Geneva. [1]", "In Geneva, on Friday.") == pytest.approx(4 / 9)
    assert m.token_f1("Paris", "Geneva") == 0.0
    assert m.token_f1("anything", "") is None


def test_normalize_and_contains():
    assert m.normalize("US$200 million") == "us 200 million"
    assert m.normalize("Mélanie  JOLY’s") == "melanie joly s"
    assert m.contains("about 100.000 soldiers", "100,000")  # both -> "100 000"
    assert m.contains("Romania's Simona Halep beats", "simona halep")
    assert not m.contains("Norwayan team", "Norway")  # whole words only
    assert not m.contains("anything", "")


def test_fact_recall_counts_facts_with_any_spelling():
    facts = [["Kuleba", "Kuleb"], ["Zelensky", "Zelenskiy"], ["Berlin"]]
    # Kuleb (2nd spelling) and Zelenskiy found, Berlin not: 2/3
    assert m.fact_recall("He met Zelenskiy and Dmytro Kuleb in Kiev.", facts) == pytest.approx(2 / 3)
    assert m.fact_recall("", facts) == 0.0
    assert m.fact_recall("whatever", []) is None


def test_rgb_gold_answers_every_part_any_spelling():
    assert m.contains_answer("It was held in Tampa, Florida.", "Tampa, Florida")
    assert not m.contains_answer("It was held in Tampa.", "Tampa, Florida")
    date = [["July 21 2017", "Jul 21, 2017", "21 July 2017"]]
    assert m.contains_answer("Splatoon 2 came out on 21 July 2017 worldwide", date)
    assert not m.contains_answer("Splatoon 2 came out in July 2017", date)
    two_parts = [["Facebook", "Meta"], ["2012"]]
    assert m.contains_answer("Meta bought it in April 2012", two_parts)
    assert not m.contains_answer("Meta bought it", two_parts)  # the year part is missing
    assert m.gold_parts(["A", ["B", "b2"]]) == [["A"], ["B", "b2"]]


def test_strip_markers_mean_percentile():
    assert m.strip_markers("Geneva. [1] Friday. [2][3]") == "Geneva. Friday."
    assert m.mean([1.0, None, 0.0, float("nan")]) == 0.5  # None and NaN skipped
    assert m.mean([None]) is None
    assert m.percentile([5.0, 1.0, 3.0], 50) == 3.0
    assert m.percentile([], 50) is None


def test_ragas_nonllm_metrics_run_without_a_model():
    ref = "Blinken will meet Lavrov in Geneva."
    out = asyncio.run(m.ragas_nonllm(ref, ref, [ref], [ref]))
    # identical texts: every similarity is 1; the one cited context matches the one gold context
    assert out["string_similarity"] == pytest.approx(1.0)
    assert out["rouge_l"] == pytest.approx(1.0)
    assert out["bleu"] == pytest.approx(1.0)
    assert out["context_precision"] == pytest.approx(1.0, abs=1e-6)
    assert out["context_recall"] == 1.0
    # a refusal cites nothing: context metrics not applicable, similarity to the reference low
    out = asyncio.run(m.ragas_nonllm("No idea.", ref, [], [ref]))
    assert out["context_precision"] is None and out["context_recall"] is None
    assert out["string_similarity"] < 0.3


# --- calibration -------------------------------------------------------------------------------------


def test_answer_supported_needs_an_answer_citing_gold_evidence():
    on_gold, off_gold = span("a.txt", 12, 14), span("c.txt", 0, 5)
    assert m.answer_supported(False, [off_gold, on_gold], GROUPS)  # one citation on A1 is enough
    assert not m.answer_supported(False, [off_gold], GROUPS)  # cites, but nothing on gold
    assert not m.answer_supported(True, [], GROUPS)  # a refusal is never correct
    assert not m.answer_supported(False, [on_gold], [])  # unanswerable question answered


def test_reliability_bins_and_ece_by_hand():
    confidences = [0.05, 0.15, 0.12, 0.95, 1.0, None]
    correct = [False, True, False, True, True, True]
    bins = m.reliability(confidences, correct, bins=10)
    # bin 0 [0, .1): 0.05 wrong; bin 1 [.1, .2): 0.15 right, 0.12 wrong; bin 9 [.9, 1]: 0.95 and 1.0, both
    # right (1.0 goes into the last bin); None skipped; empty bins left out
    assert [(b["lo"], b["hi"], b["count"]) for b in bins] == [(0.0, 0.1, 1), (0.1, 0.2, 2), (0.9, 1.0, 2)]
    assert [b["confidence"] for b in bins] == pytest.approx([0.05, 0.135, 0.975])
    assert [b["accuracy"] for b in bins] == [0.0, 0.5, 1.0]
    # ECE = 1/5*|0-0.05| + 2/5*|0.5-0.135| + 2/5*|1-0.975| = 0.01 + 0.146 + 0.01
    assert m.expected_calibration_error(bins) == pytest.approx(0.166)
    # two bins: [0.2, 0.4] -> mean 0.3, 1 of 2 right; [0.6, 0.8] -> mean 0.7, 2 of 2 right
    # ECE = 0.5*|0.5-0.3| + 0.5*|1.0-0.7| = 0.1 + 0.15
    two = m.reliability([0.2, 0.4, 0.6, 0.8], [False, True, True, True], bins=2)
    assert [(b["confidence"], b["accuracy"]) for b in two] == [(pytest.approx(0.3), 0.5), (pytest.approx(0.7), 1.0)]
    assert m.expected_calibration_error(two) == pytest.approx(0.25)
    assert m.reliability([None], [True]) == [] and m.expected_calibration_error([]) is None
    with pytest.raises(ValueError):
        m.reliability([1.2], [True])


def test_precision_recall_curve_of_the_refusal_decision_by_hand():
    should_refuse = [True, False, True, False, False]
    scores = [0.9, 0.8, 0.4, 0.1, 0.4]  # 1 - confidence; 0.4 is a tie of a positive and a negative
    curve = m.precision_recall_curve(should_refuse, scores)
    # t=0.9: refuse item 0 -> TP 1, FP 0: P 1, R 1/2;   t=0.8: + item 1 (neg) -> P 1/2, R 1/2
    # t=0.4: + items 2 (pos) and 4 (neg) together -> TP 2, FP 2: P 1/2, R 1;   t=0.1: + item 3 -> P 2/5, R 1
    assert [p["threshold"] for p in curve] == [0.9, 0.8, 0.4, 0.1]
    assert [p["precision"] for p in curve] == [1.0, 0.5, 0.5, 0.4]
    assert [p["recall"] for p in curve] == [0.5, 0.5, 1.0, 1.0]
    # AP = 0.5*1 + 0*0.5 + 0.5*0.5 + 0*0.4 = 0.75
    assert m.average_precision(curve) == pytest.approx(0.75)
    # every question to refuse scores above every one to answer: AP 1
    assert m.average_precision(m.precision_recall_curve([True, True, False], [0.7, 0.6, 0.2])) == 1.0
    assert m.precision_recall_curve([False, False], [0.3, 0.4]) == []  # nothing to refuse: no curve
    assert m.average_precision([]) is None
    # an item without a score is skipped: one positive left, at 0.6 -> P 1, R 1; then 0.5 (neg) -> P 1/2, R 1
    partial = m.precision_recall_curve([True, False, True], [None, 0.5, 0.6])
    assert [(p["precision"], p["recall"]) for p in partial] == [(1.0, 1.0), (0.5, 1.0)]
