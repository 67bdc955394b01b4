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

import numpy as np
import numpy.typing as npt

from assay.stats import slice_mask_tests

__all__ = ["explained_pairs"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _worse(
    group: BoolArray, other: BoolArray, y: FloatArray, clusters: IntArray | None, alpha: float
) -> bool:
    """Whether ``group`` is worse than ``other`` (disjoint), one-sided at ``alpha``."""
    keep = group | other
    if group.sum() < 2 or other.sum() < 2:
        return False
    g = None if clusters is None else np.unique(clusters[keep], return_inverse=True)[1]
    m = slice_mask_tests(group[keep][None, :], y[keep], clusters=g)
    effect, p = float(m.effect[0]), float(m.p_value[0])
    return effect > 0 and p / 2.0 <= alpha


def _explains(
    a: BoolArray, b: BoolArray, y: FloatArray, clusters: IntArray | None, alpha: float
) -> tuple[bool, bool]:
    """Whether ``b`` explains ``a``, and whether ``a`` explains ``b`` (``a`` and ``b`` overlap)."""
    rest = a & ~b
    if not np.any(b & ~a):  # b inside a
        return (
            not _worse(rest, ~a, y, clusters, alpha),
            not _worse(b, rest, y, clusters, alpha),
        )
    return not _worse(rest, ~(a | b), y, clusters, alpha), False


def explained_pairs(
    masks: Sequence[BoolArray],
    adjusted: Sequence[float],
    y: FloatArray,
    clusters: IntArray | None,
    alpha: float,
) -> dict[int, int]:
    """For each explained discovery (by index), the discovery that explains it."""
    by: dict[int, set[int]] = {k: set() for k in range(len(masks))}
    for a, outer in enumerate(masks):
        for b, inner in enumerate(masks):
            if a == b or not np.any(outer & inner) or not np.any(outer & ~inner):
                continue  # disjoint, or a inside b (seen when the roles are swapped)
            b_explains_a, a_explains_b = _explains(outer, inner, y, clusters, alpha)
            if b_explains_a:
                by[a].add(b)
            if a_explains_b:
                by[b].add(a)
    explained: dict[int, int] = {}
    # most convincing first: a discovery explained only by ones already left out stays
    for k in sorted(range(len(masks)), key=lambda i: (adjusted[i], i)):
        standing = [j for j in sorted(by[k], key=lambda i: (adjusted[i], i)) if j not in explained]
        mutual = [j for j in standing if k in by[j] and adjusted[j] > adjusted[k]]
        standing = [j for j in standing if j not in mutual]
        if standing:
            explained[k] = standing[0]
    return explained
