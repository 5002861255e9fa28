"""rag/rerank.py, the second stage: the passage holding the likeliest answer sentence moves up, and
only an answer (never the refusal decision) comes from the reordered passages. Texts written here;
the real MiniLM embedder and the shipped answerability model."""

import pytest

from rag.extractive import ExtractiveAnswerer
from rag.rerank import DEPTH, KEEP, rerank
from rag.schema import Passage, Span
from rag.terms import TermWeights, tokens

QUESTION = "How many troops has Russia massed near the border?"
ANSWER_A = "Russia has massed about 100,000 troops near the border, Ukraine says."
ANSWER_D = "NATO says Russia has now massed 127,000 troops near the Ukrainian border."
NOISE = ["The weather in Geneva was cold and grey on Friday morning.",
         "The talks were held in a hotel on the shore of the lake.",
         "Reporters waited outside the hotel until the evening."]


def passages(*texts: str) -> list[Passage]:
    return [Passage(f"{n}.txt", 0, len(t), t, 1.0 / (n + 1)) for n, t in enumerate(texts)]


def test_a_passage_with_a_likely_answer_moves_up_below_the_kept_ones_and_the_rest_keep_their_order():
    pool = passages("a", "b", "c", "d", "e")
    order = [p.source for p in rerank(pool, [(Span("3.txt", 0, 1), 0.9)], k=5)]
    assert KEEP == 2 and order == ["0.txt", "1.txt", "3.txt", "2.txt", "4.txt"]
    assert [p.source for p in rerank(pool, [], k=3)] == ["0.txt", "1.txt", "2.txt"]  # nothing scored: first stage
    assert [p.source for p in rerank(pool, [(Span("3.txt", 0, 1), 0.0)], k=3)] == ["0.txt", "1.txt", "2.txt"]


def test_the_best_sentence_of_a_passage_counts_and_unknown_spans_are_ignored():
    pool = passages("a", "b", "c", "d", "e")
    scored = [(Span("3.txt", 0, 1), 0.1), (Span("3.txt", 0, 1), 0.8), (Span("2.txt", 0, 1), 0.5),
              (Span("elsewhere.txt", 0, 1), 0.99)]
    # 3.txt ranks by its best sentence (0.8, first), not its worst (0.1, which would put 2.txt first)
    assert [p.source for p in rerank(pool, scored, k=5)] == ["0.txt", "1.txt", "3.txt", "2.txt", "4.txt"]
    assert len(rerank(pool, scored, k=2)) == 2


@pytest.fixture(scope="module")
def weights():
    words = tokens(" ".join([QUESTION, ANSWER_A, ANSWER_D, *NOISE]))
    return TermWeights({t: 1 for t in words}, 50)


def test_the_refusal_is_decided_on_the_first_stage_alone(embedder, weights):
    asked = []

    def deeper(question, n):
        asked.append(n)
        return passages(*NOISE, ANSWER_D)

    answerer = ExtractiveAnswerer(weights, embedder.embed, deeper=deeper)
    reply = answerer.reply(QUESTION, passages(*NOISE))  # the first stage holds no answer
    assert reply.refused and reply.citations == [] and reply.passages is None
    assert asked == []  # the second stage is not even searched


def test_an_answer_is_chosen_from_the_reranked_passages(embedder, weights):
    first_stage = passages(ANSWER_A, *NOISE)
    pool = passages(ANSWER_A, *NOISE, ANSWER_D)  # the second answer is fifth

    answerer = ExtractiveAnswerer(weights, embedder.embed, deeper=lambda question, n: pool[:n])
    reply = answerer.reply(QUESTION, first_stage)
    assert not reply.refused
    # k of the first stage: its best two kept, then the passage holding the other answer
    assert [p.text for p in reply.passages] == [ANSWER_A, NOISE[0], ANSWER_D, NOISE[1]]
    assert ANSWER_D in {c.quote for c in reply.citations}
    assert {c.quote for c in reply.citations} <= {ANSWER_A, ANSWER_D}
    without = ExtractiveAnswerer(weights, embedder.embed).reply(QUESTION, first_stage)
    assert without.passages is None and {c.quote for c in without.citations} == {ANSWER_A}


def test_the_engine_shows_the_reranked_passages_of_an_answer_and_the_first_stage_of_a_refusal(seeds_engine):
    question = "How much additional aid did Washington announce for Ukraine?"
    answer = seeds_engine.ask(question)
    pool = seeds_engine.retrieve(question, DEPTH)
    assert not answer.refused and len(answer.passages) == seeds_engine.settings.top_k
    assert all(p in pool for p in answer.passages)
    for c in answer.citations:
        assert any(p.source == c.source and p.start <= c.start and c.end <= p.end for p in answer.passages)
    refused = seeds_engine.ask("What is the capital of Germany?")
    assert refused.refused and refused.passages == seeds_engine.retrieve("What is the capital of Germany?")
