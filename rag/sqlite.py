"""The two SQLite idioms the catalog and the embedding cache share.

>>> import sqlite3
>>> db = sqlite3.connect(":memory:", isolation_level=None)
>>> _ = db.execute("CREATE TABLE t (x INTEGER)")
>>> with transaction(db):
...     _ = db.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1200)])
>>> [len(part) for part in batches(list(range(1200)))]
[500, 500, 200]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
MAX_PARAMETERS = 500  # values bound in one `IN (...)`: well under SQLite's limit on every build


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction on a connection in autocommit mode (isolation_level=None): taken at
    once (IMMEDIATE, so two writers queue on the busy timeout instead of failing mid-way), rolled back
    on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def batches(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices of at most MAX_PARAMETERS, for `IN (?, ?, ...)` queries."""
    for i in range(0, len(values), MAX_PARAMETERS):
        yield values[i : i + MAX_PARAMETERS]


def marks(values: Sequence[object]) -> str:
    """"?,?,?" for an `IN (...)` over these values."""
    return ",".join("?" * len(values))
