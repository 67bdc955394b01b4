"""Bootstrap of metrics that are functions of summed sufficient statistics.

A metric such as F1, macro-F1, MCC, corpus BLEU or a ratio of sums is not a mean of
per-example scores, but it is a function of *sums* of per-example sufficient statistics
(confusion-matrix cells, n-gram counts, lengths). Each resample then only needs the
per-resample sums, which :class:`~assay.stats.ResampleWeights` computes without ever
materialising resampled data, and BCa's jackknife needs only ``total - row``: ``O(n)``, not
``O(n²)``.

Conventions (DESIGN.md): paired resampling of examples, or of clusters when ``clusters`` is
given; BCa with scipy's semantics (default) or percentile intervals; p-values
``(c + 1) / (B + 1)`` (see :func:`bootstrap_p_value`); the result states its method,
resamples, seed, ``n`` and ``n_clusters``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError, UnderpoweredWarning
from assay.stats._checks import check_confidence
from assay.stats._results import Alternative, Estimate, PairedResult
from assay.stats.bootstrap._bca import IntervalMethod
from assay.stats.bootstrap._core import Layout, Replicates, build_layout, slice_replicates
from assay.stats.bootstrap._family import paired_from_replicates_many
from assay.stats.bootstrap._results import (
    _check_alternative,
    _check_method,
    _cluster_codes,
    _stats,
    _weights_for,
    estimate_from_replicates,
)
from assay.stats.bootstrap._weights import ResampleKind, ResampleWeights

__all__ = ["PairedStats", "bootstrap_metric", "paired_bootstrap", "paired_bootstrap_table"]

FloatArray = npt.NDArray[np.float64]
Statistic = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True)
class PairedStats:
    """One metric of a paired comparison: per-example sufficient statistics of both models."""

    baseline: npt.ArrayLike
    """``(n, k)`` sufficient statistics of the baseline, one row per example."""
    candidate: npt.ArrayLike
    """``(n, k)`` sufficient statistics of the candidate, same examples in the same order."""
    statistic: Statistic
    """Metric value from summed statistics, vectorised: ``(..., k) -> (...)``."""


def _columns(statistic: Statistic, start: int, width: int) -> Statistic:
    """The statistic applied to columns ``start : start + width`` of the stacked sums."""

    def on_columns(sums: FloatArray) -> FloatArray:
        return statistic(sums[..., start : start + width])

    return on_columns


def _undefined(value: float, fn: str, what: str) -> None:
    if not np.isfinite(value):
        raise DataError(
            f"{fn}: the metric is undefined on this data ({what})",
            expected="data on which the metric is defined",
            found=str(value),
        )


def _run(
    metrics: Mapping[str, PairedStats],
    masks: dict[str, npt.NDArray[np.bool_]],
    *,
    fn: str,
    rng: int | np.random.Generator,
    weights: ResampleWeights | None,
    resamples: int,
    kind: ResampleKind,
    clusters: npt.ArrayLike | None,
    fast_path: bool,
) -> tuple[list[list[Replicates]], Layout, ResampleWeights, str | None, int]:
    blocks: list[FloatArray] = []
    stats_fns: list[Statistic] = []
    offset = 0
    n: int | None = None
    for name, m in metrics.items():
        a = _stats(m.baseline, f"{name} baseline", fn)
        same = m.candidate is m.baseline  # one run's statistics: resample them once
        c = a if same else _stats(m.candidate, f"{name} candidate", fn)
        if a.shape != c.shape or (n is not None and a.shape[0] != n):
            raise ParameterError(
                f"{name} statistics", fn, "arrays of one shape (n, k)", f"{a.shape} and {c.shape}"
            )
        n, k = a.shape
        blocks += [a] if same else [a, c]
        second = offset if same else offset + k
        stats_fns += [_columns(m.statistic, offset, k), _columns(m.statistic, second, k)]
        offset = second + k
    if n is None or n == 0:
        raise DataError(f"{fn}: no examples", expected="at least one example", found="0")
    codes = _cluster_codes(clusters, n, fn)
    # each mask on its own (no (slices, n) copy of them all); no mask at all is refused by
    # np.stack, as before
    mask_list = [np.broadcast_to(m, (n,)).astype(bool, copy=False) for m in masks.values()]
    layout = build_layout(np.hstack(blocks), codes, mask_list or np.stack(mask_list))
    w = _weights_for(weights, layout.n_units, rng, resamples, kind, fn)
    reps, note = slice_replicates(layout, stats_fns, w, fast_path=fast_path)
    return reps, layout, w, note, n


def paired_bootstrap_table(
    metrics: Mapping[str, PairedStats],
    *,
    slices: Mapping[str, npt.ArrayLike] | None = None,
    rng: int | np.random.Generator = 0,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    alternative: Alternative = "two-sided",
    fast_path: bool = True,
) -> dict[tuple[str, str], PairedResult]:
    """Paired bootstrap of several metrics on several slices, all on ONE set of resamples.

    ``slices`` maps a slice name to a boolean mask over examples (slices may overlap;
    default ``{"all": everything}``). Each resample is a resample of the whole comparison
    (examples, or clusters), restricted to each slice, so every metric and slice sees the
    same resampled units. Returns ``{(metric, slice): PairedResult}``. Use this when a
    comparison reports many metrics × slices; it assumes units are independent (or
    independent clusters) and that each metric is a smooth function of sums.

    How the resamples are shared: when the statistics of all metrics, with slice
    membership, take few distinct values, examples are grouped by those joint values and
    one draw of category counts serves every metric and slice (the distribution of
    resampling examples, drawn in ``O(resamples × categories)``). Otherwise the exact unit
    weights of ``weights`` are used, and then separate calls with the same ``weights``
    object see literally the same resamples. ``fast_path=False`` forces the latter.
    """
    return _table(
        metrics,
        slices=slices,
        rng=rng,
        weights=weights,
        resamples=resamples,
        kind=kind,
        clusters=clusters,
        confidence=confidence,
        method=method,
        alternative=alternative,
        fast_path=fast_path,
        fn="paired_bootstrap_table",
    )


def _table(
    metrics: Mapping[str, PairedStats],
    *,
    slices: Mapping[str, npt.ArrayLike] | None,
    rng: int | np.random.Generator,
    weights: ResampleWeights | None,
    resamples: int,
    kind: ResampleKind,
    clusters: npt.ArrayLike | None,
    confidence: float,
    method: IntervalMethod,
    alternative: Alternative,
    fast_path: bool,
    fn: str,
) -> dict[tuple[str, str], PairedResult]:
    conf = check_confidence(confidence, fn)
    meth = _check_method(method, fn)
    alt = _check_alternative(alternative, fn)
    if not metrics:
        raise ParameterError("metrics", fn, "at least one metric", metrics)
    masks = (
        {"all": np.ones(1, dtype=bool)}
        if slices is None
        else {name: np.asarray(m, dtype=bool) for name, m in slices.items()}
    )
    reps, layout, w, note, _ = _run(
        metrics,
        masks,
        fn=fn,
        rng=rng,
        weights=weights,
        resamples=resamples,
        kind=kind,
        clusters=clusters,
        fast_path=fast_path,
    )
    clustered = clusters is not None
    for slice_name, units in zip(masks, layout.slice_units, strict=True):
        if units < 2:
            warnings.warn(
                UnderpoweredWarning(
                    f"slice {slice_name!r} has {units} resampling unit(s): intervals are unbounded"
                ),
                stacklevel=3,
            )
    out: dict[tuple[str, str], PairedResult] = {}
    slice_ids = range(len(masks))
    for m_idx, metric in enumerate(metrics):  # one family per metric: every slice at once
        family = paired_from_replicates_many(
            [(reps[s][2 * m_idx], reps[s][2 * m_idx + 1]) for s in slice_ids],
            n=layout.slice_n,
            confidence=conf,
            method=meth,
            alternative=alt,
            n_clusters=layout.slice_units if clustered else None,
            weights=w,
            notes=(note,) if note else (),
        )
        out.update(((metric, name), r) for name, r in zip(masks, family, strict=True))
    return {(metric, name): out[(metric, name)] for name in masks for metric in metrics}


def paired_bootstrap(
    baseline_stats: npt.ArrayLike,
    candidate_stats: npt.ArrayLike,
    statistic: Statistic,
    *,
    rng: int | np.random.Generator = 0,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    alternative: Alternative = "two-sided",
    fast_path: bool = True,
) -> PairedResult:
    """Paired bootstrap of the difference of a metric computed from summed statistics.

    ``baseline_stats`` and ``candidate_stats`` are ``(n, k)`` per-example sufficient
    statistics on the same examples; ``statistic`` maps summed statistics ``(..., k)`` to
    the metric (vectorised). Every resample recomputes both models' metric from the same
    resampled examples (or clusters); the difference is candidate minus baseline. For a
    plain mean of per-example scores prefer the closed-form paired methods. Statistics with
    few distinct rows (binary outcomes, confusion cells) take the category fast path: the
    same bootstrap distribution, drawn as category counts.
    """
    fn = "paired_bootstrap"
    a = _stats(baseline_stats, "baseline_stats", fn)
    c = _stats(candidate_stats, "candidate_stats", fn)
    result = _table(
        {"metric": PairedStats(a, c, statistic)},
        slices=None,
        rng=rng,
        weights=weights,
        resamples=resamples,
        kind=kind,
        clusters=clusters,
        confidence=confidence,
        method=method,
        alternative=alternative,
        fast_path=fast_path,
        fn=fn,
    )[("metric", "all")]
    _undefined(result.baseline.estimate, fn, "baseline")
    _undefined(result.candidate.estimate, fn, "candidate")
    return result


def bootstrap_metric(
    stats: npt.ArrayLike,
    statistic: Statistic,
    *,
    rng: int | np.random.Generator = 0,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    fast_path: bool = True,
) -> Estimate:
    """Bootstrap interval of one metric computed from summed per-example statistics.

    ``stats`` is ``(n, k)``; ``statistic`` maps ``(..., k)`` sums to the metric. Resamples
    examples (or whole clusters); BCa by default. Assumes independent examples (or
    clusters) and a metric that is a smooth function of the sums.
    """
    fn = "bootstrap_metric"
    conf = check_confidence(confidence, fn)
    meth = _check_method(method, fn)
    s = _stats(stats, "stats", fn)
    metrics = {"metric": PairedStats(s, s, statistic)}
    reps, layout, w, note, n = _run(
        metrics,
        {"all": np.ones(1, dtype=bool)},
        fn=fn,
        rng=rng,
        weights=weights,
        resamples=resamples,
        kind=kind,
        clusters=clusters,
        fast_path=fast_path,
    )
    rep = reps[0][0]
    _undefined(rep.estimate, fn, "estimate")
    units = layout.slice_units[0]
    if units < 2:
        warnings.warn(
            UnderpoweredWarning(f"{fn}: {units} resampling unit(s): the interval is unbounded"),
            stacklevel=2,
        )
    return estimate_from_replicates(
        rep.estimate,
        rep.replicates,
        jackknife=rep.jackknife,
        jackknife_weights=rep.jackknife_weights,
        n=n,
        confidence=conf,
        method=meth,
        n_clusters=units if clusters is not None else None,
        weights=w,
        notes=(note,) if note else (),
    )
