"""newsrag's own llama.cpp server for answer mode `local`: started on demand, owned by this process.

`python -m llama_cpp.server` (llama-cpp-python[server]) serves the installed GGUF (rag.model) with
the OpenAI API on 127.0.0.1 only, on a free port, with all cores. One server per process, shared by
all threads; `ensure()` starts it (verifying the model file first), waits until /v1/models answers,
restarts it if it died, and returns it. While the model loads, `state` is "loading", so a UI can say
so instead of looking hung.

The server never outlives its owner:
- normal exit: an atexit handler stops it (SIGTERM, then SIGKILL after a grace period);
- the owner is killed (kill -9, OOM killer, a crash): on Linux the child asks the kernel, between
  fork and exec, for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG). SIGKILL rather than
  SIGTERM because uvicorn's graceful shutdown waits for a running generation to finish, and the
  server holds nothing worth a clean shutdown. The kernel sends that signal when the *thread* that
  forked the child ends, not the process, so every server is forked by one dedicated thread that
  lives as long as the process (`_Spawner`), never by a short-lived request thread.

    >>> server = LocalServer.for_settings()                  # doctest: +SKIP
    >>> server.ensure().base_url                              # doctest: +SKIP
    'http://127.0.0.1:41234/v1'
    >>> client = local_llm_client()                           # doctest: +SKIP
    >>> "".join(client.stream([{"role": "user", "content": "Say hi"}]))   # doctest: +SKIP
    'Hi!'
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import ctypes
import importlib.util
import itertools
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from typing import Any

from rag.errors import NewsragError
from rag.model import ModelSpec, ModelStore, get_spec, verify

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # loopback only: the server has no authentication
_PR_SET_PDEATHSIG = 1
_ADDRESS_IN_USE = ("address already in use", "errno 98")


class LocalServerError(NewsragError):
    """The local model server could not start or stopped answering; one line, says what to do."""


def cpu_count() -> int:
    """Cores this process may use (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def server_missing(python: str = sys.executable) -> str | None:
    """Why llama.cpp's server cannot run in this environment (one line, says what to do), or None.
    Only checks the running interpreter's environment; another `python` is trusted as given."""
    if python != sys.executable:
        return None
    for module in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context"):
        if importlib.util.find_spec(module) is None:
            return (f"llama.cpp's server is not installed in {sys.prefix} ({module} is missing): "
                    f"run `make model` or scripts/install-llama-server.sh")
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    """True if process `pid` still runs. A zombie (dead, not yet reaped) counts as gone only once
    all its threads have ended: while a killed multi-threaded process tears down, its main thread
    shows as a zombie but the others still hold its sockets and memory."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        # Without /proc (not Linux) kill(pid, 0) succeeding is all we know; on Linux it just ended.
        return not Path("/proc/self").exists() or Path(f"/proc/{pid}").exists()
    for task in tasks:
        try:
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # this thread just ended
        if state not in ("Z", "X"):
            return True
    return False


# --- spawning with a parent-death signal ----------------------------------------------------------
def _death_signal_preexec() -> Any:
    """A preexec_fn that makes the kernel SIGKILL the child when its parent thread dies (Linux), or
    None elsewhere. libc's prctl is resolved here, in the parent: the child between fork and exec
    must not load libraries."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # If the parent died before prctl took effect, no signal will ever come: go now.
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


class _Spawner:
    """Starts processes from one daemon thread that lives until the process exits (see the module
    docstring: PR_SET_PDEATHSIG fires when the forking thread ends)."""

    def __init__(self) -> None:
        self._requests: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="newsrag-local-model-spawner", daemon=True)
        self._thread.start()

    def popen(self, command: list[str], **kwargs: Any) -> subprocess.Popen:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._requests.put((command, kwargs, future))
        return future.result()

    def _run(self) -> None:
        while True:
            command, kwargs, future = self._requests.get()
            try:
                future.set_result(subprocess.Popen(command, preexec_fn=_death_signal_preexec(), **kwargs))
            except BaseException as exc:  # handed to the caller
                future.set_exception(exc)


_spawner_lock = threading.Lock()
_spawner: _Spawner | None = None


def spawn_tied(command: list[str], **kwargs: Any) -> subprocess.Popen:
    """`subprocess.Popen(command, **kwargs)` for a process the kernel kills when this one dies, even
    by SIGKILL (Linux; elsewhere a plain Popen): a model server is never left behind."""
    global _spawner
    with _spawner_lock:
        if _spawner is None or not _spawner._thread.is_alive():
            _spawner = _Spawner()
        spawner = _spawner
    return spawner.popen(command, **kwargs)


# --- records other processes can read (`rag model status`) -----------------------------------------
def _records_dir(model_dir: Path) -> Path:
    return Path(model_dir) / "servers"


def running_servers(model_dir: Path) -> list[dict[str, Any]]:
    """The local servers that processes using `model_dir` run now, read from their records; records
    of dead owners or servers are removed. Each: pid, owner_pid, base_url, model_path, alias, n_ctx,
    n_threads, state ("loading" or "ready"), started (epoch seconds), log."""
    found = []
    folder = _records_dir(model_dir)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = json.loads(path.read_text())
            alive = _pid_alive(int(record["owner_pid"])) and _pid_alive(int(record["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if alive:
            found.append(record)
        else:
            path.unlink(missing_ok=True)
    for path in sorted(folder.glob("*.log")) if folder.is_dir() else []:
        owner = path.stem.split("-")[0]
        if owner.isdigit() and not _pid_alive(int(owner)):  # kept for its owner's error messages only
            path.unlink(missing_ok=True)
    return found


# --- the server -----------------------------------------------------------------------------------
_live: "weakref.WeakSet[LocalServer]" = weakref.WeakSet()
_instances = itertools.count(1)


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        with contextlib.suppress(Exception):
            if server._lock.acquire(timeout=2):
                try:
                    server.stop()
                finally:
                    server._lock.release()
            else:  # another thread holds it while the model loads: do not wait for that at exit
                process = server._process
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)
                server._remove_record()


class LocalServer:
    """One llama.cpp server process for one model file. Thread-safe; see the module docstring.

    States: "stopped" (never started, or stopped), "loading" (process up, model not answering yet),
    "ready", "failed" (the last start failed; `ensure()` tries again).
    """

    def __init__(self, spec: ModelSpec, model_path: Path, *, n_ctx: int = 4096, n_threads: int = 0,
                 startup_timeout: float = 120.0, records_dir: Path | None = None,
                 python: str = sys.executable) -> None:
        self.spec = spec
        self.model_path = Path(model_path)
        self.n_ctx = int(n_ctx)
        self.n_threads = int(n_threads) or cpu_count()
        self.startup_timeout = float(startup_timeout)
        self.python = python
        self._records = Path(records_dir) if records_dir else _records_dir(self.model_path.parent)
        self._lock = threading.RLock()
        self._process: subprocess.Popen | None = None
        self._port: int | None = None
        self._state = "stopped"
        self._ready_n_ctx = 0
        self._started_at = 0.0
        # Named by owner pid (so `running_servers` can tell live owners) and instance.
        self._name = f"{os.getpid()}-{next(_instances)}"
        self.log_path = self._records / f"{self._name}.log"
        _live.add(self)

    @classmethod
    def for_settings(cls, settings: Any = None) -> "LocalServer":
        """A (not yet started) server for the configured model: RAG_LOCAL_MODEL_SIZE in RAG_MODEL_DIR."""
        if settings is None:
            from rag.config import Settings

            settings = Settings()
        spec = get_spec(settings.local_model_size)
        return cls(spec, ModelStore.from_settings(settings).path(spec), n_ctx=settings.local_ctx,
                   n_threads=settings.local_threads, startup_timeout=settings.local_startup_timeout)

    # --- what callers read ---
    @property
    def state(self) -> str:
        process = self._process
        if self._state in ("loading", "ready") and (process is None or process.poll() is not None):
            return "stopped"  # it died; ensure() restarts it
        return self._state

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    @property
    def port(self) -> int | None:
        return self._port

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise LocalServerError("the local model server has not been started: call ensure() first")
        return f"http://{HOST}:{self._port}/v1"

    @property
    def model(self) -> str:
        """The model name the server answers to (for the OpenAI client's `model`)."""
        return self.spec.alias

    def command(self, port: int, n_ctx: int) -> list[str]:
        return [
            self.python, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--model_alias", self.spec.alias,
            "--host", HOST,
            "--port", str(port),
            "--n_ctx", str(n_ctx),
            "--n_threads", str(self.n_threads),
            "--n_threads_batch", str(self.n_threads),
            "--seed", "0",
            "--use_mlock", "False",  # locking ~1 GB in RAM fails or warns in containers; not needed
            # A second request (another chat user) must wait for the first: by default the server ends
            # the stream under way as soon as another request arrives, cutting that answer short.
            "--interrupt_requests", "False",
            # no --chat_format: the server applies the chat template stored in the GGUF
        ]

    # --- lifecycle ---
    def ensure(self, n_ctx: int | None = None, *, timeout: float | None = None) -> "LocalServer":
        """Return this server, ready: started (or restarted, if it died or has a smaller context
        than `n_ctx`) and answering. Raises ModelError if the model file is missing or damaged,
        LocalServerError if the server does not come up."""
        with self._lock:
            wanted = max(self.n_ctx, int(n_ctx or 0))
            if self.state in ("loading", "ready") and self._ready_n_ctx < wanted:
                log.info("restarting the local model server with a %d-token context", wanted)
                self.stop()
            if self.state in ("stopped", "failed"):
                if self._state in ("loading", "ready"):
                    log.warning("the local model server (pid %s) died; starting it again",
                                self._process.pid if self._process else "?")
                self.start(n_ctx=wanted, wait=False)
            self.wait_ready(timeout)
            return self

    def start(self, n_ctx: int | None = None, *, wait: bool = True) -> None:
        """Start the server unless it runs; with wait=False return while it loads ("loading")."""
        with self._lock:
            if self.state in ("loading", "ready"):
                if wait:
                    self.wait_ready()
                return
            self._state = "failed"
            verify(self.model_path, self.spec)  # never load a file that is not the exact model
            missing = server_missing(self.python)
            if missing:
                raise LocalServerError(missing)
            n_ctx = max(self.n_ctx, int(n_ctx or 0))
            self._records.mkdir(parents=True, exist_ok=True)
            port = free_port()
            env = {**os.environ, "HF_HUB_OFFLINE": "1"}  # a local file; never reach a hub
            # llama.cpp's OpenMP threads spin between steps by default. With all cores in use and
            # anything else running (the embedder, a UI, tests) the spinning threads starve the
            # working ones: on 2 busy cores the 0.5B generated 0.9-2.9 tokens/s spinning and 10 with
            # passive waits (`rag bench --mode local`). A wake-up per step costs microseconds.
            env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            with open(self.log_path, "wb") as log_file:
                try:
                    self._process = spawn_tied(
                        self.command(port, n_ctx), stdout=log_file, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, env=env, close_fds=True,
                    )
                except OSError as exc:
                    raise LocalServerError(f"could not start the local model server ({exc})") from None
            self._port, self._ready_n_ctx, self._state = port, n_ctx, "loading"
            self._started_at = time.monotonic()
            self._write_record()
            log.info("local model server starting: pid %d, %s, %s", self._process.pid, self.base_url, self.model_path.name)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until /v1/models lists the model. A port lost to another process between choosing
        and binding is retried on a new port (twice); any other early exit or a timeout raises."""
        timeout = self.startup_timeout if timeout is None else timeout
        with self._lock:
            for attempt in range(3):
                if self._state == "ready" and self.state == "ready":
                    return
                try:
                    self._wait(timeout)
                    return
                except _PortTaken:
                    if attempt == 2:
                        raise LocalServerError(f"the local model server could not bind a port on {HOST}: "
                                               f"see {self.log_path}") from None
                    self.stop()
                    self.start(self._ready_n_ctx, wait=False)

    def _wait(self, timeout: float) -> None:
        process = self._process
        if process is None:
            raise LocalServerError("the local model server is not running: call ensure()")
        deadline = self._started_at + timeout
        url = f"{self.base_url}/models"
        # No proxy: the environment's HTTP(S)_PROXY must not see loopback traffic.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            if process.poll() is not None:
                self._state = "failed"
                tail = self.log_tail()
                self._remove_record()
                if any(marker in tail.lower() for marker in _ADDRESS_IN_USE):
                    raise _PortTaken()
                last = next((line for line in reversed(tail.splitlines()) if line.strip()), "no output")
                raise LocalServerError(
                    f"the local model server exited with status {process.returncode} while loading "
                    f"({last.strip()[:160]}); see {self.log_path}"
                )
            try:
                with opener.open(url, timeout=2) as response:
                    models = [m.get("id") for m in json.load(response).get("data", [])]
                    if self.spec.alias in models:
                        self._state = "ready"
                        self._write_record()
                        log.info("local model server ready after %.1f s", time.monotonic() - self._started_at)
                        return
            except (OSError, ValueError, AttributeError):
                pass  # not listening yet: the model is still loading
            if time.monotonic() >= deadline:
                self.stop()
                self._state = "failed"
                raise LocalServerError(
                    f"the local model server did not answer within {timeout:g} s (see {self.log_path}); "
                    f"raise RAG_LOCAL_STARTUP_TIMEOUT on a slow machine"
                )
            time.sleep(0.1)

    def stop(self, grace: float = 10.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after `grace` seconds). Idempotent."""
        with self._lock:
            process, self._process = self._process, None
            self._state = "stopped"
            self._remove_record()
            if process is None:
                return
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=grace)
            log.info("local model server (pid %d) stopped", process.pid)
            with contextlib.suppress(OSError):  # a failed start keeps its log for the error message
                self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> "LocalServer":
        return self.ensure()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- client ---
    def client(self, settings: Any = None, **overrides: Any):
        """An `rag.llm.LLMClient` for this server (started if needed), with the llm_* settings
        except the endpoint, and RAG_LOCAL_TIMEOUT: CPU generation is slower than a hosted API."""
        from rag.llm import LLMClient

        if settings is None:
            from rag.config import Settings

            settings = Settings()
        self.ensure()
        options = dict(timeout=settings.local_timeout, max_retries=settings.llm_max_retries,
                       max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature)
        options.update(overrides)
        return LLMClient(self.base_url, api_key=None, model=self.model, **options)

    # --- internals ---
    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _record_path(self) -> Path:
        return self._records / f"{self._name}.json"

    def _write_record(self) -> None:
        process = self._process
        if process is None:
            return
        record = {
            "pid": process.pid, "owner_pid": os.getpid(), "base_url": self.base_url,
            "model_path": str(self.model_path), "alias": self.spec.alias, "n_ctx": self._ready_n_ctx,
            "n_threads": self.n_threads, "state": self._state, "started": time.time(), "log": str(self.log_path),
        }
        with contextlib.suppress(OSError):
            tmp = self._record_path().with_suffix(".tmp")
            tmp.write_text(json.dumps(record))
            os.replace(tmp, self._record_path())

    def _remove_record(self) -> None:
        with contextlib.suppress(OSError):
            self._record_path().unlink(missing_ok=True)


class _PortTaken(Exception):
    pass


# --- one server per process -----------------------------------------------------------------------
_shared_lock = threading.Lock()
_shared: LocalServer | None = None


def shared_server(settings: Any = None) -> LocalServer:
    """This process's server for the configured model (created, not started; `ensure()` starts it).
    A different configured model or folder replaces (stops) the previous one."""
    global _shared
    if settings is None:
        from rag.config import Settings

        settings = Settings()
    wanted = LocalServer.for_settings(settings)
    with _shared_lock:
        current = _shared
        if current is not None and (current.model_path, current.spec) == (wanted.model_path, wanted.spec):
            return current
        if current is not None:
            current.stop()
        _shared = wanted
        return wanted


def local_llm_client(settings: Any = None, *, n_ctx: int | None = None, **overrides: Any):
    """An LLMClient for the shared local server, which is started (and waited for) first."""
    if settings is None:
        from rag.config import Settings

        settings = Settings()
    server = shared_server(settings)
    server.ensure(n_ctx)
    return server.client(settings, **overrides)
