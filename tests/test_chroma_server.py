"""The same engine against a real `chroma run` server instead of the embedded store."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.paths import SEEDS

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this environment")
    port = _free_port()
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 30 s")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.chroma_server
def test_ingest_and_ask_through_a_chroma_server(chroma_server, make_engine, tmp_path):
    corpus = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    engine = make_engine(corpus, chroma_host="127.0.0.1", chroma_port=chroma_server)
    report = engine.ingest()
    assert report.added == 5 and report.errors == []
    assert not (tmp_path / "index" / "chroma").exists()  # vectors went to the server, not to disk here
    answer = engine.ask("Where did Blinken meet Lavrov?")
    assert any("Geneva" in c.quote for c in answer.citations)
    assert all(c.quote == engine.article(c.source)[c.start : c.end] for c in answer.citations)
    (engine.settings.corpus / sorted(corpus)[0]).unlink()
    assert engine.ingest().removed == 1




@pytest.mark.chroma_server
def test_a_serving_engine_follows_an_ingest_by_another_process_through_the_server(chroma_server, make_engine):
    import os

    from tests.paths import ROOT

    articles = {
        "a.txt": "Blinken met Lavrov in Geneva on Friday. The meeting lasted two hours.",
        "b.txt": "Russia has deployed about 100,000 troops near the border with Ukraine.",
        "c.txt": "Washington announced 200 million dollars of aid for Ukraine.",
    }
    serving = make_engine(articles, chroma_host="127.0.0.1", chroma_port=chroma_server)  # as `rag ui` would
    serving.ingest()
    assert serving.retrieve("Where did Blinken meet Lavrov?", k=1)[0].source == "a.txt"
    corpus = serving.settings.corpus
    (corpus / "a.txt").write_text("Blinken met Lavrov in Vienna on Monday, officials said.")
    (corpus / "b.txt").unlink()
    (corpus / "d.txt").write_text("Germany said Nord Stream 2 would not go ahead if Russia invaded.")
    env = {**os.environ, "RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(chroma_server)}
    other = subprocess.run(
        [sys.executable, "-m", "rag.cli", "--corpus", str(corpus), "--index", str(serving.settings.index), "ingest", "-q"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert other.returncode == 0 and "added 1, updated 1, removed 1" in other.stdout, other.stderr
    # The serving engine was open all along: it answers from the new state, without a restart.
    [top] = serving.retrieve("Where did Blinken meet Lavrov?", k=1)
    assert "Vienna" in top.text and top.text == serving.article("a.txt")[top.start : top.end]
    assert serving.retrieve("Nord Stream 2 Germany", k=1)[0].source == "d.txt"
    assert all(p.source != "b.txt" for p in serving.retrieve("troops near the border with Ukraine", k=5))
    answer = serving.ask("Where did Blinken meet Lavrov?")
    assert any("Vienna" in c.quote for c in answer.citations)
    assert all(c.quote == serving.article(c.source)[c.start : c.end] for c in answer.citations)
