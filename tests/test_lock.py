"""rag.lock against real second processes: readers share an index folder, a writer has it alone, and a
refusal names the other process."""

import subprocess
import sys

import pytest

from rag.errors import IndexBusy
from rag.lock import IndexLock
from tests.paths import ROOT

HOLD = """
import sys
from rag.lock import IndexLock
lock = IndexLock(sys.argv[1])
lock.shared()
if sys.argv[2] == "write":
    writing = lock.exclusive()
    writing.__enter__()
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def hold(tmp_path):
    procs = []

    def start(mode: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "index"), mode], cwd=ROOT, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdout.readline() == "holding\n"
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.stdin.close()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_readers_share_and_a_writer_is_refused_naming_the_reader(hold, tmp_path):
    reader = hold("read")
    lock = IndexLock(tmp_path / "index")
    lock.shared()  # two readers
    with pytest.raises(IndexBusy, match=rf"pid {reader.pid}: python -c .* has the index .* open.*RAG_CHROMA_HOST"):
        with lock.exclusive():
            pass
    with pytest.raises(IndexBusy):  # the refused upgrade kept the shared lock: still refused, still reading
        with lock.exclusive():
            pass
    lock.release_shared()


def test_a_writer_excludes_readers_and_says_it_is_writing(hold, tmp_path):
    writer = hold("write")
    lock = IndexLock(tmp_path / "index")
    with pytest.raises(IndexBusy, match=rf"pid {writer.pid}: .* is writing"):
        lock.shared()
    with pytest.raises(IndexBusy, match="is writing"):
        with lock.exclusive():
            pass


def test_in_one_process_locks_are_counted_and_released(hold, tmp_path):
    first, second = IndexLock(tmp_path / "index"), IndexLock(tmp_path / "index")
    first.shared()
    second.shared()
    with first.exclusive(), second.exclusive():  # re-entrant within the process
        pass
    first.release_shared()
    second.release_shared()
    hold("write")  # everything released: another process may write


def test_server_mode_readers_take_no_lock(hold, tmp_path):
    hold("write")
    lock = IndexLock(tmp_path / "index", server_mode=True)
    lock.shared()  # no refusal: the vectors are the server's
    with pytest.raises(IndexBusy, match="is writing"):  # but writers still take turns
        with lock.exclusive():
            pass
