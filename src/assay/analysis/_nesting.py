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

from assay.stats import slice_mask_tests, slice_moments_test

__all__ = ["explained_pairs"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


Sums = tuple[float, float, float]


def _worse_sums(groups: list[Sums], others: list[Sums], alpha: float) -> BoolArray:
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


def _minus(a: Sums, b: Sums) -> Sums:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


class _Pairs:
    """The two checks of a pair of overlapping discoveries, from index arrays and sums (no
    clusters) or from row masks (clusters)."""

    def __init__(
        self, masks: Sequence[BoolArray], y: FloatArray, clusters: IntArray | None
    ) -> None:
        self.masks, self.y, self.clusters = masks, y, clusters
        self.rows = [np.flatnonzero(m) for m in masks]
        self.sums = [self._sums(r) for r in self.rows]
        self.total = (float(y.size), float(y.sum()), float(y @ y))

    def _sums(self, rows: IntArray) -> Sums:
        v = self.y[rows]
        return (float(rows.size), float(v.sum()), float(v @ v))

    def checks(self, a: int, b: int) -> list[tuple[int, int, Any, Any]]:
        """For overlapping discoveries ``a`` and ``b`` (``a`` not inside ``b``), the checks
        ``(explained, by, group, other)``: ``explained`` is explained by ``by`` unless
        ``group`` is worse than ``other`` (sums without clusters, row masks with them)."""
        common = self.rows[b][self.masks[a][self.rows[b]]]
        if common.size == 0 or common.size == self.rows[a].size:
            return []
        inner = common.size == self.rows[b].size
        if self.clusters is not None:
            outer, other = self.masks[a], self.masks[b]
            rest = outer & ~other
            if inner:
                return [(a, b, rest, ~outer), (b, a, other, rest)]
            return [(a, b, rest, ~(outer | other))]
        both = self._sums(common)
        rest_sums = _minus(self.sums[a], both)
        if inner:
            return [
                (a, b, rest_sums, _minus(self.total, self.sums[a])),
                (b, a, self.sums[b], rest_sums),
            ]
        outside = _minus(_minus(self.total, self.sums[a]), _minus(self.sums[b], both))
        return [(a, b, rest_sums, outside)]


def explained_pairs(
    masks: Sequence[BoolArray],
    adjusted: Sequence[float],
    y: FloatArray,
    clusters: IntArray | None,
    alpha: float,
) -> dict[int, int]:
    """For each explained discovery (by index), the discovery that explains it."""
    by: dict[int, set[int]] = {k: set() for k in range(len(masks))}
    pairs = _Pairs(masks, y, clusters)
    checks = [
        c
        for a in range(len(masks))
        for b in range(len(masks))
        if a != b
        for c in pairs.checks(a, b)
    ]
    if clusters is None:
        worse = _worse_sums([c[2] for c in checks], [c[3] for c in checks], alpha)
    else:
        worse = np.array([_worse(c[2], c[3], y, clusters, alpha) for c in checks], dtype=bool)
    for (target, explainer, _, _), is_worse in zip(checks, worse, strict=True):
        if not is_worse:
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
