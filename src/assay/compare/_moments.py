"""Paired comparisons of means on every slice at once, from per-slice sums.

The public paired functions of :mod:`assay.stats` validate and sweep their arrays about twenty
times per call; over 50 slices and 10 metrics of a million examples that costs several times
the reading of the data. Here each slice is summarised by sums that ``np.bincount`` computes
for all slices at once (counts of the 2×2 table for 0/1 scores; sums of deviations from a
member of the group and their squares for other scores; per-(slice, cluster) sums with
clusters), and the results are then built with the same formulas and the same building blocks
as :func:`assay.stats.paired_binary_difference` (Newcombe's paired score interval and
McNemar's test, or the clustered paired t), :func:`assay.stats.paired_mean_difference`
(paired t, clustered CR1 with G-1 degrees of freedom) and
:func:`assay.stats.binary_mean_interval` (the automatic Wilson / t choice). The tests check
every slice against those public functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from assay.stats import Estimate, PairedResult

# Summary-level building blocks of the public paired functions, shared so that both paths
# compute each number with one formula.
from assay.stats._clustered import (
    NO_SPREAD,
    ONE_CLUSTER,
    ONE_UNIT,
    MeanSummary,
    summary_estimate,
    t_quantile,
    z_quantile,
)
from assay.stats._estimates import MIN_OUTCOME_COUNT, SMALL_N, wilson_bounds
from assay.stats._paired import _mcnemar, _t_test, newcombe_paired_bounds

__all__ = [
    "CellSums",
    "Moments",
    "binary_moments",
    "binary_results",
    "cell_sums",
    "clustered_moments",
    "continuous_results",
    "family_moments",
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


def cell_sums(x: FloatArray, cells: IntArray, n_cells: int) -> CellSums:
    """Per-cell sums of ``x`` (one pass of ``np.bincount`` each)."""
    anchor = np.zeros(n_cells)
    anchor[cells] = x
    dev = x - anchor[cells]
    return CellSums(
        n=np.bincount(cells, minlength=n_cells),
        anchor=anchor,
        s1=_sums(cells, dev, n_cells),
        s2=_sums(cells, dev * dev, n_cells),
        spread=_sums(cells, np.abs(dev), n_cells),
    )


def family_moments(cs: CellSums, cell_group: IntArray, n_groups: int) -> Moments:
    """Combine cell sums into the groups of one slice attribute (``-1``: in no group)."""
    keep = (cell_group >= 0) & (cs.n > 0)
    g = cell_group[keep]
    nj, a, s1 = cs.n[keep], cs.anchor[keep], cs.s1[keep]
    anchor = np.zeros(n_groups)
    anchor[g] = a
    delta = a - anchor[g]
    n = np.bincount(g, weights=nj, minlength=n_groups).astype(np.int64)
    g1 = _sums(g, s1 + nj * delta, n_groups)
    g2 = _sums(g, cs.s2[keep] + delta * (2.0 * s1 + nj * delta), n_groups)
    spread = _sums(g, cs.spread[keep] + np.abs(delta), n_groups)
    return _finish(n, anchor, g1, g2, spread == 0.0)


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
    n, units = int(m.n[i]), int(m.units[i])
    g = units if m.clustered else None
    mean = float(m.mean[i])
    if units < 2:
        return MeanSummary(mean, math.inf, 0, n, g, (ONE_UNIT if g is None else ONE_CLUSTER,))
    if m.constant[i]:
        return MeanSummary(mean, 0.0, units - 1, n, g, (NO_SPREAD,))
    return MeanSummary(mean, float(m.se[i]), units - 1, n, g, ())


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
                baseline=summary_estimate(mean_summary(b, i), conf),
                candidate=summary_estimate(mean_summary(c, i), conf),
                difference=summary_estimate(s, conf),
                test=_t_test(s, "two-sided"),
            )
        )
    return out


def _clustered_wilson(m: Moments, i: int, p: float, conf: float) -> tuple[float, float, str]:
    n, units = int(m.n[i]), int(m.units[i])
    if units < 2:
        return 0.0, 1.0, "only one cluster: nothing is known about other clusters; [0, 1]"
    var_iid = p * (1.0 - p) / n
    if var_iid == 0.0:
        n_eff = float(units)
        note = (
            "no variation: the design effect cannot be estimated, so each cluster counts as "
            "one observation (conservative)"
        )
    else:
        deff = max(1.0, float(m.se[i]) ** 2 / var_iid)
        n_eff = n / deff
        note = f"design effect {deff:.3g}: effective n {n_eff:.1f}"
    low, high = wilson_bounds(p, n_eff, t_quantile((1.0 + conf) / 2.0, units - 1))
    return low, high, note


def _binary_estimate(m: Moments, i: int, k: int, conf: float) -> Estimate:
    """:func:`assay.stats.binary_mean_interval` (``method="auto"``) from group sums."""
    n, units = int(m.n[i]), int(m.units[i])
    what = "clusters" if m.clustered else "units"
    if units < SMALL_N:
        reason = f"auto: wilson because there are {units} < {SMALL_N} {what}"
    elif min(k, n - k) < MIN_OUTCOME_COUNT:
        reason = f"auto: wilson because {min(k, n - k)} < {MIN_OUTCOME_COUNT} of one outcome"
    else:
        est = summary_estimate(mean_summary(m, i), conf)
        reason = "auto: t interval because n and both outcomes are large"
        return replace(est, notes=(reason, *est.notes))
    p = k / n
    notes: tuple[str, ...]
    if m.clustered:
        low, high, note = _clustered_wilson(m, i, p, conf)
        label, notes = "wilson (clustered, effective n)", (reason, note)
    else:
        low, high = wilson_bounds(p, n, z_quantile((1.0 + conf) / 2.0))
        label, notes = "wilson", (reason,)
    return Estimate(
        estimate=p,
        low=low,
        high=high,
        confidence=conf,
        method=label,
        n=n,
        se=math.sqrt(p * (1.0 - p) / n),
        n_clusters=units if m.clustered else None,
        notes=notes,
    )


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
    z = z_quantile((1.0 + conf) / 2.0)
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
            out.append(PairedResult(base, cand, summary_estimate(s, conf), _t_test(s, "two-sided")))
            continue
        only_b, only_c = kb - kk, kc - kk
        neither = n - kk - only_b - only_c
        low, high = newcombe_paired_bounds(kk, only_b, only_c, neither, z)
        est = (only_c - only_b) / n
        difference = Estimate(
            estimate=est,
            low=low,
            high=high,
            confidence=conf,
            method="newcombe paired score",
            n=n,
            se=math.sqrt(max((only_b + only_c) / n - est * est, 0.0) / n),
        )
        test = _mcnemar(only_b, only_c, n, "auto", False, "two-sided")
        out.append(PairedResult(base, cand, difference, test))
    return out
