"""The `rag` command, run as a user would: a real process."""

import json
import shutil
import subprocess
import sys

import pytest

from tests.paths import ROOT, SEEDS

RAG = [sys.executable, "-m", "rag.cli"]


def run(*args, check_status=0):
    proc = subprocess.run([*RAG, *args], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == check_status, proc.stderr
    return proc


@pytest.fixture(scope="module")
def cli_dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEEDS, base / "corpus")
    return ["--corpus", str(base / "corpus"), "--index", str(base / "index")]


def test_ingest_then_ask_human_readable(cli_dirs):
    out = run(*cli_dirs, "ingest", "-q").stdout
    assert "added 5" in out
    assert "unchanged 5" in run(*cli_dirs, "ingest", "-q").stdout
    answer = run(*cli_dirs, "ask", "Where did Blinken meet Lavrov?").stdout
    assert "Geneva" in answer and "[1] 0" in answer and "“" in answer


def test_cli_json_and_api_agree(cli_dirs, seeds_engine):
    question = "How much additional aid did Washington announce for Ukraine?"
    run(*cli_dirs, "ingest", "-q")
    data = json.loads(run(*cli_dirs, "ask", "--json", question).stdout)
    api = seeds_engine.ask(question)
    assert set(data) >= {"text", "citations", "refused", "mode", "passages"}
    assert data["text"] == api.text and data["refused"] == api.refused and data["mode"] == api.mode
    assert [(c["source"], c["start"], c["end"], c["quote"]) for c in data["citations"]] == [
        (c.source, c.start, c.end, c.quote) for c in api.citations
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", "   "], "empty"),
        (["ask", "x" * 5000], "limit"),
        (["--corpus", "/nonexistent/corpus", "ingest"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_status_2(cli_dirs, args, message):
    proc = run(*cli_dirs[2:], *args, check_status=2) if args[0].startswith("--") else run(*cli_dirs, *args, check_status=2)
    assert message in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("question, message", [
    (b"Where did Blinken \xff meet Lavrov?", b"not valid text"),  # not UTF-8: argv decodes it to a lone surrogate
    (b"\x01\x02\x1b\x7f", b"control characters"),
])
def test_hostile_questions_are_one_line_and_status_2(cli_dirs, question, message):
    run(*cli_dirs, "ingest", "-q")
    proc = subprocess.run([*RAG, *cli_dirs, "ask", question], capture_output=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and proc.stderr.count(b"\n") == 1 and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["ask", "ingest"])
def test_a_missing_corpus_creates_no_index_folder(tmp_path, command):
    index = tmp_path / "index"
    args = ["ask", "Where did Blinken meet Lavrov?"] if command == "ask" else ["ingest"]
    proc = run("--corpus", str(tmp_path / "no-corpus"), "--index", str(index), *args, check_status=2)
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    assert not index.exists()


@pytest.mark.parametrize("command", [[], ["ingest"], ["ask"], ["bench"], ["ui"], ["eval"]])
def test_every_command_has_help(command):
    out = run(*command, "--help").stdout
    assert "usage:" in out
