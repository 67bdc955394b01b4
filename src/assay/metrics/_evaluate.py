"""One metric's estimate, or a paired comparison of one metric, with the right method.

The metric's aggregation picks the method (DESIGN.md, statistical conventions):

* means of per-example scores: the closed-form methods of :mod:`assay.stats` (Wilson / t
  intervals; Newcombe–McNemar for paired 0/1 scores, paired t otherwise; clustered when
  ``clusters`` are given);
* functions of sums: the paired bootstrap on resampled sufficient statistics (BCa default);
* custom (AUC, quantiles): the metric's own resampling on the same resample weights.
"""

from __future__ import annotations

from typing import Any, get_args

import numpy as np
import numpy.typing as npt

from assay._util import check_choice, check_instance, check_int, check_probability, check_rng
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
    check_instance(metric, "metric", fn, (str, MetricDefinition), "a MetricDefinition or a name")
    return get_metric(metric) if isinstance(metric, str) else metric


def _check_settings(
    fn: str,
    *,
    rng: Any,
    resamples: Any,
    kind: Any,
    confidence: Any,
    method: Any,
    alternative: Any = "two-sided",
) -> None:
    """Check every setting here, so a bad one names the function the user called, not the
    statistics function it is handed to."""
    check_rng(rng, fn)
    check_int(resamples, "resamples", fn)
    check_choice(kind, "kind", fn, get_args(ResampleKind))
    check_probability(confidence, "confidence", fn)
    check_choice(method, "method", fn, get_args(IntervalMethod))
    check_choice(alternative, "alternative", fn, get_args(Alternative))


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
    weights: ResampleWeights | None,
    n_units: int,
    rng: np.random.Generator | int,
    resamples: int,
    kind: ResampleKind,
    fn: str,
) -> ResampleWeights:
    if weights is not None:
        check_instance(weights, "weights", fn, ResampleWeights, "a ResampleWeights or None")
        if weights.kind == "multinomial" and weights.n_units != n_units:
            raise ParameterError(
                "weights", fn, f"weights over the {n_units} resampling units", weights.n_units
            )
        return weights
    return bootstrap_weights(n_units, resamples, rng=rng, kind=kind)


def evaluate_metric(
    metric: MetricDefinition | str,
    inputs: Inputs,
    *,
    rng: np.random.Generator | int = 0,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
) -> Estimate:
    """The metric on one run's per-example ``inputs``, with its confidence interval.

    ``rng`` (a Generator or a seed, default 0) or shared ``weights`` drive the bootstrap of
    bootstrapped metrics; means use closed forms and ignore them. ``clusters`` gives one
    cluster label per example.
    """
    fn = "evaluate_metric"
    _check_settings(
        fn, rng=rng, resamples=resamples, kind=kind, confidence=confidence, method=method
    )
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
    w = _weights(weights, n_units, rng, resamples, kind, fn)
    return d.resampling.estimate(
        inputs, weights=w, clusters=codes, confidence=confidence, method=method
    )


def compare_metric(
    metric: MetricDefinition | str,
    baseline: Inputs,
    candidate: Inputs,
    *,
    rng: np.random.Generator | int = 0,
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
    _check_settings(
        fn,
        rng=rng,
        resamples=resamples,
        kind=kind,
        confidence=confidence,
        method=method,
        alternative=alternative,
    )
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
    w = _weights(weights, n_units, rng, resamples, kind, fn)
    return d.resampling.paired(
        baseline,
        candidate,
        weights=w,
        clusters=codes,
        confidence=confidence,
        method=method,
        alternative=alternative,
    )
