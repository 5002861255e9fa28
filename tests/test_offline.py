"""Nothing in ingest or ask opens a connection outside 127.0.0.1.

Two independent proofs: (1) the whole ingest + ask runs in a network namespace with no network at
all (`unshare -n`; we run as root in CI), and succeeds; (2) an audit hook records every socket
connect and name lookup the process attempts, and none may target a non-loopback address.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.paths import ROOT, SEEDS

PROBE = r"""
import ipaddress, json, sys
attempts = []
def hook(event, args):
    if event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else str(address)
        attempts.append(["connect", str(host)])
    elif event == "socket.getaddrinfo":
        attempts.append(["lookup", str(args[0])])
sys.addaudithook(hook)
from rag.engine import Engine
engine = Engine.open(corpus=sys.argv[1], index=sys.argv[2])
report = engine.ingest()
answer = engine.ask("Where did Blinken meet Lavrov?")
import time; time.sleep(12)   # onnxruntime's telemetry used to fire about 9 s after import
print(json.dumps({"added": report.added, "refused": answer.refused, "attempts": attempts}))
"""


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost", "") or host.startswith("/"):  # unix sockets are local too
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _run_probe(tmp_path, prefix):
    shutil.copytree(SEEDS, tmp_path / "corpus")
    proc = subprocess.run(
        [*prefix, sys.executable, "-c", PROBE, str(tmp_path / "corpus"), str(tmp_path / "index")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={k: v for k, v in os.environ.items() if not k.endswith("_PROXY") and not k.endswith("_proxy")},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_ingest_and_ask_make_no_outside_connection(tmp_path):
    result = _run_probe(tmp_path, [])
    assert result["added"] == 5 and result["refused"] is False
    outside = [a for a in result["attempts"] if not _is_loopback(a[1])]
    assert outside == []


@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0, reason="needs root and unshare(1)")
def test_ingest_and_ask_work_with_the_network_cut_off(tmp_path):
    result = _run_probe(tmp_path, ["unshare", "-n"])
    assert result["added"] == 5 and result["refused"] is False
