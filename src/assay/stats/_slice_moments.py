"""The test of one slice against the rest of the data, from sums, for many slices at once.

Each slice's effect is its mean minus the mean of every other example. Without clusters the
test is Welch's t (unequal variances, Welch-Satterthwaite degrees of freedom), the same as
``scipy.stats.ttest_ind(..., equal_var=False)``. With clusters, the standard error is the
cluster-robust (sandwich) one of the difference of the two means, with ``G / (G - 1)``
small-sample factor, clusters being the unit whether or not a cluster straddles the slice's
boundary. Its degrees of freedom are ``min(G_in, G_out) - 1``, ``G_in`` the clusters holding
examples of the slice and ``G_out`` the others: the sandwich variance of a slice mean is an
average over the slice's own clusters, so with few of them it is as uncertain as a variance from
``G_in`` numbers (the rule of thumb for few treated clusters; ``G - 1`` for every slice gives a
type-I error of 35% at 5% for a slice in 2 of 100 clusters). A slice with fewer than
``min_clusters`` clusters on either side is not tested (p-value 1, infinite interval) and is
flagged in :attr:`SliceMoments.few_clusters`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.stats._checks import check_confidence
from assay.stats._scipy import special

__all__ = ["MIN_CLUSTERS", "ClusterSums", "SliceMoments", "slice_moments_test"]

MIN_CLUSTERS = 5
"""Clusters a slice (and its rest) must touch to be tested when the data has clusters."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Total = float | FloatArray
"""A total over the data: one number, or one per slice (each slice against its own rest)."""


@dataclass(frozen=True, eq=False)
class ClusterSums:
    """Per-slice sums over the (slice, cluster) cells that hold examples of a slice."""

    slice_index: IntArray
    """Which slice each cell belongs to."""
    count: FloatArray
    """Examples of the slice in the cell's cluster."""
    total: FloatArray
    """Sum of values of the slice's examples in the cell's cluster."""
    cluster_count: FloatArray
    """Examples of the cell's cluster (inside and outside the slice)."""
    cluster_total: FloatArray
    """Sum of values of the cell's cluster."""


@dataclass(frozen=True, eq=False)
class SliceMoments:
    """Each slice's estimates and test against the rest."""

    size: IntArray
    mean: FloatArray
    rest_mean: FloatArray
    effect: FloatArray
    se: FloatArray
    df: FloatArray
    low: FloatArray
    high: FloatArray
    p_value: FloatArray
    """Two-sided; 1.0 where the test is undefined (fewer than two units on a side)."""
    clusters_in: IntArray | None
    few_clusters: npt.NDArray[np.bool_] | None = None
    """With clusters: the slices not tested because they (or their rest) touch fewer than
    ``min_clusters`` clusters."""


def _welch(
    n1: FloatArray, s1: FloatArray, q1: FloatArray, n: Total, s: Total, q: Total
) -> tuple[FloatArray, FloatArray]:
    n0, s0, q0 = n - n1, s - s1, q - q1
    with np.errstate(divide="ignore", invalid="ignore"):
        v1 = np.maximum(q1 - s1 * s1 / n1, 0.0) / (n1 - 1.0) / n1
        v0 = np.maximum(q0 - s0 * s0 / n0, 0.0) / (n0 - 1.0) / n0
        var = v1 + v0
        df = var * var / (v1 * v1 / (n1 - 1.0) + v0 * v0 / (n0 - 1.0))
    df = np.where(np.isfinite(df), df, n - 2.0)
    return np.sqrt(var), df


def _clustered(
    n1: FloatArray,
    s1: FloatArray,
    n: Total,
    s: Total,
    cells: ClusterSums,
    totals: tuple[float, float, float, int],
) -> tuple[FloatArray, FloatArray, IntArray]:
    sum_s2, sum_sn, sum_n2, g = totals
    n0 = n - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        mu1, mu0 = s1 / n1, (s - s1) / n0
        # every cluster contributes (s_g - n_g mu0) / N0 when outside the slice; cells inside
        # replace that term by the one with their in-slice part
        outside = (sum_s2 - 2.0 * mu0 * sum_sn + mu0 * mu0 * sum_n2) / (n0 * n0)
        i = cells.slice_index
        rest_count = cells.cluster_count - cells.count
        rest_total = cells.cluster_total - cells.total
        u = (cells.total - cells.count * mu1[i]) / n1[i] - (rest_total - rest_count * mu0[i]) / n0[
            i
        ]
        r = (cells.cluster_total - cells.cluster_count * mu0[i]) / n0[i]
        k = len(n1)
        ss = outside + np.bincount(i, weights=u * u - r * r, minlength=k)
        var = np.maximum(ss, 0.0) * g / (g - 1.0)
    clusters_in = np.bincount(i, minlength=k).astype(np.int64)
    df = np.minimum(clusters_in, g - clusters_in) - 1.0
    return np.sqrt(var), df, clusters_in


def slice_moments_test(
    n1: FloatArray,
    s1: FloatArray,
    q1: FloatArray,
    totals: tuple[float, float, float] | tuple[FloatArray, FloatArray, FloatArray],
    *,
    confidence: float,
    cells: ClusterSums | None = None,
    cluster_totals: tuple[float, float, float, int] | None = None,
    min_clusters: int = MIN_CLUSTERS,
) -> SliceMoments:
    """Each slice's mean, the rest's mean, their difference with a ``confidence`` interval and
    a two-sided p-value, from the slice's count ``n1``, sum ``s1`` and sum of squares ``q1`` and
    the whole data's ``(n, sum, sum of squares)`` (or one such total per slice, without
    clusters: each slice against the rest of its own data); with ``cells`` and ``cluster_totals``
    (sum of cluster sums squared, of sum times count, of counts squared, number of clusters)
    the cluster-robust version, testing only slices with at least ``min_clusters`` (at least 2)
    clusters inside and outside."""
    check_confidence(confidence, "slice_moments_test")
    n, s, q = totals
    n1 = np.asarray(n1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / n1
        rest = (s - s1) / (n - n1)
    effect = mean - rest
    clusters_in: IntArray | None = None
    few: npt.NDArray[np.bool_] | None = None
    if cells is not None and cluster_totals is not None:
        se, df, clusters_in = _clustered(n1, s1, n, s, cells, cluster_totals)
        g = cluster_totals[3]
        least = max(int(min_clusters), 2)
        few = (clusters_in < least) | (g - clusters_in < least)
        testable = ~few
    else:
        se, df = _welch(n1, s1, q1, n, s, q)
        testable = (n1 >= 2) & (n - n1 >= 2)
    df = np.maximum(df, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, np.abs(effect) / se, np.where(effect == 0, 0.0, np.inf))
    p = 2.0 * special.stdtr(df, -t)
    p = np.where(testable & np.isfinite(effect), np.clip(p, 0.0, 1.0), 1.0)
    half = special.stdtrit(df, 0.5 + confidence / 2.0) * se
    half = np.where(testable, half, np.inf)
    return SliceMoments(
        size=n1.astype(np.int64),
        mean=mean,
        rest_mean=rest,
        effect=effect,
        se=se,
        df=df,
        low=effect - half,
        high=effect + half,
        p_value=p,
        clusters_in=clusters_in,
        few_clusters=few,
    )
