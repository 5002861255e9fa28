"""Who may use an index folder: one process writes, or any number read.

Why a lock: Chroma's embedded store (PersistentClient) is not process-safe. A process keeps the vector
index in memory; another process writing the same folder is not seen (a long-lived `rag ui` would
answer from the old vectors and never find new articles), and two writers can overwrite each other's
files. So an embedded index folder has a reader/writer lock, `<index>/lock`:

- an open Engine holds it *shared* for as long as it is open (a reader: `rag ask`, `rag ui`);
- writing (ingest, and the repairs that come with it) takes it *exclusive*, upgrading the shared lock,
  for the time of the write only, then goes back to shared.

A second process that wants to write while anyone has the index open, or to open the index while
another process writes, gets `IndexBusy` at once, naming the other process; several readers share an
index. Processes that must share an index while one of them writes (a serving page plus a batch
ingest) use Chroma's server mode (`chroma run`, RAG_CHROMA_HOST): then vectors live in the server,
readers take no lock and follow the catalog's generation (rag.index), and only writers still exclude
each other (the catalog and BM25 are files in this folder).

How: POSIX record locks (`fcntl.lockf`), not `flock`: converting a shared lock to exclusive is atomic
and a refused upgrade keeps the shared lock, and `F_GETLK` tells the pid of the process in the way.
POSIX locks belong to a process, not to a file descriptor, so this module keeps one descriptor per
index folder and process, with counts of readers and writers: several Engines of one process share
the process's lock (they also share one Chroma client state, so they cannot go stale to each other).
The kernel releases the lock of a process that dies, kill -9 included: no stale lock files.
"""

from __future__ import annotations

import fcntl
import os
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rag.errors import IndexBusy

SERVER_HINT = (
    "Chroma's embedded store is not process-safe: to share an index between processes, run a Chroma "
    "server (`rag chroma`) and set RAG_CHROMA_HOST and RAG_CHROMA_PORT in each process"
)


@dataclass
class _Held:
    fd: int
    pid: int  # the process that opened fd (a forked child does not own its parent's locks)
    readers: int = 0
    writers: int = 0


_held: dict[str, _Held] = {}
_guard = threading.RLock()


class IndexLock:
    """The lock of one index folder (`<directory>/lock`), as seen by this process.

    `shared()` / `release_shared()` bracket an open Engine; `exclusive()` is a context manager around a
    write. Both raise `IndexBusy` at once instead of waiting. `server_mode`: only writers lock (see the
    module docstring)."""

    def __init__(self, directory: Path, server_mode: bool = False):
        self.dir = Path(directory)
        self.path = self.dir / "lock"
        self.server_mode = server_mode
        self._shared = False  # does this IndexLock hold one of the process's reader counts?

    # --- public ---------------------------------------------------------------------------------
    def shared(self) -> None:
        """Hold the index open for reading until `release_shared()` (nothing in server mode)."""
        if self.server_mode or self._shared:
            return
        with _guard:
            held = self._entry()
            if held.readers == 0 and held.writers == 0:
                self._set(held, fcntl.LOCK_SH, writing=False)
            held.readers += 1
            self._shared = True

    def release_shared(self) -> None:
        if not self._shared:
            return
        with _guard:
            held = _held.get(self._key())
            self._shared = False
            if held is not None:
                held.readers -= 1
                self._settle(held)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Write under the exclusive lock (re-entrant within the process)."""
        with _guard:
            held = self._entry()
            if held.writers == 0:
                self._set(held, fcntl.LOCK_EX, writing=True)
            held.writers += 1
        try:
            yield
        finally:
            with _guard:
                held.writers -= 1
                self._settle(held)

    # --- helpers --------------------------------------------------------------------------------
    def _key(self) -> str:
        return os.path.realpath(self.path)

    def _entry(self) -> _Held:
        key = self._key()
        held = _held.get(key)
        if held is not None and held.pid != os.getpid():  # inherited through fork: not ours
            del _held[key]
            held = None
        if held is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            held = _held[key] = _Held(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), os.getpid())
        return held

    def _set(self, held: _Held, mode: int, writing: bool) -> None:
        try:
            fcntl.lockf(held.fd, mode | fcntl.LOCK_NB)
        except OSError:
            message = self._refusal(held.fd, writing)
            self._settle(held)
            raise IndexBusy(message) from None

    def _settle(self, held: _Held) -> None:
        """Hold what the counts need: exclusive, shared (an atomic downgrade), or nothing."""
        if held.writers:
            return
        if held.readers:
            fcntl.lockf(held.fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # a downgrade never conflicts
            return
        fcntl.lockf(held.fd, fcntl.LOCK_UN)
        os.close(held.fd)
        _held.pop(self._key(), None)

    def _refusal(self, fd: int, writing: bool) -> str:
        pid, other_writes = _holder(fd, writing)
        who = f"another process (pid {pid}: {_command(pid)})" if pid else "another process"
        where = f"the index {self.dir}"
        if self.server_mode:
            return f"{who} is writing {where}; wait until it finishes"
        if other_writes:
            return f"{who} is writing {where}; wait until it finishes. {SERVER_HINT}"
        return f"{who} has {where} open; stop it before writing here. {SERVER_HINT}"


_COMMANDS = ("ingest", "ask", "ui", "eval", "bench")

# struct flock on Linux (LP64): short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid.
_FLOCK = "@hhqqi4x"


def _holder(fd: int, writing: bool) -> tuple[int | None, bool]:
    """(pid, whether it writes) of a process whose lock stands in the way of ours; pid None if unknown."""
    try:
        asked = struct.pack(_FLOCK, fcntl.F_WRLCK if writing else fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        kind, _, _, _, pid = struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, asked))
    except (OSError, struct.error):
        return None, writing is False
    if kind == fcntl.F_UNLCK or pid <= 0:
        return None, writing is False
    return pid, kind == fcntl.F_WRLCK


def _command(pid: int) -> str:
    """A short form of a process's command line, e.g. 'rag ui'."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "unknown command"
    args = [a for a in args if a]
    for i, arg in enumerate(args):  # `python -m rag.cli ...` or `.../bin/rag ...`: show it as `rag <command>`
        if arg == "rag.cli" or os.path.basename(arg) == "rag":
            command = next((a for a in args[i + 1 :] if a in _COMMANDS), "")
            return f"rag {command}".strip()
    text = " ".join(" ".join(os.path.basename(a) if j == 0 else a for j, a in enumerate(args)).split())
    return text[:60] + ("…" if len(text) > 60 else "")
