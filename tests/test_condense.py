"""Follow-up questions are condensed into standalone ones before retrieval (rag.condense): by the
heuristic without a model, by the model in llm mode (scripted server on 127.0.0.1), falling back to
the heuristic when the model fails or rewrites badly."""

from __future__ import annotations

import pytest

from rag.condense import Condensed, clean_rewrite, condense, heuristic, refers_back
from rag.llm import LLMClient
from rag.prompts import CONDENSE_SYSTEM
from rag.terms import TermWeights
from tests.support.openai_server import ScriptedOpenAIServer, reply

GENEVA = [("user", "Where did Blinken and Lavrov meet in Geneva?"), ("assistant", "At a hotel in Geneva. [1]")]


@pytest.mark.parametrize(
    "question",
    ["And what did Lavrov say?", "What about Lavrov?", "What did he promise there?", "How much is that in euros?",
     "Why?", "Did they agree?"],
)
def test_questions_that_refer_back(question):
    assert refers_back(question)


@pytest.mark.parametrize(
    "question", ["Where will Blinken meet Lavrov on Friday?", "Who is Ukraine's foreign minister?"]
)
def test_standalone_questions(question):
    assert not refers_back(question)
    assert heuristic(question, GENEVA) == question


def test_heuristic_borrows_the_missing_terms_of_the_previous_question():
    standalone = heuristic("And what did Lavrov say?", GENEVA)
    assert standalone == "And what did Lavrov say? (Blinken meet Geneva)"


def test_heuristic_looks_further_back_when_the_previous_question_was_a_follow_up_too():
    history = [("user", "How much aid did Washington announce for Ukraine?"), ("assistant", "200 million. [1]"),
               ("user", "And Britain?"), ("assistant", "Anti-tank weapons. [1]")]
    standalone = heuristic("How much is that in euros?", history)
    assert standalone.startswith("How much is that in euros? (")
    for word in ("Britain", "aid", "Washington", "Ukraine"):
        assert word in standalone


def test_heuristic_ignores_assistant_turns_and_empty_history():
    assert heuristic("And him?", []) == "And him?"
    assert heuristic("And him?", [("assistant", "Zelensky in Kiev")]) == "And him?"


def test_condense_without_a_model_uses_the_heuristic():
    assert condense("And what did Lavrov say?", GENEVA) == Condensed(
        "And what did Lavrov say? (Blinken meet Geneva)", "heuristic")
    assert condense("Where is Kiev?", []) == Condensed("Where is Kiev?", "none")


@pytest.mark.parametrize(
    "raw, clean",
    [("Standalone question: What did Lavrov say in Geneva?\n", "What did Lavrov say in Geneva?"),
     ('"What did Lavrov say in Geneva?"', "What did Lavrov say in Geneva?"),
     ("\n\nRewritten question: **What did Lavrov say?**\nExplanation: ...", "What did Lavrov say?"),
     ("", "")],
)
def test_clean_rewrite(raw, clean):
    assert clean_rewrite(raw) == clean


@pytest.fixture
def server():
    with ScriptedOpenAIServer() as s:
        yield s


def client_for(server) -> LLMClient:
    return LLMClient(server.base_url, api_key=None, model="scripted", timeout=1, max_retries=1, backoff=0.01)


def test_condense_with_the_model(server):
    server.add(reply.text("What did Lavrov say at his Geneva meeting with Blinken?"))
    result = condense("And what did Lavrov say?", GENEVA, client_for(server), TermWeights({}, 10))
    assert result == Condensed("What did Lavrov say at his Geneva meeting with Blinken?", "llm")
    (request,) = server.chat_requests
    system, user = request.json["messages"]
    assert system["content"] == CONDENSE_SYSTEM and request.json.get("stream") in (None, False)
    assert "User: Where did Blinken and Lavrov meet in Geneva?" in user["content"]
    assert "Assistant: At a hotel in Geneva." in user["content"]  # markers stripped from history
    assert "[1]" not in user["content"]
    assert user["content"].endswith("Last question: And what did Lavrov say?\n\nRewritten question:")


def test_model_rewrite_that_loses_the_question_falls_back_to_the_heuristic(server):
    server.add(reply.text("Where did Blinken and Lavrov meet in Geneva?"))  # the question itself is lost
    question = "What did he propose for Ukraine there?"
    result = condense(question, GENEVA, client_for(server), TermWeights({}, 10))
    assert result.method == "heuristic" and result.error == ""
    assert result.question == heuristic(question, GENEVA) == f"{question} (Blinken Lavrov meet Geneva)"


def test_failing_model_falls_back_to_the_heuristic_and_reports_why(server):
    server.add(reply.error(500).forever())
    result = condense("And what did Lavrov say?", GENEVA, client_for(server), TermWeights({}, 10))
    assert result.question == "And what did Lavrov say? (Blinken meet Geneva)"
    assert result.method == "heuristic" and "HTTP 500" in result.error


def test_engine_extractive_follow_up_retrieves_with_the_standalone_question(seeds_engine):
    answer = seeds_engine.ask("And what did Lavrov say?", history=GENEVA)
    assert answer.question == "And what did Lavrov say?"
    assert "Geneva" in answer.standalone_question and "meet" in answer.standalone_question
    assert any("Geneva" in p.text for p in answer.passages[:3])
    without = seeds_engine.ask("And what did Lavrov say?")
    assert without.standalone_question == "And what did Lavrov say?"


def test_engine_llm_follow_up_uses_the_model_rewrite(seeds_engine, server, monkeypatch):
    for name, value in {"answer_mode": "llm", "openai_base_url": server.base_url, "llm_model": "scripted",
                        "llm_timeout": 2.0, "llm_max_retries": 0}.items():
        monkeypatch.setattr(seeds_engine.settings, name, value)
    rewrite = "What did Lavrov say he expects from the Geneva talks with Blinken?"
    server.add(reply.text(rewrite), reply.text("The indexed articles do not answer this question."))
    answer = seeds_engine.ask("And what did he expect?", history=GENEVA)
    assert answer.standalone_question == rewrite and answer.question == "And what did he expect?"
    condense_request, answer_request = server.chat_requests
    prompt = answer_request.json["messages"][1]["content"]
    assert prompt.endswith(f"Question: And what did he expect?\n(A follow-up question; on its own it reads: {rewrite})")
    assert answer.passages == seeds_engine.retrieve(rewrite)


def test_engine_llm_follow_up_with_a_dead_endpoint_answers_extractively_once(seeds_engine, server, monkeypatch):
    for name, value in {"answer_mode": "llm", "openai_base_url": server.base_url, "llm_model": "scripted",
                        "llm_timeout": 2.0, "llm_max_retries": 0}.items():
        monkeypatch.setattr(seeds_engine.settings, name, value)
    server.add(reply.error(503).forever())
    answer = seeds_engine.ask("And what did Lavrov say?", history=GENEVA)
    assert answer.mode == "extractive" and "HTTP 503" in answer.notice
    assert answer.standalone_question == "And what did Lavrov say? (Blinken meet Geneva)"
    assert len(server.chat_requests) == 1  # the failed condense call; no second wait for the answer
