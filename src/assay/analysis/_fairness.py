"""Group fairness metrics and disparities with bootstrap intervals.

Per group: selection rate (share predicted positive), true- and false-positive rate,
accuracy, and with probabilities the calibration gap (mean predicted probability minus
the observed positive rate). Disparities over the groups: for every metric the largest
minus the smallest group value (``_difference``) and the smallest over the largest
(``_ratio``), and Fairlearn's demographic parity (selection rate) and equalised odds (the
larger of the true- and false-positive-rate differences; for the ratio, the smaller ratio).

Intervals are percentile bootstrap intervals from one set of resample weights
(:func:`assay.stats.bootstrap_weights`) shared by every group and disparity, over
examples or, with clusters, over clusters; each group's sufficient statistics are summed
per resample (:meth:`ResampleWeights.reduce`) and every metric recomputed from them. Over
clusters each interval's tails are expanded for the G clusters with examples in its groups
(Hesterberg's expanded percentile, as the comparison engine's): a percentile interval over
few clusters is otherwise narrower than stated. A group with fewer than ``min_group``
examples gets no interval, and a rate whose denominator (positives for the true-positive
rate, negatives for the false-positive rate) is under ``min_class`` none either; such
groups are listed, never part of a disparity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_instance, check_int, check_number
from assay.analysis._fairness_gaps import EXPANDED, Clusters, clusters_in, gap_values, measure_of
from assay.analysis._fairness_result import (
    GROUP_METRICS,
    Disparity,
    FairnessResult,
    GroupMetrics,
)
from assay.errors import DataError
from assay.stats import Estimate, bootstrap_weights, estimate_from_replicates

__all__ = ["group_fairness"]

FloatArray = npt.NDArray[np.float64]
# columns of the per-example sufficient statistics
_N, _SEL, _POS, _TP, _FP, _RIGHT, _SCORE = range(7)
_HIGHER = {"true_positive_rate", "accuracy"}


def _rates(sums: FloatArray) -> dict[str, FloatArray]:
    """Metric -> values from summed statistics (last axis); NaN where a denominator is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n, pos = sums[..., _N], sums[..., _POS]
        return {
            "selection_rate": sums[..., _SEL] / n,
            "true_positive_rate": sums[..., _TP] / pos,
            "false_positive_rate": sums[..., _FP] / (n - pos),
            "accuracy": sums[..., _RIGHT] / n,
            "calibration_gap": (sums[..., _SCORE] - pos) / n,
        }


def _estimate(
    point: float,
    reps: FloatArray,
    confidence: float,
    method: str,
    n: int,
    n_clusters: int | None = None,
) -> Estimate:
    """The percentile interval of ``reps``; over ``n_clusters`` clusters with its tails
    expanded for them (:func:`assay.stats.estimate_from_replicates`), unbounded with fewer
    than two."""
    alpha = (1.0 - confidence) / 2.0
    finite = reps[np.isfinite(reps)]
    notes: tuple[str, ...] = ()
    if finite.size < reps.size:
        notes = (f"{reps.size - finite.size} resamples without the group's denominator dropped",)
    if n_clusters is not None and finite.size:
        est = estimate_from_replicates(
            point, finite, n=n, confidence=confidence, method="percentile", n_clusters=n_clusters
        )
        if n_clusters >= 2:
            method = f"{method}, expanded for {n_clusters} clusters"
        return replace(est, method=method, resamples=reps.size, notes=(*notes, *est.notes))
    low, high = (
        (float(np.quantile(finite, alpha)), float(np.quantile(finite, 1.0 - alpha)))
        if finite.size
        else (float("nan"), float("nan"))
    )
    return Estimate(
        point, low, high, confidence, method, n, None, n_clusters, reps.size, notes=notes
    )


def _codes(values: Sequence[Any], what: str) -> tuple[list[str], npt.NDArray[np.int64]]:
    labels = [str(v) for v in values]
    names = sorted(set(labels))
    index = {name: i for i, name in enumerate(names)}
    return names, np.fromiter((index[v] for v in labels), np.int64, len(labels))


def _check_settings(
    fn: str,
    confidence: float,
    resamples: int,
    min_group: int,
    min_class: int,
    attribute: str,
) -> tuple[float, int, int, int]:
    """The checked confidence, resamples, min_group and min_class of a fairness analysis."""
    confidence = check_number(
        confidence, "confidence", fn, low=0, high=1, low_open=True, high_open=True
    )
    resamples = check_int(resamples, "resamples", fn, minimum=100)
    min_group = check_int(min_group, "min_group", fn, minimum=2)
    min_class = check_int(min_class, "min_class", fn, minimum=1)
    check_instance(attribute, "attribute", fn, str, "a str")
    return confidence, resamples, min_group, min_class


def _units(clusters: Sequence[Any] | None, n: int) -> tuple[npt.NDArray[np.int64], int, str]:
    """The resampled unit of each example, the number of units, and the units in words."""
    if clusters is not None:
        _, units = _codes(clusters, "clusters")
        n_units = int(units.max()) + 1
        return units, n_units, f"{n_units:,} clusters"
    return np.arange(n), n, f"{n:,} examples"


def _too_small_notes(too_small: tuple[str, ...], min_group: int) -> tuple[str, ...]:
    """The note naming the groups too small for an interval, if any."""
    if not too_small:
        return ()
    return (f"too small for an interval (under {min_group} examples): {', '.join(too_small)}",)


def sufficient_statistics(
    y_true: Sequence[Any], y_pred: Sequence[Any], positive: Any
) -> FloatArray:
    """Per example: count, selected, positive, true positive, false positive, correct, and a
    zero probability column (the layout every group metric is recomputed from)."""
    n = len(y_true)
    truth = np.asarray([v == positive for v in y_true], dtype=np.float64)
    chosen = np.asarray([v == positive for v in y_pred], dtype=np.float64)
    stats = np.zeros((n, 7))
    stats[:, _N] = 1.0
    stats[:, _SEL], stats[:, _POS] = chosen, truth
    stats[:, _TP], stats[:, _FP] = chosen * truth, chosen * (1.0 - truth)
    stats[:, _RIGHT] = (chosen == truth).astype(np.float64)
    return stats


def group_fairness(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    groups: Sequence[Any],
    *,
    positive: Any,
    attribute: str = "group",
    scores: Sequence[float] | None = None,
    clusters: Sequence[Any] | None = None,
    confidence: float = 0.95,
    resamples: int = 2000,
    rng: int | np.random.Generator = 0,
    min_group: int = 30,
    min_class: int = 10,
) -> FairnessResult:
    """Metrics by group and disparities between groups, with bootstrap intervals.

    ``y_true`` and ``y_pred`` are labels (``positive`` is the selected one), ``groups`` the
    group of each example; ``scores`` optional predicted probabilities of ``positive``
    (for the calibration gap); ``clusters`` optional cluster labels (then clusters are
    resampled).
    """
    confidence, resamples, min_group, min_class = _check_settings(
        "group_fairness", confidence, resamples, min_group, min_class, attribute
    )
    n = len(y_true)
    if n == 0 or len(y_pred) != n or len(groups) != n:
        raise DataError(
            "fairness needs a prediction and a group for every example",
            expected=f"{n} predictions and {n} groups (at least one example)",
            found=f"{len(y_pred)} predictions, {len(groups)} groups",
        )
    stats = sufficient_statistics(y_true, y_pred, positive)
    notes: list[str] = []
    if scores is not None:
        s = np.asarray(scores, dtype=np.float64)
        if s.shape != (n,) or not np.all((s >= 0.0) & (s <= 1.0)):
            raise DataError(
                "scores are predicted probabilities",
                column="scores",
                expected=f"{n} numbers in [0, 1]",
                found=f"{s.size} values" if s.shape != (n,) else "a value outside [0, 1]",
            )
        stats[:, _SCORE] = s
    else:
        notes.append("no predicted probabilities: calibration by group not computed")
    names, code = _codes(groups, "groups")
    units, n_units, unit_word = _units(clusters, n)
    weights = bootstrap_weights(n_units, resamples, rng=rng)
    replicated = weights.reduce(stats, units=units, cells=code, n_cells=len(names))
    totals = np.stack([stats[code == g].sum(axis=0) for g in range(len(names))])
    method = f"percentile bootstrap over {unit_word}, {resamples:,} resamples"
    if weights.seed is not None:
        method += f", seed {weights.seed}"
    point, reps = _rates(totals), _rates(replicated)
    grouped = None if clusters is None else (units, code, names)
    group_rows, eligible = _groups(
        names, totals, point, reps, confidence, method, scores, min_group, min_class, grouped
    )
    too_small = tuple(g.group for g in group_rows if not g.values)
    notes.extend(_too_small_notes(too_small, min_group))
    disparities = _disparities(names, eligible, point, reps, confidence, method, totals, grouped)
    return FairnessResult(
        attribute=attribute,
        positive=str(positive),
        groups=tuple(group_rows),
        disparities=tuple(disparities),
        too_small=too_small,
        confidence=confidence,
        method=method if clusters is None else method + EXPANDED,
        resamples=resamples,
        seed=weights.seed,
        n=n,
        n_clusters=n_units if clusters is not None else None,
        notes=tuple(notes),
    )


def _groups(
    names: list[str],
    totals: FloatArray,
    point: dict[str, FloatArray],
    reps: dict[str, FloatArray],
    confidence: float,
    method: str,
    scores: Sequence[float] | None,
    min_group: int,
    min_class: int,
    clusters: Clusters | None = None,
) -> tuple[list[GroupMetrics], dict[str, list[int]]]:
    rows: list[GroupMetrics] = []
    eligible: dict[str, list[int]] = {m: [] for m in GROUP_METRICS}
    for g, name in enumerate(names):
        size, pos = int(totals[g, _N]), int(totals[g, _POS])
        needs = {"true_positive_rate": pos, "false_positive_rate": size - pos}
        values, notes = {}, []
        for metric in GROUP_METRICS:
            if metric == "calibration_gap" and scores is None:
                continue
            if size < min_group:
                continue
            if needs.get(metric, min_class) < min_class:
                notes.append(
                    f"{metric}: {needs[metric]} examples in its denominator, under {min_class}"
                )
                continue
            eligible[metric].append(g)
            denominator = needs.get(metric, size)
            values[metric] = _estimate(
                float(point[metric][g]),
                reps[metric][g],
                confidence,
                method,
                denominator,
                clusters_in(clusters, (name,)),
            )
        if size < min_group:
            notes.append(f"{size} examples, under {min_group}: no interval")
        rows.append(GroupMetrics(name, size, pos, values, tuple(notes)))
    return rows, eligible


def _disparities(
    names: list[str],
    eligible: dict[str, list[int]],
    point: dict[str, FloatArray],
    reps: dict[str, FloatArray],
    confidence: float,
    method: str,
    totals: FloatArray,
    clusters: Clusters | None = None,
) -> list[Disparity]:
    n = int(totals[:, _N].sum())
    return [
        Disparity(
            name,
            measure_of(name),
            _estimate(est, rep, confidence, method, n, clusters_in(clusters, members)),
            low_g,
            high_g,
            members,
        )
        for name, (est, rep, low_g, high_g, members) in gap_values(
            names, eligible, point, reps
        ).items()
    ]
