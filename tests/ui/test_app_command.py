"""`rag ui` as a user runs it: the entry point, --help, and the server binding loopback only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.ui.conftest import SEEDS, free_port


def test_rag_ui_help_and_loopback_bind(tmp_path):
    """`rag ui --help` works; `rag ui --port P` binds 127.0.0.1 and serves the page."""
    rag = Path(sys.executable).with_name("rag")
    done = subprocess.run([str(rag), "ui", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "--host" in done.stdout and "--port" in done.stdout

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / "003_146565a0d1ccb5d0.txt", corpus)
    (tmp_path / "secret.env").write_text("OPENAI_API_KEY=sk-not-for-the-page\n")  # in the working directory
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADIO_", "RAG_"))}
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen(
        [str(rag), "--corpus", str(corpus), "--index", str(tmp_path / "index"), "ui", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2) as r:
                    config = json.loads(r.read())
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "ui.log").read_text()
                time.sleep(0.1)  # polling the condition: the page answers
        else:
            pytest.fail("rag ui did not come up")
        assert config.get("title") == "newsrag"
        for path in ("secret.env", tmp_path / "secret.env", corpus / "003_146565a0d1ccb5d0.txt"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/file={path}", timeout=5)
                status = 200
            except urllib.error.HTTPError as error:
                status = error.code
            assert status in (403, 404), (path, status)
        listening = _listening_addresses(port)
        assert listening == {"127.0.0.1"}, listening
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket LISTENing on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:
                if len(address) == 8:
                    found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.add("ipv6:" + address)
    return found
