"""Named points in ingest where a test can stop a real process: kill -9 at a known place, not after a
timer. Inert in production.

Points (`POINTS`), in the order an ingest reaches them:

- ``embed``: a piece of chunks is about to be embedded (rag.index: before each `EMBED_PIECE`);
- ``commit``: a file's chunks are all in Chroma and its catalog commit is next;
- ``update``: a changed file was committed and its replaced chunks are still in Chroma;
- ``bm25``: the new BM25 index is written and the old one moved aside, the swap is next (rag.stores).

A test process reaches them in one of two ways:

- ``RAG_TEST_PAUSE_AT=<point>`` or ``<point>:<n>`` in the environment of a new process: the n-th time
  (default: the first) it reaches the point, it prints ``rag-test-paused-at <point>`` on stdout and
  blocks until its standard input is closed (then it goes on). The test waits for that line, then kills
  the process (or closes its stdin to let it finish). Read once, when this module is imported; the
  variable is not a setting (rag.config ignores it) and never set outside tests.
- in-process, ``monkeypatch.setattr(rag.hooks, "handler", fn)``: ``fn(point)`` runs at every point
  (e.g. raises to stand for a crash).

With neither, `point()` costs one comparison with None.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

POINTS = ("embed", "commit", "update", "bm25")
ENV = "RAG_TEST_PAUSE_AT"

handler: Callable[[str], None] | None = None


def point(name: str) -> None:
    """Ingest passes the named point (see the module docstring)."""
    if handler is not None:
        handler(name)


def pause_at(spec: str) -> Callable[[str], None]:
    """The handler for ``RAG_TEST_PAUSE_AT=<point>[:<n>]``."""
    name, _, nth = spec.partition(":")
    if name not in POINTS:
        raise ValueError(f"{ENV}={spec!r}: unknown point (use one of {', '.join(POINTS)}, optionally ':<n>')")
    wanted = int(nth) if nth else 1
    reached = 0

    def pause(point_name: str) -> None:
        nonlocal reached
        if point_name != name:
            return
        reached += 1
        if reached == wanted:
            print(f"rag-test-paused-at {name}", flush=True)
            sys.stdin.read()  # blocks until the test closes our stdin (or kills us)

    return pause


if os.environ.get(ENV):
    handler = pause_at(os.environ[ENV])
