"""Paired bootstrap of latency quantiles (p50/p95): examples timed together resampled as one.

Examples timed together (one batch of a batched model, so one shared latency in each run) are
one measurement, not many: :func:`latency_units` groups them, merged with the suite's
clusters, and :func:`compare_quantile` resamples those groups whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.compare._groups import Layout
from assay.stats import PairedResult, paired_quantiles_table

__all__ = ["LatencyUnits", "compare_quantiles", "latency_units", "measurement_clusters"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class LatencyUnits:
    """What a latency comparison resamples: examples with both latencies, grouped."""

    valid: BoolArray
    """Examples with a latency in both runs."""
    clusters: Any
    """Resampling clusters of the valid examples (``None``: each example is its own)."""
    shared: bool
    """Whether some examples share one timing (timed together in a batch)."""
    units: int
    """Number of resampling units."""


def latency_units(baseline: FloatArray, candidate: FloatArray, layout: Layout) -> LatencyUnits:
    """Examples timed together (one batch of a batched model, so one shared latency in each
    run) are one measurement, not many: they are resampled together, as clusters (merged with
    the suite's clusters), so the interval reflects how many timings there really were."""
    valid = ~(np.isnan(baseline) | np.isnan(candidate))
    suite_clusters = None if layout.clusters is None else layout.clusters[valid]
    clusters, shared = measurement_clusters(baseline[valid], candidate[valid], suite_clusters)
    units = int(valid.sum()) if clusters is None else int(np.unique(clusters).size)
    return LatencyUnits(valid, clusters, shared, units)


def compare_quantiles(
    baseline: FloatArray,
    candidate: FloatArray,
    qs: Sequence[float],
    groups: LatencyUnits,
    rng: int,
    resamples: int,
    confidence: float,
) -> list[PairedResult | None]:
    """Paired bootstrap of each ``q``-quantile difference over all examples with values in
    both, resampling the units of :func:`latency_units` (all the quantiles in one call);
    ``None`` with fewer than two units."""
    if groups.units < 2 or not qs:
        return [None] * len(qs)
    valid = groups.valid
    tables = paired_quantiles_table(
        baseline[valid],
        candidate[valid],
        qs,
        rng=rng,
        resamples=resamples,
        clusters=groups.clusters,
        confidence=confidence,
    )
    out: list[PairedResult | None] = []
    for table in tables:
        result = table["all"]
        if groups.shared:
            note = (
                f"{groups.units} timing groups: examples timed in one batch share one latency "
                "and are resampled together"
            )
            diff = result.difference
            result = replace(result, difference=replace(diff, notes=(*diff.notes, note)))
        out.append(result)
    return out


def _codes(x: FloatArray) -> tuple[IntArray, int]:
    """Each value's rank among the distinct values (one sort of a float column)."""
    uniq, inverse = np.unique(x, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), int(uniq.size)


def _distinct(x: FloatArray) -> bool:
    """Whether no two values are equal (one plain sort: cheaper than numbering them)."""
    s = np.sort(x)
    return bool(np.all(s[1:] != s[:-1]))


def _timing_groups(baseline: FloatArray, candidate: FloatArray) -> tuple[IntArray, int]:
    """Groups of examples with the same (baseline, candidate) latency pair, numbered in order
    of first appearance, and their number."""
    n = baseline.size
    if _distinct(baseline) or _distinct(candidate):  # then so is every pair
        return np.arange(n, dtype=np.int64), n
    code_b, _ = _codes(baseline)
    code_c, k_c = _codes(candidate)
    uniq, key = np.unique(code_b * k_c + code_c, return_inverse=True)  # < n**2: fits int64
    key, n_pairs = key.reshape(-1), int(uniq.size)
    first = np.full(n_pairs, n, dtype=np.int64)
    np.minimum.at(first, key, np.arange(n, dtype=np.int64))
    rank = np.empty(n_pairs, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(n_pairs)
    return rank[key], n_pairs


def measurement_clusters(
    baseline: FloatArray, candidate: FloatArray, clusters: Any
) -> tuple[Any, bool]:
    """Clusters for a latency comparison, and whether timings are shared by several examples.

    Examples with the same (baseline, candidate) latency pair were timed together; each such
    group must stay whole in a resample, and so must each of the suite's clusters. The result
    is the finest grouping that keeps both whole (connected components). With one timing per
    example, the suite's clusters are returned as they are.
    """
    pairs, n_pairs = _timing_groups(baseline, candidate)
    if n_pairs == baseline.size:
        return clusters, False
    if clusters is None:
        return pairs, True
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    suite_codes = np.unique(np.asarray(clusters), return_inverse=True)[1].reshape(-1)
    n_suite = int(suite_codes.max()) + 1
    # a bipartite graph: timing groups 0..n_pairs-1, suite clusters after them
    graph = coo_matrix(
        (np.ones(pairs.size), (pairs, n_pairs + suite_codes)),
        shape=(n_pairs + n_suite, n_pairs + n_suite),
    )
    labels = connected_components(graph, directed=False)[1]
    return labels[pairs], True
