"""`make release`: the gate runs first and the sdist/wheel are built only when it passed. The real
release (a full evaluation) is too slow for a test: the order is read from `make -n`, and the failure
path runs for real with a gate file that cannot pass on one question."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")


def make(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    # -o setup: do not run scripts/setup.sh (the test runs inside an environment already set up)
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "-o", "setup", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_release_runs_the_gate_in_extractive_mode_before_building():
    out = make("-n", "release")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    gate = next(i for i, line in enumerate(lines) if "rag eval --gate --mode $mode ||" in line)
    build = next(i for i, line in enumerate(lines) if "-m build" in line)
    assert gate < build
    assert "--mode $mode" in lines[gate] and "for mode in extractive" in "\n".join(lines[:gate])
    # a failed gate leaves the loop with a non-zero status, so make stops before the build lines
    assert "exit 1" in lines[gate]
    assert "--sdist --wheel --outdir dist" in lines[build]


def test_release_modes_are_configurable():
    out = make("-n", "release", "RELEASE_MODES=extractive llm")
    assert "for mode in extractive llm" in out.stdout


def test_a_failing_gate_exits_non_zero_prints_the_report_and_builds_nothing(tmp_path):
    impossible = tmp_path / "gate.toml"
    impossible.write_text('[[threshold]]\nmetric = "qa.questions"\nmin = 2\nwhy = "one question cannot pass"\n')
    dist = tmp_path / "dist"
    eval_command = (f"{sys.executable} -m rag.cli eval --gate --gate-file {impossible} --ids q01 --no-rgb "
                    f"--no-html --no-ragas -q --out {tmp_path / 'reports'}")
    out = make("release", f"RELEASE_EVAL={eval_command}", f"DIST={dist}", timeout=600)
    assert out.returncode != 0, out.stdout + out.stderr
    assert "release gate: FAILED" in out.stderr and "qa.questions >= 2" in out.stderr
    assert f"report: {tmp_path / 'reports'}" in out.stderr  # the report path is printed
    assert "release: the gate FAILED in extractive mode" in out.stderr
    assert not dist.exists() and "-m build" not in out.stdout
