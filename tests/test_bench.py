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


# --- `rag bench --mode local` (rag.bench_local) ---------------------------------------------------
def test_bench_local_without_models_prints_one_skip_line_per_size_and_exits_0(capsys):
    from rag.cli import main
    from rag.model import MODELS

    started = time.perf_counter()
    assert main(["bench", "--mode", "local"]) == 0  # XDG_DATA_HOME is empty (conftest): nothing installed
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("load average ")
    for size in MODELS:
        assert f"{size}: not installed: `rag model install --size {size}`" in lines
    assert lines[-1] == "no local model to measure"
    assert time.perf_counter() - started < 10  # nothing indexed, no server started


def test_bench_local_rejects_zero_runs(capsys):
    from rag.cli import main

    assert main(["bench", "--mode", "local", "--runs", "0"]) == 2
    assert "--runs must be at least 1" in capsys.readouterr().err


def test_bench_local_end_to_end_with_the_real_0_5b_model(local_model_0_5b, tmp_path, monkeypatch, capsys):
    """One run and one answer on a two-article corpus: every column is printed as a number (speeds
    not asserted). Under a minute on 2 busy cores."""
    import re
    import shutil

    from rag.cli import main
    from tests.paths import SEEDS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(path, corpus)
    questions = tmp_path / "questions.txt"
    questions.write_text("Where did Blinken meet Lavrov?\n", encoding="utf-8")
    monkeypatch.setenv("RAG_MODEL_DIR", str(local_model_0_5b.parent))
    argv = ["--corpus", str(corpus), "bench", "--mode", "local", "--size", "0.5b", "--runs", "1", "--questions", str(questions)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    number = r"\d+(?:\.\d+)?"
    assert re.search(rf"^0\.5b \(Qwen2\.5-Coder-0\.5B-Instruct Q4_K_M\): loaded in {number} s", out, re.M)
    assert re.search(rf"^    run 1 \(load {number}\): \d+ prompt tokens, first token after {number} s "
                     rf"\(\d+ tok/s\); \d+ tokens at {number} tok/s$", out, re.M)
    assert re.search(rf"^    answer 1 \(load {number}\): {number} s, local(, refused)?, \d+ citations?: "
                     rf"Where did Blinken meet Lavrov\?(?: \(.+\))?$", out, re.M)  # (a notice, if any)
    assert "answer 2" not in out  # --questions: one question
    header, row = out.split("\nmedians\n")[1].splitlines()[:2]
    assert header.split() == ["model", "prompt", "tok", "TTFT", "s", "prompt", "tok/s", "gen", "tok", "gen",
                              "tok/s", "s/answer"]
    assert re.fullmatch(rf"0\.5b\s+\d+\s+{number}\s+\d+\s+\d+\s+{number}\s+{number}", row)
    assert "1.5b" not in out  # --size: only the one asked for
