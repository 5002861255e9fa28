"""rag.judged (answer mode `local`) over the real seeds index, with the model played by two scripted
OpenAI-compatible servers on 127.0.0.1: one judges ("yes"/"no" with log probabilities), one writes.
The real 0.5B runs the same path in tests/test_engine_local.py."""

from __future__ import annotations

import hashlib
import json

import pytest

from rag.answerability import MODEL_FILE
from rag.answering import WithFallback, final_reply
from rag.config import Settings
from rag.engine import Engine
from rag.extractive import JUDGED, ExtractiveAnswerer
from rag.generative import GenerativeAnswerer
from rag.judged import JUDGED_FILE, JudgedAnswerer, ModelJudge, judged_threshold
from rag.llm import LLMClient
from rag.prompts import JUDGED_NOTICE, REFUSAL_TEXT, fallback_notice
from tests.support.openai_server import ScriptedOpenAIServer, reply

QUESTION = "Where will Blinken meet Lavrov?"


def client(server) -> LLMClient:
    return LLMClient(server.base_url, None, "scripted", timeout=5.0, max_retries=0, backoff=0.01)


@pytest.fixture
def judge_server():
    with ScriptedOpenAIServer() as s:
        yield s


@pytest.fixture
def writer_server():
    with ScriptedOpenAIServer() as s:
        yield s


def answerer(engine, judge, writer_server) -> JudgedAnswerer:
    extractive = engine._extractive()
    selector = ExtractiveAnswerer(extractive.weights, extractive.embed, extractive.max_sentences,
                                  threshold=judged_threshold(), judge=judge)
    writer = GenerativeAnswerer(client(writer_server), extractive.weights, mode="local")
    return JudgedAnswerer(selector, writer)


def run(answerer, engine, question=QUESTION):
    events = list(answerer.stream(question, engine.retrieve(question)))
    *deltas, reply_ = events
    assert "".join(deltas) == reply_.text
    return reply_


def test_judged_yes_the_model_writes_from_the_judged_sentences_only(seeds_engine, judge_server, writer_server):
    judge_server.add(reply.verdict(0.95).forever())
    writer_server.add(reply.text("Blinken will meet Lavrov in Geneva on Friday [1].", chunk=1))
    subject = answerer(seeds_engine, ModelJudge(client(judge_server)), writer_server)
    answer = run(subject, seeds_engine)
    assert not answer.refused and answer.mode == "local" and answer.notice == ""
    assert answer.text.startswith("Blinken will meet Lavrov in Geneva on Friday") and answer.text.endswith("[1]")
    (citation,) = answer.citations
    assert citation.quote == seeds_engine.article(citation.source)[citation.start:citation.end]
    assert "Geneva" in citation.quote
    # the writer saw only the judged sentences, each as a numbered passage of its own
    prompt = writer_server.chat_requests[0].json["messages"][1]["content"]
    assert citation.quote in prompt and prompt.count("source:") <= subject.selector.max_sentences
    assert 1 <= len(judge_server.chat_requests) <= JUDGED  # one part, one name: the best few candidates


def test_judged_no_refuses_without_asking_the_writer(seeds_engine, judge_server, writer_server):
    judge_server.add(reply.verdict(0.02).forever())
    answer = run(answerer(seeds_engine, ModelJudge(client(judge_server)), writer_server), seeds_engine)
    assert answer.refused and answer.text == REFUSAL_TEXT and answer.citations == []
    assert writer_server.chat_requests == []


def test_the_judge_decides_which_sentences_answer(seeds_engine, writer_server):
    """Only sentences the judge accepts can be chosen, whatever their answerability."""
    def judge(question, sentence):
        return 0.95 if "Geneva" in sentence else 0.01

    writer_server.add(reply.text(REFUSAL_TEXT))  # the writer declines: the judged sentences are quoted
    answer = run(answerer(seeds_engine, judge, writer_server), seeds_engine)
    assert not answer.refused and answer.notice == JUDGED_NOTICE
    assert answer.citations and all("Geneva" in c.quote for c in answer.citations)
    for c in answer.citations:
        assert f"{c.quote} [{c.marker}]" in answer.text


def test_a_question_about_someone_the_articles_never_mention_is_refused_unjudged(seeds_engine, judge_server,
                                                                                writer_server):
    judge_server.add(reply.verdict(0.95).forever())  # a judge that would say yes to anything
    question = "What did Hungarian Prime Minister Viktor Orban say about the joint drills with Russia?"
    answer = run(answerer(seeds_engine, ModelJudge(client(judge_server)), writer_server), seeds_engine, question)
    assert answer.refused and answer.text == REFUSAL_TEXT
    assert judge_server.chat_requests == [] and writer_server.chat_requests == []


def test_a_failing_judge_falls_back_to_the_extractive_answer(seeds_engine, judge_server, writer_server):
    judge_server.add(reply.error(500).forever())
    extractive = seeds_engine._extractive()
    subject = WithFallback(answerer(seeds_engine, ModelJudge(client(judge_server)), writer_server), extractive)
    answer = final_reply(subject.stream(QUESTION, seeds_engine.retrieve(QUESTION)))
    assert answer.mode == "extractive" and answer.notice.startswith("model endpoint failed (model endpoint ")
    assert answer.notice.endswith("returned HTTP 500); answered extractively")
    assert answer.text == extractive.reply(QUESTION, seeds_engine.retrieve(QUESTION)).text
    assert writer_server.chat_requests == []


def test_the_shipped_threshold_was_picked_with_the_shipped_answerability_model():
    """Refitting rag/answerability.json changes which candidates are judged: python -m evals.fit_judged
    must follow."""
    fitted = json.loads(JUDGED_FILE.read_text())
    assert fitted["answerability_sha256"] == hashlib.sha256(MODEL_FILE.read_bytes()).hexdigest()
    assert 0.0 < fitted["threshold"] < 1.0


def test_a_judge_that_breaks_unexpectedly_falls_back_too(seeds_engine, writer_server):
    def judge(question, sentence):
        raise RuntimeError("not an LLMError")

    extractive = seeds_engine._extractive()
    subject = WithFallback(answerer(seeds_engine, judge, writer_server), extractive)
    answer = final_reply(subject.stream(QUESTION, seeds_engine.retrieve(QUESTION)))
    assert answer.mode == "extractive" and answer.notice == fallback_notice("model call failed: RuntimeError")


def always_yes(question, sentence):
    return 0.95


def test_a_writer_failing_before_any_text_gives_the_judged_sentences(seeds_engine, writer_server):
    writer_server.add(reply.error(500).forever())
    subject = answerer(seeds_engine, always_yes, writer_server)
    chosen = subject.selector.select(QUESTION, seeds_engine.retrieve(QUESTION))
    answer = run(subject, seeds_engine)
    assert not answer.refused and answer.notice.startswith("model endpoint failed")
    assert [(c.source, c.start, c.end) for c in answer.citations] == [(s.source, s.start, s.end) for s in chosen]


def test_a_writer_breaking_off_keeps_what_it_showed_and_adds_the_judged_sentences(seeds_engine, writer_server):
    writer_server.add(reply.broken("Blinken will meet Lavrov in Geneva [1]. He will also", after=60, chunk=1))
    subject = answerer(seeds_engine, always_yes, writer_server)
    answer = run(subject, seeds_engine)  # the deltas concatenate to the text
    assert answer.text.startswith("Blinken will meet Lavrov in Geneva")
    assert "(model endpoint failed" in answer.text and answer.notice.startswith("model endpoint failed")
    for c in answer.citations:
        assert c.quote == seeds_engine.article(c.source)[c.start:c.end]
        assert f"[{c.marker}]" in answer.text


def test_engine_local_mode_judges_then_writes(seeds_engine, embedder, judge_server, monkeypatch):
    """Engine.stream in local mode goes through rag.judged: verdict requests (with log probabilities)
    first, then one streamed answer from the judged sentences."""
    judge_server.add(reply.verdict(0.95, content="Blinken will meet Lavrov in Geneva [1].").forever())
    engine = Engine(Settings(corpus=seeds_engine.settings.corpus, index=seeds_engine.settings.index), embedder)
    monkeypatch.setattr(engine, "_model_client", lambda mode: client(judge_server))
    *deltas, answer = list(engine.stream(QUESTION, mode="local"))
    assert answer.mode == "local" and not answer.refused and "".join(deltas) == answer.text
    requests = [r.json for r in judge_server.chat_requests]
    verdicts = [r for r in requests if r.get("logprobs")]
    assert 1 <= len(verdicts) <= JUDGED and requests[-1].get("stream") and not requests[-1].get("logprobs")
    assert all(c.quote == engine.article(c.source)[c.start:c.end] for c in answer.citations)


def test_engine_local_mode_quotes_the_judged_sentences_for_a_bare_name(seeds_engine, embedder, judge_server, monkeypatch):
    """The 1.5B wrote "The US Secretary of State. [1]" for Zelensky's office: names alone cannot be
    checked against a span, so in local mode they are dropped and the judged sentences quoted."""
    judge_server.add(reply.verdict(0.95, content="Friday [1].").forever())
    engine = Engine(Settings(corpus=seeds_engine.settings.corpus, index=seeds_engine.settings.index), embedder)
    monkeypatch.setattr(engine, "_model_client", lambda mode: client(judge_server))
    *deltas, answer = list(engine.stream("On which day will Blinken meet Lavrov?", mode="local"))
    assert answer.mode == "local" and not answer.refused and answer.notice == JUDGED_NOTICE
    assert answer.unsupported == ["Friday."] and "".join(deltas) == answer.text
    assert answer.text != "Friday. [1]" and "Lavrov" in answer.citations[0].quote
    assert all(c.quote == engine.article(c.source)[c.start:c.end] for c in answer.citations)
