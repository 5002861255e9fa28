"""Fixtures for the evaluation-suite tests: a real Engine (public API only) over a private copy of
the seeds, and a helper that runs `rag eval` end to end into a temporary report folder."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

import rag  # noqa: F401  (offline environment first)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def eval_seeds(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("eval_seeds") / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    return corpus


@pytest.fixture(scope="session")
def eval_engine(eval_seeds, tmp_path_factory):
    from rag import Engine

    engine = Engine.open(corpus=eval_seeds, index=tmp_path_factory.mktemp("eval_index") / "index",
                         answer_mode="extractive")
    engine.ingest()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def run_eval(eval_seeds, tmp_path_factory):
    """run_eval(out_dir, *options) -> exit status of `rag eval` on the seeds copy (shared temp index)."""
    index = tmp_path_factory.mktemp("eval_run_index") / "index"

    def run(out: Path, *options: str) -> int:
        from evals.run import command

        args = argparse.Namespace(corpus=eval_seeds, index=index,
                                  rest=["--out", str(out), "--mode", "extractive", "--quiet", *options])
        return command(args)

    return run
