"""rag.bench: which questions `rag bench` times (`read_questions`: built in, a text file, or JSON Lines
with follow-ups skipped) and the embedding time it adds up (`_TimedEmbedder`)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from rag.bench import QUESTIONS, _TimedEmbedder, read_questions


def test_the_built_in_questions_are_a_non_empty_list_of_distinct_questions():
    questions = read_questions(None)
    assert len(questions) >= 10
    assert len(set(questions)) == len(questions)
    assert all(q.strip() == q and q.endswith("?") for q in questions)


def test_the_built_in_list_is_a_copy():
    questions = read_questions(None)
    questions.append("extra?")
    assert "extra?" not in QUESTIONS and read_questions(None)[-1] != "extra?"


def test_a_text_file_gives_one_question_per_non_blank_line(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("  Where did Blinken meet Lavrov?  \n\n\t\nWho won?\n", encoding="utf-8")
    assert read_questions(path) == ["Where did Blinken meet Lavrov?", "Who won?"]


def test_json_lines_skip_follow_ups(tmp_path):
    rows = [
        {"id": 1, "question": "Where did Blinken meet Lavrov?", "answer": "Geneva"},
        {"id": 2, "question": "And how long?", "history": [["user", "Where did they meet?"], ["assistant", "Geneva."]]},
        {"id": 3, "question": "Who is Lavrov?", "history": []},  # an empty history is no follow-up
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    assert read_questions(path) == ["Where did Blinken meet Lavrov?", "Who is Lavrov?"]


def test_a_file_may_mix_plain_lines_and_json_lines(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text('What is Swift?\n  {"question": "Why Kyiv?"}\n', encoding="utf-8")
    assert read_questions(path) == ["What is Swift?", "Why Kyiv?"]


class _Slow:
    name, dim = "slow", 2

    def __init__(self, fail: bool = False):
        self.fail = fail

    def embed(self, texts):
        time.sleep(0.05)
        if self.fail:
            raise RuntimeError("model crashed")
        return np.zeros((len(texts), self.dim), dtype=np.float32)


def test_timed_embedder_adds_up_embedding_time_and_passes_through():
    timed = _TimedEmbedder(_Slow())
    assert (timed.name, timed.dim, timed.seconds) == ("slow", 2, 0.0)
    assert timed.embed(["a", "b", "c"]).shape == (3, 2)
    timed.embed(["d"])
    assert timed.seconds >= 0.1


def test_timed_embedder_counts_a_failed_call_too():
    timed = _TimedEmbedder(_Slow(fail=True))
    with pytest.raises(RuntimeError, match="model crashed"):
        timed.embed(["a"])
    assert timed.seconds >= 0.05
