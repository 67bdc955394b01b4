"""Discoveries that one another explain: a slice inside another one.

When discovered slice B lies inside discovered slice A, both can be worse than the rest for
one reason. Two one-sided checks at the analysis level decide which description to keep:

* A is *explained by* B when ``A minus B`` is not worse than the examples outside A (A is only
  worse because it contains B: "region = east" when the problem is "east AND phone");
* B is *explained by* A when B is not worse than ``A minus B`` (B only inherits A's problem:
  "east AND phone AND plan = pro" inside "east AND phone").

Explained discoveries are left out of the list (and named, with what explains them); when two
explain each other the one with the smaller adjusted p-value stays. Leaving discoveries out
never adds a false one, so the multiplicity control still holds for what is listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.analysis._pair_moments import pair_moments
from assay.stats import slice_mask_tests, slice_moments_test

__all__ = ["explained_pairs"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _worse_sums(groups: Any, others: Any, alpha: float) -> BoolArray:
    """Whether each group (counts, sums, sums of squares) is worse than its disjoint other
    (Welch t, one-sided at ``alpha``), all at once."""
    g = np.array(groups, dtype=np.float64).reshape(-1, 3)
    both = g + np.array(others, dtype=np.float64).reshape(-1, 3)
    m = slice_moments_test(
        g[:, 0], g[:, 1], g[:, 2], (both[:, 0], both[:, 1], both[:, 2]), confidence=0.95
    )
    ok = (g[:, 0] >= 2) & (both[:, 0] - g[:, 0] >= 2)
    return np.asarray(ok & (m.effect > 0) & (m.p_value / 2.0 <= alpha), dtype=bool)


def _worse(
    group: BoolArray, other: BoolArray, y: FloatArray, clusters: IntArray, alpha: float
) -> bool:
    """The same with clusters as the unit (cluster-robust t on the two groups' examples)."""
    keep = group | other
    if group.sum() < 2 or other.sum() < 2:
        return False
    g = np.unique(clusters[keep], return_inverse=True)[1]
    m = slice_mask_tests(group[keep][None, :], y[keep], clusters=g)
    return float(m.effect[0]) > 0 and float(m.p_value[0]) / 2.0 <= alpha


class _Pairs:
    """The checks of a pair of overlapping discoveries with clusters as the unit (row masks)."""

    def __init__(self, masks: Sequence[BoolArray]) -> None:
        self.masks = masks
        self.rows = [np.flatnonzero(m) for m in masks]

    def checks(self, a: int, b: int) -> list[tuple[int, int, BoolArray, BoolArray]]:
        """For overlapping discoveries ``a`` and ``b`` (``a`` not inside ``b``), the checks
        ``(explained, by, group, other)``: ``explained`` is explained by ``by`` unless
        ``group`` is worse than ``other``."""
        common = self.rows[b][self.masks[a][self.rows[b]]]
        if common.size == 0 or common.size == self.rows[a].size:
            return []
        outer, other = self.masks[a], self.masks[b]
        rest = outer & ~other
        if common.size == self.rows[b].size:
            return [(a, b, rest, ~outer), (b, a, other, rest)]
        return [(a, b, rest, ~(outer | other))]


def _unclustered(masks: Sequence[BoolArray], y: FloatArray, alpha: float) -> list[tuple[int, int]]:
    """``(explained, by)`` for every pair, from the pairwise intersection counts, sums and sums
    of squares (:func:`pair_moments`), all checks at once."""
    count, total, squares = pair_moments([np.flatnonzero(m) for m in masks], y)
    size = np.diag(count).copy()
    whole = np.array([y.size, y.sum(), y @ y], dtype=np.float64)
    own = np.stack([size, np.diag(total), np.diag(squares)], axis=1)
    a, b = np.nonzero((count > 0) & (count < size[:, None]))  # overlap, a not inside b
    a, b = a[a != b], b[a != b]
    common = np.stack([count[a, b], total[a, b], squares[a, b]], axis=1)
    rest = own[a] - common  # a minus b
    inner = count[a, b] == size[b]
    outside = np.where(inner[:, None], whole - own[a], whole - own[a] - (own[b] - common))
    kept = _worse_sums(rest, outside, alpha)
    found = list(zip(a[~kept].tolist(), b[~kept].tolist(), strict=True))
    ia, ib = a[inner], b[inner]
    kept = _worse_sums(own[ib], rest[inner], alpha)
    found += zip(ib[~kept].tolist(), ia[~kept].tolist(), strict=True)
    return found


def explained_pairs(
    masks: Sequence[BoolArray],
    adjusted: Sequence[float],
    y: FloatArray,
    clusters: IntArray | None,
    alpha: float,
) -> dict[int, int]:
    """For each explained discovery (by index), the discovery that explains it."""
    by: dict[int, set[int]] = {k: set() for k in range(len(masks))}
    if clusters is None:
        for target, explainer in _unclustered(masks, y, alpha):
            by[target].add(explainer)
    else:
        pairs = _Pairs(masks)
        for a in range(len(masks)):
            for b in range(len(masks)):
                for target, explainer, group, other in [] if a == b else pairs.checks(a, b):
                    if not _worse(group, other, y, clusters, alpha):
                        by[target].add(explainer)
    explained: dict[int, int] = {}
    # most convincing first: a discovery explained only by ones already left out stays
    for k in sorted(range(len(masks)), key=lambda i: (adjusted[i], i)):
        standing = [j for j in sorted(by[k], key=lambda i: (adjusted[i], i)) if j not in explained]
        mutual = [j for j in standing if k in by[j] and adjusted[j] > adjusted[k]]
        standing = [j for j in standing if j not in mutual]
        if standing:
            explained[k] = standing[0]
    return explained
