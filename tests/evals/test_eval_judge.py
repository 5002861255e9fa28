"""The LLM judge against a scripted OpenAI-compatible server: scores when it answers, failures counted
(never dropped) when it does not."""

from __future__ import annotations

import json

import pytest

from evals.judge import Judge, JudgeConfig, JudgeItem, judge_config, sentence_with_marker

server_module = pytest.importorskip("tests.support.openai_server")
ScriptedOpenAIServer, reply = server_module.ScriptedOpenAIServer, server_module.reply

ITEM = JudgeItem("q01", "Where will Blinken meet Lavrov?", "Blinken will meet Lavrov in Geneva on Friday.",
                 ["Finally, on Friday (21), Blinken will meet in Geneva with Sergei Lavrov."], "In Geneva.")


def test_no_judge_unless_model_and_url_are_both_set():
    class S:
        judge_model, judge_base_url, judge_api_key = "m", None, None

    assert judge_config(S()) is None
    S.judge_base_url = "http://127.0.0.1:1/v1"
    assert judge_config(S()) == JudgeConfig("m", "http://127.0.0.1:1/v1", None)


def test_faithfulness_scored_from_the_judges_verdicts():
    statements = {"statements": ["Blinken will meet Lavrov in Geneva.", "The meeting is on Friday."]}
    verdicts = {"statements": [
        {"statement": "Blinken will meet Lavrov in Geneva.", "reason": "stated", "verdict": 1},
        {"statement": "The meeting is on Friday.", "reason": "stated", "verdict": 0},
    ]}
    with ScriptedOpenAIServer([reply.text(json.dumps(statements)), reply.text(json.dumps(verdicts))]) as server:
        judge = Judge(JudgeConfig("scripted-model", server.base_url, timeout=10), metrics=["faithfulness"])
        scores = judge.score([ITEM])
    assert scores["q01"]["faithfulness"] == 0.5  # one of two statements supported
    assert judge.tally.summary()["failure_rate"] == 0.0


def test_unparseable_judge_output_is_counted_as_failure():
    with ScriptedOpenAIServer([reply.garbage().forever()]) as server:
        judge = Judge(JudgeConfig("scripted-model", server.base_url, timeout=10),
                      metrics=["faithfulness", "answer_correctness", "citation_support"])
        item = JudgeItem(**{**ITEM.__dict__, "statements": {0: ("Blinken meets Lavrov.", "Some other quote.")}})
        scores = judge.score([item, JudgeItem(**{**ITEM.__dict__, "qid": "q02"})])
    summary = judge.tally.summary()
    assert summary["attempts"] == {"faithfulness": 2, "answer_correctness": 2, "citation_support": 1}
    assert summary["failures"] == {"faithfulness": 2, "answer_correctness": 2, "citation_support": 1}
    assert summary["failure_rate"] == 1.0
    assert any("q01" in e for e in summary["failure_examples"]["faithfulness"])  # calls run concurrently
    assert "faithfulness" not in scores["q01"] or scores["q01"]["faithfulness"] is None


def test_server_errors_are_counted_as_failures():
    with ScriptedOpenAIServer([reply.error(500).forever()]) as server:
        judge = Judge(JudgeConfig("scripted-model", server.base_url, timeout=10), metrics=["faithfulness"])
        judge.score([ITEM])
    assert judge.tally.summary()["failures"] == {"faithfulness": 1}


def test_sentence_with_marker():
    text = "Blinken meets Lavrov in Geneva. [1] Psaki warned of an attack. [2]"
    assert sentence_with_marker(text, 2) == "Psaki warned of an attack."
    assert sentence_with_marker(text, 1) == "Blinken meets Lavrov in Geneva."
