"""Fixtures for the evaluation-suite tests: a real Engine (public API only) over a private copy of
the seeds, and a helper that runs `rag eval` end to end into a temporary report folder."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import rag  # noqa: F401  (offline environment first)



@pytest.fixture(scope="session")
def eval_seeds(seeds_engine) -> Path:
    """The session's copy of the seeds (tests/conftest.py), indexed once for the whole run."""
    return seeds_engine.settings.corpus


@pytest.fixture(scope="session")
def eval_engine(seeds_engine):
    return seeds_engine


@pytest.fixture(scope="session")
def run_eval(eval_seeds, seeds_engine):
    """run_eval(out_dir, *options) -> exit status of `rag eval` on the seeds copy and its index."""
    index = seeds_engine.settings.index

    def run(out: Path, *options: str) -> int:
        from evals.run import command

        args = argparse.Namespace(corpus=eval_seeds, index=index,
                                  rest=["--out", str(out), "--mode", "extractive", "--quiet", *options])
        return command(args)

    return run
