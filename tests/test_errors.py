"""rag.errors: every error class is a NewsragError (and keeps the builtin base callers catch), and the
CLI turns each into one line `rag: error: <message>` with exit status 2 — in process for every class,
and as a real `python -m rag.cli ask ""` over a temporary corpus and index."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import rag.cli
import rag.documents
import rag.errors
from rag.errors import (
    CorpusNotFound,
    DocumentError,
    IndexBusy,
    IndexNotReady,
    InvalidQuestion,
    LLMError,
    NewsragError,
    UnknownSource,
)
from tests.paths import ROOT

ERRORS = [
    obj for _, obj in inspect.getmembers(rag.errors, inspect.isclass)
    if issubclass(obj, BaseException) and obj.__module__ == "rag.errors"
]


def test_the_module_defines_the_known_errors():
    assert set(ERRORS) == {NewsragError, InvalidQuestion, CorpusNotFound, UnknownSource, IndexNotReady,
                           DocumentError, LLMError, IndexBusy}


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_is_a_newsrag_error(cls):
    assert issubclass(cls, NewsragError)


@pytest.mark.parametrize(
    "cls, builtin",
    [(InvalidQuestion, ValueError), (CorpusNotFound, FileNotFoundError), (UnknownSource, KeyError),
     (IndexNotReady, RuntimeError), (DocumentError, ValueError), (LLMError, RuntimeError)],
)
def test_errors_keep_the_builtin_base_callers_catch(cls, builtin):
    assert issubclass(cls, builtin)


def test_unknown_source_message_is_not_quoted_like_a_key_error():
    assert str(UnknownSource("no article 'x.txt' in the index")) == "no article 'x.txt' in the index"
    assert str(UnknownSource()) == ""


def test_documents_raises_the_same_document_error():
    assert rag.documents.DocumentError is DocumentError


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_cli_prints_each_error_as_one_line_and_exits_2(cls, monkeypatch, capsys, tmp_path):
    def failing(args):
        raise cls("something to fix: do this")

    monkeypatch.setattr(rag.cli, "cmd_ask", failing)
    status = rag.cli.main(["--corpus", str(tmp_path), "--index", str(tmp_path / "index"), "ask", "Q?"])
    out, err = capsys.readouterr()
    assert status == 2
    assert (out, err) == ("", "rag: error: something to fix: do this\n")


def test_cli_ask_with_an_empty_question_is_one_error_line_and_status_2(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Blinken met Lavrov in Geneva on Friday.")
    dirs = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    cli = [sys.executable, "-m", "rag.cli", *dirs]
    ingested = subprocess.run([*cli, "ingest", "-q"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert ingested.returncode == 0, ingested.stderr

    proc = subprocess.run([*cli, "ask", ""], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "rag: error: the question is empty: type a question about the articles\n"
