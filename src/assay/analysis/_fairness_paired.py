"""Baseline against candidate, group by group: the paired change of each group metric and of
each disparity, with intervals.

Both runs' predictions are on the same examples, so the two runs' per-example sufficient
statistics are stacked side by side and summed on **one** set of bootstrap resample weights
(:func:`assay.stats.bootstrap_weights`), over examples or, with clusters, over clusters:
every resample draws the same units for both runs. Each run's group metrics and disparities
are recomputed on every resample, and the change (candidate minus baseline) is their
difference on that resample; intervals are percentile intervals of those differences (a
paired percentile bootstrap), over clusters with their tails expanded for the clusters in
the groups compared (as in :func:`group_fairness`). Groups too small for an interval in :func:`group_fairness` are
too small here too (the rules depend only on the truths and the groups, so they are the same
for both runs), and are never part of a disparity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from assay.analysis._fairness import (
    _check_settings,
    _codes,
    _estimate,
    _groups,
    _rates,
    _too_small_notes,
    _units,
    sufficient_statistics,
)
from assay.analysis._fairness_gaps import EXPANDED, clusters_in, gap_values, measure_of
from assay.analysis._fairness_result import GroupMetrics
from assay.errors import DataError
from assay.stats import Estimate, bootstrap_weights

__all__ = ["DisparityChange", "FairnessChange", "GroupChange", "paired_group_fairness"]


@dataclass(frozen=True)
class GroupChange:
    """One group's metrics in both runs and their paired change."""

    group: str
    """The slice value."""
    n: int
    """Paired examples in the group."""
    baseline: GroupMetrics
    """The baseline's metrics (with their own intervals)."""
    candidate: GroupMetrics
    """The candidate's metrics."""
    change: dict[str, Estimate]
    """Metric -> candidate minus baseline, paired percentile bootstrap interval (metrics the
    group is too small for are absent)."""


@dataclass(frozen=True)
class DisparityChange:
    """One disparity in both runs and its paired change."""

    name: str
    """``demographic_parity_difference``, ``accuracy_ratio``, ..."""
    measure: Literal["difference", "ratio"]
    """Largest minus smallest group value, or smallest over largest."""
    baseline: Estimate
    """The baseline's disparity."""
    candidate: Estimate
    """The candidate's disparity."""
    change: Estimate
    """Candidate minus baseline: for a difference, a negative change narrows the gap; for a
    ratio, a positive change does."""
    groups: tuple[str, ...]
    """The groups compared."""


@dataclass(frozen=True)
class FairnessChange:
    """Group metrics and disparities of a candidate against a baseline, paired by example."""

    attribute: str
    """The slice attribute whose values are the groups."""
    positive: str
    """The positive label."""
    groups: tuple[GroupChange, ...]
    """Every group, sorted, including those too small for an interval."""
    disparities: tuple[DisparityChange, ...]
    """Disparities over the groups large enough for an interval."""
    too_small: tuple[str, ...]
    """Groups too small for any interval."""
    confidence: float
    """Confidence level of every interval."""
    method: str
    """How the intervals were made."""
    resamples: int
    """Bootstrap resamples."""
    seed: int | None
    """Seed of the resamples."""
    n: int
    """Paired examples."""
    n_clusters: int | None = None
    """Clusters resampled, when the bootstrap is over clusters."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats (examples left out of the pairing, small groups)."""

    def disparity(self, name: str) -> DisparityChange | None:
        """The disparity change called ``name``, or None when no two groups allow it."""
        return next((d for d in self.disparities if d.name == name), None)


def paired_group_fairness(
    y_true: Sequence[Any],
    baseline_pred: Sequence[Any],
    candidate_pred: Sequence[Any],
    groups: Sequence[Any],
    *,
    positive: Any,
    attribute: str = "group",
    clusters: Sequence[Any] | None = None,
    confidence: float = 0.95,
    resamples: int = 2000,
    rng: int | np.random.Generator = 0,
    min_group: int = 30,
    min_class: int = 10,
) -> FairnessChange:
    """The change from ``baseline_pred`` to ``candidate_pred`` (predictions of the same
    examples, in the same order) of every group metric and disparity of
    :func:`group_fairness`, with paired percentile bootstrap intervals (clusters resampled
    when ``clusters`` is given). Calibration is not compared."""
    confidence, resamples, min_group, min_class = _check_settings(
        "paired_group_fairness", confidence, resamples, min_group, min_class, attribute
    )
    n = len(y_true)
    if n == 0 or len(baseline_pred) != n or len(candidate_pred) != n or len(groups) != n:
        raise DataError(
            "a paired fairness comparison needs both runs' predictions and a group for every "
            "example",
            expected=f"{n} baseline and candidate predictions and {n} groups (at least one)",
            found=f"{len(baseline_pred)} baseline, {len(candidate_pred)} candidate "
            f"predictions, {len(groups)} groups",
        )
    base = sufficient_statistics(y_true, baseline_pred, positive)
    cand = sufficient_statistics(y_true, candidate_pred, positive)
    width = base.shape[1]
    names, code = _codes(groups, "groups")
    if clusters is not None and len(clusters) != n:
        raise DataError(
            "every example needs a cluster", expected=f"{n} clusters", found=f"{len(clusters)}"
        )
    units, n_units, unit_word = _units(clusters, n)
    weights = bootstrap_weights(n_units, resamples, rng=rng)
    stacked = np.hstack([base, cand])
    both = weights.reduce(stacked, units=units, cells=code, n_cells=len(names))
    totals = np.stack([stacked[code == g].sum(axis=0) for g in range(len(names))])
    method = (
        f"paired percentile bootstrap over {unit_word} (the same resamples for both runs), "
        f"{resamples:,} resamples"
    )
    if weights.seed is not None:
        method += f", seed {weights.seed}"
    grouped = None if clusters is None else (units, code, names)
    runs = {}
    for role, cols in (("baseline", slice(0, width)), ("candidate", slice(width, 2 * width))):
        point, reps = _rates(totals[:, cols]), _rates(both[..., cols])
        rows, eligible = _groups(
            names,
            totals[:, cols],
            point,
            reps,
            confidence,
            method,
            None,
            min_group,
            min_class,
            grouped,
        )
        runs[role] = (point, reps, rows, eligible)
    (bp, br, b_rows, eligible), (cp, cr, c_rows, _) = runs["baseline"], runs["candidate"]
    changes = []
    for g, name in enumerate(names):
        diffs = {
            m: _estimate(
                float(cp[m][g] - bp[m][g]),
                cr[m][g] - br[m][g],
                confidence,
                method,
                b_rows[g].values[m].n,
                clusters_in(grouped, (name,)),
            )
            for m in b_rows[g].values
        }
        changes.append(GroupChange(name, b_rows[g].n, b_rows[g], c_rows[g], diffs))
    b_gaps, c_gaps = gap_values(names, eligible, bp, br), gap_values(names, eligible, cp, cr)
    disparities = []
    for key in b_gaps:
        g_of = clusters_in(grouped, b_gaps[key][4])
        disparities.append(
            DisparityChange(
                key,
                measure_of(key),
                _estimate(b_gaps[key][0], b_gaps[key][1], confidence, method, n, g_of),
                _estimate(c_gaps[key][0], c_gaps[key][1], confidence, method, n, g_of),
                _estimate(
                    c_gaps[key][0] - b_gaps[key][0],
                    c_gaps[key][1] - b_gaps[key][1],
                    confidence,
                    method,
                    n,
                    g_of,
                ),
                b_gaps[key][4],
            )
        )
    too_small = tuple(r.group for r in b_rows if not r.values)
    return FairnessChange(
        attribute=attribute,
        positive=str(positive),
        groups=tuple(changes),
        disparities=tuple(disparities),
        too_small=too_small,
        confidence=confidence,
        method=method if clusters is None else method + EXPANDED,
        resamples=resamples,
        seed=weights.seed,
        n=n,
        n_clusters=n_units if clusters is not None else None,
        notes=_too_small_notes(too_small, min_group),
    )
