"""Summary statistics for measurements (`rag bench`, the eval report, benchmarks/).

>>> percentile([10.0, 20.0, 30.0, 40.0], 50)
25.0
>>> percentile([], 95) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation; None for no values."""
    if len(values) == 0:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))  # numpy's default: linear interpolation
