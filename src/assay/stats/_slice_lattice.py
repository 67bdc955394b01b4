"""Every conjunction of attribute values up to a number of predicates, each slice tested
against the rest.

The lattice is enumerated level by level as in SliceLine: level ``L`` holds conjunctions of
``L`` predicates on ``L`` different attributes. A conjunction is evaluated only if every
attribute set one predicate smaller still has a slice of at least ``min_size`` examples
(size pruning: a slice is never larger than its parents); each attribute set is evaluated in
one pass over the data (its value combinations as one mixed-radix code, counted with
``numpy.bincount``). Pruning here uses sizes only, never the values tested, so the family of
candidates does not depend on the outcome and a multiplicity correction over it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError
from assay.stats._checks import as_float_array, check_confidence
from assay.stats._slice_moments import (
    MIN_CLUSTERS,
    ClusterSums,
    SliceMoments,
    slice_moments_test,
)

__all__ = ["SliceTests", "slice_mask_tests", "slice_tests"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class SliceTests:
    """Every candidate slice with its test against the rest, in lattice order."""

    predicates: tuple[tuple[tuple[int, int], ...], ...]
    """Each slice as ``((attribute, code), ...)``, attributes ascending."""
    moments: SliceMoments
    """Sizes, means, effects, intervals and two-sided p-values, one per slice."""
    n: int
    """Examples."""
    n_clusters: int | None
    """Clusters, when the test treats them as units."""
    method: str
    """The test: ``"Welch t"`` or ``"cluster-robust t"``."""
    confidence: float
    """Level of the intervals."""
    levels: int
    """Predicates of the longest conjunction evaluated."""
    attribute_sets: int
    """Attribute sets evaluated (one pass over the data each)."""


def _checked(
    codes: npt.ArrayLike, values: npt.ArrayLike, clusters: npt.ArrayLike | None, function: str
) -> tuple[IntArray, FloatArray, IntArray | None]:
    x = np.asarray(codes)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
        raise DataError(f"{function}: codes must be a 2-D integer array (-1 = missing)")
    y = as_float_array(values, "values", function)
    if y.shape[0] != x.shape[0]:
        raise DataError(f"{function}: {y.shape[0]} values for {x.shape[0]} rows of codes")
    if not np.isfinite(y).all():
        raise DataError(f"{function}: values must be finite (drop unscored examples first)")
    g = None
    if clusters is not None:
        g = np.asarray(clusters, dtype=np.int64)
        if g.shape != y.shape or (g.size and g.min() < 0):
            raise DataError(f"{function}: clusters must be one code >= 0 per row")
    return x.astype(np.int64, copy=False), y, g


def _cluster_totals(
    y: FloatArray, clusters: IntArray
) -> tuple[FloatArray, FloatArray, tuple[float, float, float, int]]:
    count = np.bincount(clusters).astype(np.float64)
    total = np.bincount(clusters, weights=y)
    present = count > 0
    count, total = count[present], total[present]
    sums = (float(total @ total), float(total @ count), float(count @ count), int(present.sum()))
    per_total = np.asarray(np.bincount(clusters, weights=y), dtype=np.float64)
    return np.bincount(clusters).astype(np.float64), per_total, sums


def _cells(
    slice_of_row: IntArray, clusters: IntArray, y: FloatArray, per_cluster: tuple[FloatArray, ...]
) -> ClusterSums:
    """(slice, cluster) cells of the rows with ``slice_of_row >= 0``."""
    keep = slice_of_row >= 0
    width = int(clusters.max()) + 1 if clusters.size else 1
    key = slice_of_row[keep] * width + clusters[keep]
    cells, inverse = np.unique(key, return_inverse=True)
    count = np.bincount(inverse).astype(np.float64)
    total = np.asarray(np.bincount(inverse, weights=y[keep]), dtype=np.float64)
    cluster = cells % width
    return ClusterSums(
        cells // width, count, total, per_cluster[0][cluster], per_cluster[1][cluster]
    )


def _combo_codes(x: IntArray, features: tuple[int, ...], cards: IntArray) -> IntArray:
    code = np.zeros(x.shape[0], dtype=np.int64)
    missing = np.zeros(x.shape[0], dtype=bool)
    for f in features:
        column = x[:, f]
        missing |= column < 0
        code = code * int(cards[f]) + column
    code[missing] = -1
    return code


def _grouped(
    code: IntArray, features: tuple[int, ...], cards: IntArray, n: int
) -> tuple[IntArray, IntArray]:
    """Each row's combination index and the combination codes (ascending)."""
    space = int(np.prod([int(cards[f]) for f in features], dtype=np.float64))
    if space <= max(4 * n, 1 << 16):
        used = np.flatnonzero(np.bincount(code, minlength=space))
        index = np.full(space, -1, dtype=np.int64)
        index[used] = np.arange(used.size)
        return index[code], used.astype(np.int64)
    combos, inverse = np.unique(code, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), combos.astype(np.int64)


def _decode(
    combos: IntArray, features: tuple[int, ...], cards: IntArray
) -> list[tuple[tuple[int, int], ...]]:
    columns = []
    rest = combos.copy()
    for f in reversed(features):
        columns.append(rest % int(cards[f]))
        rest //= int(cards[f])
    columns.reverse()
    return [
        tuple((f, int(v)) for f, v in zip(features, values, strict=True))
        for values in zip(*columns, strict=True)
    ]


def _joined(parts: list[ClusterSums]) -> ClusterSums:
    fields = ("slice_index", "count", "total", "cluster_count", "cluster_total")
    if not parts:
        return ClusterSums(np.zeros(0, dtype=np.int64), *(np.zeros(0) for _ in fields[1:]))
    return ClusterSums(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


def slice_tests(
    codes: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    clusters: npt.ArrayLike | None = None,
    max_predicates: int = 3,
    min_size: int = 30,
    confidence: float = 0.95,
    min_clusters: int = MIN_CLUSTERS,
) -> SliceTests:
    """Test every slice (a conjunction of up to ``max_predicates`` attribute values, each of at
    least ``min_size`` examples, with at least ``min_size`` outside it) against the rest.

    ``codes`` is one row per example and one column per attribute: the value's code from 0,
    or -1 where the example has no value (it belongs to no slice on that attribute).
    ``values`` is what is compared (an error, a paired difference); ``clusters`` (codes from 0)
    makes clusters the unit of the test, and a slice touching fewer than ``min_clusters``
    clusters (or leaving fewer outside) is not tested. The slices are returned with their two-sided tests;
    the multiplicity correction over all of them is the caller's.
    """
    function = "slice_tests"
    x, y, g = _checked(codes, values, clusters, function)
    if not isinstance(max_predicates, int) or max_predicates < 1:
        raise ParameterError("max_predicates", function, "a positive int", max_predicates)
    if not isinstance(min_size, int) or min_size < 2:
        raise ParameterError("min_size", function, "an int >= 2", min_size)
    level_conf = check_confidence(confidence, function)
    n, m = x.shape
    cards = (x.max(axis=0) + 1).clip(min=1) if n else np.ones(m, dtype=np.int64)
    per_cluster = _cluster_totals(y, g) if g is not None else None
    found: list[tuple[tuple[int, int], ...]] = []
    sums: list[FloatArray] = []
    cell_parts: list[ClusterSums] = []
    alive: set[tuple[int, ...]] = {()}
    levels = evaluated = 0
    for level in range(1, min(max_predicates, m) + 1):
        grown: set[tuple[int, ...]] = set()
        for features in combinations(range(m), level):
            if any(sub not in alive for sub in combinations(features, level - 1)):
                continue
            evaluated += 1
            code = _combo_codes(x, features, cards)
            present = code >= 0
            inverse, combos = _grouped(code[present], features, cards, n)
            count = np.bincount(inverse, minlength=len(combos)).astype(np.float64)
            ok = (count >= min_size) & (n - count >= min_size)
            if not ok.any():
                continue
            grown.add(features)
            total = np.bincount(inverse, weights=y[present], minlength=len(combos))
            squares = np.bincount(inverse, weights=y[present] ** 2, minlength=len(combos))
            if g is not None and per_cluster is not None:
                index = np.full(len(combos), -1, dtype=np.int64)
                index[ok] = np.arange(len(found), len(found) + int(ok.sum()))
                row = np.full(n, -1, dtype=np.int64)
                row[present] = index[inverse]
                cell_parts.append(_cells(row, g, y, per_cluster[:2]))
            found.extend(_decode(combos[ok], features, cards))
            sums.append(np.stack([count[ok], total[ok], squares[ok]], axis=1))
        if not grown:
            break
        levels = level
        alive = grown
    table = np.concatenate(sums) if sums else np.zeros((0, 3))
    totals = (float(n), float(y.sum()), float(y @ y))
    cells = _joined(cell_parts) if g is not None else None
    moments = slice_moments_test(
        table[:, 0],
        table[:, 1],
        table[:, 2],
        totals,
        confidence=level_conf,
        cells=cells,
        cluster_totals=per_cluster[2] if per_cluster else None,
        min_clusters=min_clusters,
    )
    n_clusters = per_cluster[2][3] if per_cluster else None
    method = "cluster-robust t" if g is not None else "Welch t"
    return SliceTests(tuple(found), moments, n, n_clusters, method, level_conf, levels, evaluated)


def slice_mask_tests(
    masks: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    min_clusters: int = MIN_CLUSTERS,
) -> SliceMoments:
    """The same test as :func:`slice_tests` for slices given as row masks (one row of
    ``masks`` per slice, one column per example)."""
    function = "slice_mask_tests"
    inside = np.asarray(masks, dtype=bool)
    if inside.ndim != 2:
        raise DataError(f"{function}: masks must be 2-D (slices x examples)")
    y = as_float_array(values, "values", function)
    level_conf = check_confidence(confidence, function)
    n1 = inside.sum(axis=1).astype(np.float64)
    s1 = inside.astype(np.float64) @ y
    q1 = inside.astype(np.float64) @ (y * y)
    totals = (float(y.size), float(y.sum()), float(y @ y))
    if clusters is None:
        return slice_moments_test(n1, s1, q1, totals, confidence=level_conf)
    g = np.asarray(clusters, dtype=np.int64)
    per_cluster = _cluster_totals(y, g)
    parts = [
        _cells(np.where(inside[k], k, -1).astype(np.int64), g, y, per_cluster[:2])
        for k in range(inside.shape[0])
    ]
    cells = _joined(parts)
    return slice_moments_test(
        n1,
        s1,
        q1,
        totals,
        confidence=level_conf,
        cells=cells,
        cluster_totals=per_cluster[2],
        min_clusters=min_clusters,
    )
