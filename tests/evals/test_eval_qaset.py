"""The hand-written QA set (evals/qa.jsonl) is well-formed and its evidence matches the articles."""

from __future__ import annotations

from collections import Counter

import pytest

from evals import qaset

ITEMS = qaset.load()


def test_size_and_kinds():
    kinds = Counter(item.kind for item in ITEMS)
    assert len(ITEMS) >= 40
    assert set(kinds) <= set(qaset.KINDS)
    assert set(kinds) == set(qaset.KINDS), f"every kind is represented: {kinds}"
    assert kinds["unanswerable"] >= 8
    assert kinds["single"] + kinds["multi"] + kinds["numeric"] >= 20
    assert kinds["followup"] >= 3 and kinds["comparison"] >= 3 and kinds["multi"] >= 3


def test_dev_set_is_the_first_24_with_refusals_and_multi_article_questions():
    dev = ITEMS[: qaset.DEV_SIZE]
    assert sum(item.kind == "unanswerable" for item in dev) >= 4
    assert sum(item.kind == "multi" for item in dev) >= 2
    assert sum(item.kind in ("single", "multi", "numeric") for item in dev) >= 14


def test_structure_is_valid_without_the_corpus():
    assert qaset.problems(ITEMS) == []


def test_every_evidence_quote_is_the_exact_span_of_the_cleaned_article(eval_engine):
    spans = [(item.id, ev) for item in ITEMS for ev in item.evidence]
    assert len(spans) >= 60
    for qid, ev in spans:
        assert eval_engine.article(ev.source)[ev.start : ev.end] == ev.quote, qid
    assert qaset.problems(ITEMS, eval_engine.article) == []


def test_multi_article_questions_need_two_articles():
    for item in ITEMS:
        if item.kind == "multi":
            # some group must be answerable only outside the article of another group
            group_sources = [frozenset(ev.source for ev in g) for g in item.groups]
            assert len(group_sources) >= 2, item.id
            assert not frozenset.intersection(*group_sources), item.id


def test_followups_carry_history_and_unanswerables_nothing():
    for item in ITEMS:
        if item.kind == "followup":
            assert item.history and item.history[0][0] == "user", item.id
        if item.kind == "unanswerable":
            assert not item.answerable and not item.answer and not item.facts, item.id
        else:
            assert item.answerable or item.kind == "followup", item.id


def test_problems_reports_a_shifted_offset_and_a_bad_kind(eval_engine):
    good = ITEMS[0]
    ev = good.evidence[0]
    shifted = qaset.QAItem(**{**good.__dict__, "evidence": (qaset.Evidence(ev.source, ev.start + 1, ev.end + 1, ev.quote),)})
    bad_kind = qaset.QAItem(**{**good.__dict__, "id": "x", "kind": "trivia"})
    found = qaset.problems([shifted, bad_kind], eval_engine.article)
    assert any("not the quote" in p for p in found)
    assert any("trivia" in p for p in found)


def test_offsets_are_recomputed_from_quotes(eval_engine):
    from evals.build_offsets import rebuild

    item = ITEMS[0]
    blank = qaset.QAItem(**{**item.__dict__, "evidence": tuple(
        qaset.Evidence(e.source, -1, -1, e.quote, e.group) for e in item.evidence)})
    rebuilt, missing = rebuild([blank], eval_engine.article)
    assert missing == [] and rebuilt[0] == item
    typo = qaset.QAItem(**{**item.__dict__, "evidence": (qaset.Evidence(item.evidence[0].source, -1, -1, "Blinken wil meet in Geneva"),)})
    _, missing = rebuild([typo], eval_engine.article)
    assert len(missing) == 1 and "closest" in missing[0]


def test_locate_prefers_the_occurrence_nearest_the_old_offset():
    text = "abc. abc. abc."
    assert qaset.locate("abc.", text).start == 0
    assert qaset.locate("abc.", text, hint=9).start == 10
    assert qaset.locate("xyz", text) is None


@pytest.mark.parametrize("line", ['{"id": "q", "kind": "single"}', "not json"])
def test_bad_lines_raise(line):
    with pytest.raises(qaset.QASetError):
        qaset.parse_line(line, 1)
