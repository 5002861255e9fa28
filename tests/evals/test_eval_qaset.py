"""The hand-written QA sets (evals/qa.jsonl over the seeds, evals/html_qa.jsonl over the shared HTML
pages) are well-formed, split into train/test, and their evidence matches the articles."""

from __future__ import annotations

from collections import Counter

import pytest

from evals import qaset
from rag.terms import content_terms
from tests.paths import SHARED

ITEMS = qaset.load()
HTML_ITEMS = qaset.load(qaset.HTML_QA_PATH)
HTML_BENCH = SHARED / "benchmarks" / "html"


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


# --- train/test split ------------------------------------------------------------------------------


def _counts(items, split):
    chosen = [item for item in items if item.split == split]
    answered = sum(item.kind not in ("unanswerable", "followup") for item in chosen)
    return answered, sum(item.kind == "unanswerable" for item in chosen)


def test_every_question_is_train_or_test_and_the_dev_set_is_train():
    for items in (ITEMS, HTML_ITEMS):
        assert {item.split for item in items} == set(qaset.SPLITS)
    assert all(item.split == "train" for item in ITEMS[: qaset.DEV_SIZE])
    answered, refused = _counts(ITEMS, "test")
    assert answered >= 40 and refused >= 40, (answered, refused)
    answered, refused = _counts(HTML_ITEMS, "test")
    assert answered >= 12 and refused >= 12, (answered, refused)


def test_split_defaults_to_train_is_written_back_and_checked():
    item = qaset.parse_line('{"id": "x", "kind": "unanswerable", "question": "Who?"}')
    assert item.split == "train"
    assert qaset.parse_line(qaset.to_json(qaset.QAItem(**{**item.__dict__, "split": "test"}))).split == "test"
    found = qaset.problems([qaset.QAItem(**{**item.__dict__, "split": "dev"})])
    assert any("split 'dev'" in p for p in found)


# --- the HTML QA set (evals/html_qa.jsonl) over ../shared/benchmarks/html ------------------------------


def test_html_set_size_kinds_and_structure():
    kinds = Counter(item.kind for item in HTML_ITEMS)
    assert sum(item.answerable for item in HTML_ITEMS) >= 20 and kinds["unanswerable"] >= 20
    assert qaset.problems(HTML_ITEMS) == []
    assert {ev.source for item in HTML_ITEMS for ev in item.evidence} == {
        "dw.com.uncork.html", "knowtechie.com.rally.html", "kulu-media.com.meta-outage.html",
        "reuters.com.parasite.html", "theverge.com.ios13.html", "threatpost.com.android.html",
        "vancouversun.com.microsoft.html", "vice.com.amazon.html"}


@pytest.fixture(scope="module")
def html_engine(tmp_path_factory):
    if not (HTML_BENCH / "expectations.json").is_file():
        pytest.skip(f"shared HTML benchmark not found at {HTML_BENCH} (set RAG_SHARED_DIR)")
    from rag import Engine

    engine = Engine.open(corpus=HTML_BENCH, index=tmp_path_factory.mktemp("html_index") / "index",
                         answer_mode="extractive")
    engine.ingest()
    yield engine
    engine.close()


def test_every_html_evidence_quote_is_the_exact_span_of_the_cleaned_page(html_engine):
    spans = [(item.id, ev) for item in HTML_ITEMS for ev in item.evidence]
    assert len(spans) >= 20
    for qid, ev in spans:
        assert html_engine.article(ev.source)[ev.start : ev.end] == ev.quote, qid
    assert qaset.problems(HTML_ITEMS, html_engine.article) == []


def test_the_third_batch_is_train_and_resembles_no_test_question():
    """q264 on were written for training after the test split was frozen (evals/SPLITS.md): each is train,
    and none shares half its content terms (rag.terms, stemmed) with a test question: those were dropped."""
    third = [item for item in ITEMS if int(item.id[1:]) >= 264]
    tests = [set(content_terms(item.question)) for item in ITEMS if item.split == "test"]
    assert len(third) == 73 and all(item.split == "train" for item in third)
    for item in third:
        mine = set(content_terms(item.question))
        assert max(len(mine & theirs) / len(mine | theirs) for theirs in tests) < 0.5, item.id
