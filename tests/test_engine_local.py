"""Answer mode `local` end to end: Engine.stream against newsrag's own llama.cpp server serving the
real Qwen2.5-Coder-0.5B (tests/conftest.py installs it once per session). The 0.5B model answers
poorly; what is checked is the pipeline: the server is started on demand and reused, citations are
exact and verified, the stream concatenates to the answer, `auto` picks local when the model is
installed, and a corrupted model file gives a clear fallback instead of being loaded.
"""

from __future__ import annotations

import shutil

import pytest

from rag.config import Settings
from rag.engine import Engine
from rag.local_server import server_missing

pytestmark = [
    pytest.mark.llama_server,
    pytest.mark.skipif(server_missing() is not None, reason=server_missing() or ""),
]


def local_engine(seeds_engine, embedder, model_dir, **overrides) -> Engine:
    settings = Settings(corpus=seeds_engine.settings.corpus, index=seeds_engine.settings.index,
                        model_dir=model_dir, local_model_size="0.5b", local_ctx=4096, llm_max_tokens=80,
                        **overrides)
    return Engine(settings, embedder)


def test_local_mode_answers_with_exact_verified_citations(seeds_engine, embedder, local_model_0_5b):
    engine = local_engine(seeds_engine, embedder, local_model_0_5b.parent, answer_mode="local")
    events = list(engine.stream("Where will Blinken meet Lavrov?"))
    *deltas, answer = events
    assert answer.mode == "local", answer.notice  # not a fallback
    assert "".join(deltas) == answer.text
    for c in answer.citations:
        assert c.quote == engine.article(c.source)[c.start : c.end]
    assert answer.refused == (answer.citations == [])
    assert engine.model_state() == "ready"  # started on demand, kept for the next question
    again = engine.ask("What did Lavrov say he did not expect?")
    assert again.mode == "local" and engine.model_state() == "ready"


def test_auto_means_local_when_the_model_is_installed(seeds_engine, embedder, local_model_0_5b):
    engine = local_engine(seeds_engine, embedder, local_model_0_5b.parent)
    assert engine.settings.resolved_answer_mode() == "local"


def test_a_corrupted_model_file_is_refused_and_the_answer_falls_back(seeds_engine, embedder, local_model_0_5b, tmp_path):
    broken = tmp_path / local_model_0_5b.name
    with local_model_0_5b.open("rb") as source, broken.open("wb") as target:
        shutil.copyfileobj(source, target, length=1 << 20)
    with broken.open("r+b") as f:  # same size, one flipped byte in the middle: only the sha256 can tell
        f.seek(broken.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    engine = local_engine(seeds_engine, embedder, tmp_path, answer_mode="local")
    answer = engine.ask("Where will Blinken meet Lavrov?")
    assert answer.mode == "extractive" and "rag model install" in answer.notice, answer.notice
    assert answer.citations  # still a cited answer, from the extractive path
