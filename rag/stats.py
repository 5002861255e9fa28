"""Summary statistics for measurements (`rag bench`, the eval report, benchmarks/).

>>> percentile([10.0, 20.0, 30.0, 40.0], 50)
25.0
>>> percentile([], 95) is None
True
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation; None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(q) - 1))]
