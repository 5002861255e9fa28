"""A terminal progress bar for `Engine.ingest(progress=...)`, shared by the CLI and the eval suite.

>>> from rag.progress import ingest_progress_bar
>>> update = ingest_progress_bar("ingest")   # then Engine.ingest(progress=update)
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def ingest_progress_bar(label: str) -> Callable[[int, int, str], None]:
    """A callback (files done, files total, current file) drawing a tqdm bar on stderr."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int, name: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit="file", file=sys.stderr, leave=False)
        bar.n = done
        bar.set_postfix_str(name[-40:])
        bar.refresh()
        if done >= total:
            bar.close()

    return update
