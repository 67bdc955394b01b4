"""Paired comparisons of means on every slice at once, from per-slice sums.

The public paired functions of :mod:`assay.stats` validate and sweep their arrays about twenty
times per call; over 50 slices and 10 metrics of a million examples that costs several times
the reading of the data. Here each slice is summarised by sums that ``np.bincount`` computes
for all slices at once (counts of the 2×2 table for 0/1 scores; sums of deviations from a
member of the group and their squares for other scores; per-(slice, cluster) sums with
clusters), and the results are then built by the from-sums functions of :mod:`assay.stats`
that :func:`assay.stats.paired_binary_difference` (Newcombe's paired score interval and
McNemar's test, or the clustered paired t), :func:`assay.stats.paired_mean_difference`
(paired t, clustered CR1 with G-1 degrees of freedom) and
:func:`assay.stats.binary_mean_interval` (the automatic Wilson / t choice) are built on. The
tests check
every slice against those public functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.stats import (
    Estimate,
    MeanSummary,
    PairedResult,
    binary_interval_from_counts,
    mcnemar_from_counts,
    mean_interval_from_summary,
    mean_summary_from_moments,
    paired_binary_difference_from_counts,
    paired_t_from_summary,
)

__all__ = [
    "CellSums",
    "Moments",
    "binary_moments",
    "binary_results",
    "cell_sums",
    "clustered_moments",
    "continuous_results",
    "family_moments",
    "family_moments_of",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Moments:
    """Mean and (clustered) standard error of one variable in every group."""

    n: IntArray
    """Values in each group."""
    units: IntArray
    """Independent units in each group: values, or clusters with at least one value."""
    mean: FloatArray
    """Mean of each group (NaN for an empty group)."""
    se: FloatArray
    """Standard error, iid or CR1 (NaN where there are fewer than two units)."""
    constant: BoolArray
    """Whether all values of the group are identical."""
    clustered: bool
    """Whether ``se`` and ``units`` account for clusters."""


@dataclass(frozen=True, eq=False)
class CellSums:
    """Sums of one variable over cells (examples that share every slice value)."""

    n: IntArray
    """Values in each cell."""
    anchor: FloatArray
    """One value of each cell; deviations are taken from it."""
    s1: FloatArray
    """Sum of deviations from the anchor."""
    s2: FloatArray
    """Sum of squared deviations."""
    spread: FloatArray
    """Sum of absolute deviations (zero exactly when the cell is constant)."""


def _finish(
    n: IntArray, anchor: FloatArray, s1: FloatArray, s2: FloatArray, constant: BoolArray
) -> Moments:
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = s1 / n
        var = np.maximum(s2 - s1 * shift, 0.0) / (n - 1)
        se = np.where(n >= 2, np.sqrt(var / n), np.nan)
    return Moments(n, n, anchor + shift, se, constant, False)


def _sums(codes: IntArray, weights: FloatArray, size: int) -> FloatArray:
    return np.asarray(np.bincount(codes, weights=weights, minlength=size), dtype=np.float64)


def cell_sums(x: FloatArray, cells: IntArray, n_cells: int, n: IntArray | None = None) -> CellSums:
    """Per-cell sums of ``x`` (one pass of ``np.bincount`` each); ``n``: the values in each
    cell, when already counted."""
    anchor = np.zeros(n_cells)
    anchor[cells] = x
    dev = x - anchor[cells]
    return CellSums(
        n=np.bincount(cells, minlength=n_cells) if n is None else n,
        anchor=anchor,
        s1=_sums(cells, dev, n_cells),
        s2=_sums(cells, dev * dev, n_cells),
        spread=_sums(cells, np.abs(dev), n_cells),
    )


def family_moments_of(
    sums: Sequence[CellSums], cell_group: IntArray, n_groups: int
) -> list[Moments]:
    """:func:`family_moments` of variables with values in the same cells (the same ``n``):
    the cells of each group are found once for all of them."""
    keep = (cell_group >= 0) & (sums[0].n > 0)
    g, nj = cell_group[keep], sums[0].n[keep]
    n = np.bincount(g, weights=nj, minlength=n_groups).astype(np.int64)
    out = []
    for cs in sums:
        a, s1 = cs.anchor[keep], cs.s1[keep]
        anchor = np.zeros(n_groups)
        anchor[g] = a
        delta = a - anchor[g]
        g1 = _sums(g, s1 + nj * delta, n_groups)
        g2 = _sums(g, cs.s2[keep] + delta * (2.0 * s1 + nj * delta), n_groups)
        spread = _sums(g, cs.spread[keep] + np.abs(delta), n_groups)
        out.append(_finish(n, anchor, g1, g2, spread == 0.0))
    return out


def family_moments(cs: CellSums, cell_group: IntArray, n_groups: int) -> Moments:
    """Combine cell sums into the groups of one slice attribute (``-1``: in no group)."""
    return family_moments_of([cs], cell_group, n_groups)[0]


def binary_moments(n: IntArray, k: IntArray) -> Moments:
    """Moments of 0/1 values from counts: mean k/n, iid standard error."""
    kf = k.astype(np.float64)
    return _finish(n, np.zeros(n.size), kf, kf, (k == 0) | (k == n))


def clustered_moments(
    x: FloatArray, groups: IntArray, n_groups: int, clusters: IntArray, n_clusters: int
) -> Moments:
    """Per-group mean and CR1 standard error (residuals summed within clusters)."""
    v, g = n_groups, n_clusters
    n = np.bincount(groups, minlength=v)
    anchor = np.zeros(v)
    anchor[groups] = x
    dev = x - anchor[groups]
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.bincount(groups, weights=dev, minlength=v) / n
    constant = np.bincount(groups, weights=np.abs(dev), minlength=v) == 0.0
    pair = groups * g + clusters
    if v * g <= max(4 * pair.size, 1 << 20):
        count = np.bincount(pair, minlength=v * g)
        total = np.bincount(pair, weights=dev, minlength=v * g)
        cells = np.flatnonzero(count)
        count, total = count[cells], total[cells]
    else:
        cells, inverse = np.unique(pair, return_inverse=True)
        count = np.bincount(inverse)
        total = np.bincount(inverse, weights=dev)
    owner = cells // g
    resid = total - count * shift[owner]
    units = np.bincount(owner, minlength=v)
    meat = np.bincount(owner, weights=resid * resid, minlength=v)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(units >= 2, np.sqrt(units / (units - 1) * meat) / n, np.nan)
    return Moments(n, units, anchor + shift, se, constant, True)


def mean_summary(m: Moments, i: int) -> MeanSummary:
    """The summary :func:`assay.stats.paired_mean_difference` builds, for group ``i``."""
    return mean_summary_from_moments(
        float(m.mean[i]),
        float(m.se[i]),
        int(m.n[i]),
        n_clusters=int(m.units[i]) if m.clustered else None,
        constant=bool(m.constant[i]),
    )


def continuous_results(
    b: Moments, c: Moments, d: Moments, conf: float
) -> list[PairedResult | None]:
    """Paired t results per group, as :func:`assay.stats.paired_mean_difference` gives them."""
    out: list[PairedResult | None] = []
    for i in range(d.n.size):
        if d.n[i] == 0:
            out.append(None)
            continue
        s = mean_summary(d, i)
        out.append(
            PairedResult(
                baseline=mean_interval_from_summary(mean_summary(b, i), confidence=conf),
                candidate=mean_interval_from_summary(mean_summary(c, i), confidence=conf),
                difference=mean_interval_from_summary(s, confidence=conf),
                test=paired_t_from_summary(s),
            )
        )
    return out


def _binary_estimate(m: Moments, i: int, k: int, conf: float) -> Estimate:
    """:func:`assay.stats.binary_mean_interval` (``method="auto"``) from group sums."""
    return binary_interval_from_counts(k, mean_summary(m, i), confidence=conf)


def binary_results(
    b: Moments,
    c: Moments,
    d: Moments | None,
    k_b: IntArray,
    k_c: IntArray,
    both: IntArray,
    conf: float,
) -> list[PairedResult | None]:
    """Paired 0/1 results per group, as :func:`assay.stats.paired_binary_difference` gives them.

    ``k_b``, ``k_c``: successes of each run per group; ``both``: examples both got right;
    ``d``: moments of the differences, given with clusters (clustered paired t).
    """
    out: list[PairedResult | None] = []
    for i in range(b.n.size):
        n = int(b.n[i])
        if n == 0:
            out.append(None)
            continue
        kb, kc, kk = int(k_b[i]), int(k_c[i]), int(both[i])
        base = _binary_estimate(b, i, kb, conf)
        cand = _binary_estimate(c, i, kc, conf)
        if d is not None:
            s = mean_summary(d, i)
            out.append(
                PairedResult(
                    base,
                    cand,
                    mean_interval_from_summary(s, confidence=conf),
                    paired_t_from_summary(s),
                )
            )
            continue
        only_b, only_c = kb - kk, kc - kk
        neither = n - kk - only_b - only_c
        difference = paired_binary_difference_from_counts(
            kk, only_b, only_c, neither, confidence=conf
        )
        test = mcnemar_from_counts(only_b, only_c, n)
        out.append(PairedResult(base, cand, difference, test))
    return out
