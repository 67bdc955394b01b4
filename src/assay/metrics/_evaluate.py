"""One metric's estimate, or a paired comparison of one metric, with the right method.

The metric's aggregation picks the method (DESIGN.md, statistical conventions):

* means of per-example scores: the closed-form methods of :mod:`assay.stats` (Wilson / t
  intervals; Newcombe–McNemar for paired 0/1 scores, paired t otherwise; clustered when
  ``clusters`` are given);
* functions of sums: the paired bootstrap on resampled sufficient statistics (BCa default);
* custom (AUC, quantiles): the metric's own resampling on the same resample weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from assay.errors import ParameterError
from assay.metrics._registry import Inputs, MetricDefinition, get_metric
from assay.stats import (
    Alternative,
    Estimate,
    IntervalMethod,
    PairedResult,
    ResampleKind,
    ResampleWeights,
    binary_mean_interval,
    bootstrap_metric,
    bootstrap_weights,
    mean_interval,
    paired_binary_difference,
    paired_bootstrap,
    paired_mean_difference,
)

__all__ = ["compare_metric", "evaluate_metric"]


def _definition(metric: MetricDefinition | str, fn: str) -> MetricDefinition:
    if isinstance(metric, str):
        return get_metric(metric)
    if not isinstance(metric, MetricDefinition):
        raise ParameterError("metric", fn, "a MetricDefinition or a registered name", metric)
    return metric


def _check_inputs(d: MetricDefinition, inputs: Inputs, fn: str, what: str) -> None:
    missing = [k for k in d.inputs if k not in inputs]
    if missing:
        raise ParameterError(what, fn, f"a mapping with the inputs {list(d.inputs)}", missing)


def _n(d: MetricDefinition, inputs: Inputs) -> int:
    return len(inputs[d.inputs[0]])


def _codes(clusters: npt.ArrayLike | None) -> npt.NDArray[np.int64] | None:
    if clusters is None:
        return None
    return np.unique(np.asarray(clusters), return_inverse=True)[1].astype(np.int64)


def _is_binary(x: npt.NDArray[np.float64]) -> bool:
    return bool(np.isin(x, (0.0, 1.0)).all())


def _weights(
    weights: ResampleWeights | None, n_units: int, rng: Any, resamples: int, kind: ResampleKind
) -> ResampleWeights:
    if weights is not None:
        if weights.kind == "multinomial" and weights.n_units != n_units:
            raise ParameterError(
                "weights",
                "evaluate_metric",
                f"weights over the {n_units} resampling units",
                weights.n_units,
            )
        return weights
    if rng is None:
        raise ParameterError(
            "rng", "evaluate_metric", "a Generator or int seed (or weights=)", None
        )
    return bootstrap_weights(n_units, resamples, rng=rng, kind=kind)


def evaluate_metric(
    metric: MetricDefinition | str,
    inputs: Inputs,
    *,
    rng: np.random.Generator | int | None = None,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
) -> Estimate:
    """The metric on one run's per-example ``inputs``, with its confidence interval.

    ``rng`` (or shared ``weights``) is needed for bootstrapped metrics; means use closed
    forms and ignore it. ``clusters`` gives one cluster label per example.
    """
    fn = "evaluate_metric"
    d0 = _definition(metric, fn)
    _check_inputs(d0, inputs, fn, "inputs")
    d = d0.bound(inputs)
    if d.aggregation == "mean":
        assert d.score is not None
        scores = np.asarray(d.score(**{k: inputs[k] for k in d.inputs}), dtype=np.float64)
        if _is_binary(scores):
            return binary_mean_interval(scores, clusters=clusters, confidence=confidence)
        return mean_interval(scores, clusters=clusters, confidence=confidence)
    if d.aggregation == "sums":
        assert d.statistics is not None and d.value is not None
        stats = d.statistics(**{k: inputs[k] for k in d.inputs})
        return bootstrap_metric(
            stats,
            d.value,
            rng=rng,
            weights=weights,
            resamples=resamples,
            kind=kind,
            clusters=clusters,
            confidence=confidence,
            method=method,
        )
    assert d.resampling is not None
    codes = _codes(clusters)
    n_units = _n(d, inputs) if codes is None else int(codes.max()) + 1
    w = _weights(weights, n_units, rng, resamples, kind)
    return d.resampling.estimate(
        inputs, weights=w, clusters=codes, confidence=confidence, method=method
    )


def compare_metric(
    metric: MetricDefinition | str,
    baseline: Inputs,
    candidate: Inputs,
    *,
    rng: np.random.Generator | int | None = None,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    alternative: Alternative = "two-sided",
) -> PairedResult:
    """Candidate minus baseline for one metric on the same examples, with interval and test.

    ``baseline`` and ``candidate`` map the metric's input names to per-example arrays in the
    same example order. Pass one ``weights`` object to every bootstrapped metric of a
    comparison so they share the seed and resampling scheme; for one draw shared by many
    metrics and slices of functions of sums, use :func:`assay.stats.paired_bootstrap_table`
    with each metric's ``statistics`` and ``value``.
    """
    fn = "compare_metric"
    d0 = _definition(metric, fn)
    _check_inputs(d0, baseline, fn, "baseline")
    _check_inputs(d0, candidate, fn, "candidate")
    d = d0.bound(baseline, candidate)
    if d.aggregation == "mean":
        assert d.score is not None
        a = np.asarray(d.score(**{k: baseline[k] for k in d.inputs}), dtype=np.float64)
        b = np.asarray(d.score(**{k: candidate[k] for k in d.inputs}), dtype=np.float64)
        if _is_binary(a) and _is_binary(b):
            return paired_binary_difference(
                a, b, clusters=clusters, confidence=confidence, alternative=alternative
            )
        return paired_mean_difference(
            a, b, clusters=clusters, confidence=confidence, alternative=alternative
        )
    if d.aggregation == "sums":
        assert d.statistics is not None and d.value is not None
        sa = d.statistics(**{k: baseline[k] for k in d.inputs})
        sb = d.statistics(**{k: candidate[k] for k in d.inputs})
        return paired_bootstrap(
            sa,
            sb,
            d.value,
            rng=rng,
            weights=weights,
            resamples=resamples,
            kind=kind,
            clusters=clusters,
            confidence=confidence,
            method=method,
            alternative=alternative,
        )
    assert d.resampling is not None
    codes = _codes(clusters)
    n_units = _n(d, baseline) if codes is None else int(codes.max()) + 1
    w = _weights(weights, n_units, rng, resamples, kind)
    return d.resampling.paired(
        baseline,
        candidate,
        weights=w,
        clusters=codes,
        confidence=confidence,
        method=method,
        alternative=alternative,
    )
