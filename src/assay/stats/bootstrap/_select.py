"""Ranks in the stable sorted order of a float array, found by selection instead of a sort.

The band method and the leave-one-out quantiles need only a few ranks of the stable
``argsort`` (ties kept in example order): which examples rank below, inside or above a band,
the band's own order, and the values at a few ranks. A partition finds the values at the
band's edges in ``O(n)``; examples tied with an edge value are split by example order, as
the stable sort splits them, so every result equals the sorted one bit for bit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["stable_band", "stable_values"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def stable_values(x: FloatArray, ranks: list[int]) -> FloatArray:
    """``x[argsort(x, kind="stable")][ranks]`` without the sort (the signs of zeros too)."""
    if not ranks:
        return np.zeros(0)
    at = _select(x, ranks)
    for i, value in enumerate(at):
        if value == 0.0:  # -0.0 and 0.0 tie: the stable order's element, by example order
            tied = np.flatnonzero(x == value)
            at[i] = x[tied[ranks[i] - int(np.count_nonzero(x < value))]]
    return at


def stable_band(x: FloatArray, lo: int, hi: int) -> tuple[npt.NDArray[np.int8], IntArray]:
    """Class of each value by its stable rank (0: below ``lo``, 1: in ``[lo, hi)``, 2: from
    ``hi`` on), and the positions of the band ``[lo, hi)`` in stable sorted order.

    ``0 <= lo < hi <= x.size``, or ``x`` empty.
    """
    m = x.size
    if m == 0:
        return np.ones(0, dtype=np.int8), np.zeros(0, dtype=np.int64)
    first, last = _select(x, [lo, hi - 1])
    cls = np.add(x >= first, x > last, dtype=np.int8)  # (masked stores are much slower)
    _split_ties(x, first, lo, cls, 0, 1)
    if last != first:
        _split_ties(x, last, hi, cls, 1, 2)
    elif hi < m:  # one tie block holds the band: its later members rank from hi on
        _split_ties(x, first, hi, cls, 1, 2, keep_low=True)
    band = np.flatnonzero(cls == 1)
    return cls, band[np.argsort(x[band], kind="stable")]


def _select(x: FloatArray, ranks: list[int]) -> FloatArray:
    """The values at ``ranks`` of sorted ``x`` (up to the sign of zeros), one single-rank
    partition each, each of what lies above the previous rank (much faster than one
    partition at several ranks)."""
    order = sorted(set(ranks))
    found = {}
    rest, base = x, 0
    for r in order:
        rest = np.partition(rest, r - base)
        found[r] = rest[r - base]
        rest, base = rest[r - base + 1 :], r + 1
    return np.array([found[r] for r in ranks], dtype=np.float64)


def _split_ties(
    x: FloatArray,
    value: float,
    rank: int,
    cls: npt.NDArray[np.int8],
    low: int,
    high: int,
    keep_low: bool = False,
) -> None:
    """Give the examples tied at ``value`` class ``low`` below stable rank ``rank`` and
    ``high`` from it on (tied examples rank in example order); ``keep_low``: leave the
    classes below ``rank`` as they are."""
    tied = np.flatnonzero(x == value)
    cut = min(max(rank - int(np.count_nonzero(x < value)), 0), tied.size)
    if not keep_low:
        cls[tied[:cut]] = low
    cls[tied[cut:]] = high
