"""Give freed memory back to the operating system after the big steps of an ingest.

CPython frees objects into glibc's heap, which keeps the pages: after a 20 MB file is cleaned (many
line-sized strings made and dropped) or its chunks tokenised, the process holds tens of MB it no longer
uses, and the next step's peak comes on top of them (measured: ~70 MB of a 20 MB file's BM25 build was
such memory). `malloc_trim(0)` returns those pages; Dask's workers do the same for the same reason
(distributed.worker.memory, "memory not released back to the OS"). No-op where glibc is not the
allocator (macOS, musl).

>>> release_free_memory() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_free_memory() -> bool:
    """Return the heap's free pages to the OS; True if the allocator supports it."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
