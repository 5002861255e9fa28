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
RAG = [sys.executable, "-m", "rag.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """Local IPv4 addresses with a socket listening on `port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


@pytest.fixture
def chroma_server(tmp_path):
    """A real Chroma server, started the way a user starts one: `rag chroma` (which execs `chroma run`)."""
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this environment")
    port = _free_port()
    proc = subprocess.Popen(
        [*RAG, "--index", str(tmp_path / "index"), "chroma", "--port", str(port)],
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
def test_rag_chroma_serves_on_loopback_only_and_keeps_its_data_in_the_index_folder(chroma_server, tmp_path):
    assert _listening_addresses(chroma_server) == {"127.0.0.1"}
    assert (tmp_path / "index" / "chroma-server").is_dir()


@pytest.mark.chroma_server
@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_ingest_and_ask_the_same_in_embedded_and_server_mode(mode, request, make_engine, tmp_path):
    server = {}
    if mode == "server":
        server = {"chroma_host": "127.0.0.1", "chroma_port": request.getfixturevalue("chroma_server")}
    corpus = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    engine = make_engine(corpus, **server)
    report = engine.ingest()
    assert report.added == 5 and report.errors == []
    # vectors went to the server, not to disk here (or to disk, embedded)
    assert (tmp_path / "index" / "chroma").exists() == (mode == "embedded")
    answer = engine.ask("Where did Blinken meet Lavrov?")
    assert any("Geneva" in c.quote for c in answer.citations)
    assert all(c.quote == engine.article(c.source)[c.start : c.end] for c in answer.citations)
    (engine.settings.corpus / sorted(corpus)[0]).unlink()
    assert engine.ingest().removed == 1
    assert all(p.source != sorted(corpus)[0] for p in engine.retrieve("Blinken Lavrov Geneva", k=10))


@pytest.mark.chroma_server
def test_two_ingests_at_once_on_one_server_take_turns_through_the_index_lock(chroma_server, make_engine):
    import os

    from tests.paths import ROOT

    articles = {f"{i:02}.txt": f"Delegation {i} arrived in Geneva on day {i} of the talks." for i in range(6)}
    serving = make_engine(articles, chroma_host="127.0.0.1", chroma_port=chroma_server)
    corpus, index = serving.settings.corpus, serving.settings.index
    env = {**os.environ, "RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(chroma_server)}
    ingest = [*RAG, "--corpus", str(corpus), "--index", str(index), "ingest", "-q"]
    first = subprocess.Popen(ingest, cwd=ROOT, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env={**env, "RAG_TEST_PAUSE_AT": "embed"})
    assert first.stdout.readline().startswith("rag-test-paused-at embed")  # it holds the index for writing
    second = subprocess.run(ingest, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert second.returncode == 2 and str(first.pid) in second.stderr, second.stderr
    assert "Traceback" not in second.stderr
    first.stdin.close()  # let the first one finish
    assert first.wait(timeout=120) == 0 and "added 6" in first.stdout.read()
    # the serving engine, open all along, answers from what the other process wrote
    top = serving.retrieve("When did delegation 4 arrive in Geneva?", k=1)[0]
    assert top.source == "04.txt" and top.text == serving.article("04.txt")[top.start : top.end]
    again = subprocess.run(ingest, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0 and "unchanged 6" in again.stdout


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
        [*RAG, "--corpus", str(corpus), "--index", str(serving.settings.index), "ingest", "-q"],
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
