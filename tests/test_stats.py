"""rag.stats.percentile against hand-computed linear interpolation (position (n - 1) * q / 100 in the
sorted values), with empty and single-value inputs."""

from __future__ import annotations

import pytest

from rag.stats import percentile

FIVE = [5.0, 1.0, 4.0, 2.0, 3.0]  # unsorted on purpose: sorted 1..5, positions 0..4


@pytest.mark.parametrize(
    "q, expected",
    [
        (50, 3.0),  # position 2
        (25, 2.0),  # position 1
        (95, 4.8),  # position 3.8: 4 + 0.8 * (5 - 4)
        (90, 4.6),
        (10, 1.4),
        (1, 1.04),
        (99, 4.96),
    ],
)
def test_percentile_interpolates_linearly(q, expected):
    assert percentile(FIVE, q) == pytest.approx(expected)


def test_percentile_of_two_values():
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert percentile([10.0, 20.0, 30.0, 40.0], 50) == pytest.approx(25.0)


def test_percentile_of_nothing_is_none():
    assert percentile([], 50) is None


def test_percentile_of_one_value_is_that_value():
    assert percentile([7], 95) == 7.0 and isinstance(percentile([7], 95), float)


def test_percentile_takes_ints():
    assert percentile([1, 2, 3, 4, 5], 50) == pytest.approx(3.0)


@pytest.mark.parametrize("q, expected", [(0, 1.0), (100, 5.0)])
def test_percentile_0_and_100_are_min_and_max(q, expected):
    assert percentile(FIVE, q) == pytest.approx(expected)
