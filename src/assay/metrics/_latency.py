"""Operational metrics: latency quantiles and cost per successful example.

Latency quantiles (p50, p95, p99; lower is better) use numpy's default (linear) quantile and
are bootstrapped by :func:`assay.stats.quantile_bootstrap` /
:func:`assay.stats.paired_quantile_bootstrap` on the comparison's resample weights.

Cost per successful example is a ratio of sums, ``Σ cost / Σ success``: a function of sums
(bootstrapped like any other), and with a delta-method interval here:
``Var(R̂) ≈ Var(c_i - R s_i) / (n s̄²)`` (cluster sums of the linearised terms with
clusters), and for a paired difference the same on ``(c_i^B - R_B s_i^B)/s̄_B -
(c_i^A - R_A s_i^A)/s̄_A``. The delta method assumes enough successes that ``s̄`` is well
away from 0; prefer the bootstrap when successes are few.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_probability
from assay.errors import DataError
from assay.metrics._registry import Inputs, MetricDefinition, register_metric
from assay.stats import (
    Alternative,
    Estimate,
    IntervalMethod,
    PairedResult,
    ResampleWeights,
    TestResult,
    paired_quantile_bootstrap,
    quantile_bootstrap,
)
from assay.stats import scipy_stats as sps

__all__ = ["cost_per_success", "paired_ratio_delta", "ratio_delta_interval"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _QuantileResampling:
    def __init__(self, q: float) -> None:
        self.q = q

    def estimate(
        self,
        inputs: Inputs,
        *,
        weights: ResampleWeights,
        clusters: IntArray | None,
        confidence: float,
        method: IntervalMethod,
    ) -> Estimate:
        return quantile_bootstrap(
            inputs["latency"],
            self.q,
            weights=weights,
            clusters=clusters,
            confidence=confidence,
            method=method,
        )

    def paired(
        self,
        baseline: Inputs,
        candidate: Inputs,
        *,
        weights: ResampleWeights,
        clusters: IntArray | None,
        confidence: float,
        method: IntervalMethod,
        alternative: Alternative,
    ) -> PairedResult:
        return paired_quantile_bootstrap(
            baseline["latency"],
            candidate["latency"],
            self.q,
            weights=weights,
            clusters=clusters,
            confidence=confidence,
            method=method,
            alternative=alternative,
        )


def _latency_metric(name: str, q: float) -> MetricDefinition:
    def point(latency: Any) -> float:
        x = np.asarray(latency, dtype=np.float64)
        if x.size == 0 or not np.isfinite(x).all():
            raise DataError(f"{name}: latency must be finite numbers", found="empty or non-finite")
        return float(np.quantile(x, q))

    return MetricDefinition(
        name,
        "lower",
        "custom",
        ("latency",),
        f"{q:.0%} quantile of per-example latency (numpy linear quantile)",
        point=point,
        resampling=_QuantileResampling(q),
    )


@register_metric("latency_p50")
def latency_p50() -> MetricDefinition:
    """Median latency."""
    return _latency_metric("latency_p50", 0.50)


@register_metric("latency_p95")
def latency_p95() -> MetricDefinition:
    """95th percentile latency."""
    return _latency_metric("latency_p95", 0.95)


@register_metric("latency_p99")
def latency_p99() -> MetricDefinition:
    """99th percentile latency."""
    return _latency_metric("latency_p99", 0.99)


def _cost_stats(cost: Any, success: Any) -> FloatArray:
    c = np.asarray(cost, dtype=np.float64)
    s = np.asarray(success, dtype=np.float64)
    if c.ndim != 1 or c.shape != s.shape:
        raise DataError(
            "cost_per_success: cost and success need one value per example",
            found=f"{c.shape} and {s.shape}",
        )
    for name, arr in (("cost", c), ("success", s)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"cost_per_success: {name}[{i}] is not finite", row=i)
    return np.stack([c, s], axis=1)


def _ratio(sums: FloatArray) -> FloatArray:
    s = np.asarray(sums, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s[..., 1] > 0, s[..., 0] / s[..., 1], np.nan)


@register_metric("cost_per_success")
def cost_per_success() -> MetricDefinition:
    """Total cost divided by the number (or weight) of successful examples; lower is better."""
    return MetricDefinition(
        "cost_per_success",
        "lower",
        "sums",
        ("cost", "success"),
        "sum of cost / sum of success (undefined without successes)",
        statistics=_cost_stats,
        value=_ratio,
    )


def _linearised(
    c: FloatArray, s: FloatArray, clusters: IntArray | None
) -> tuple[float, FloatArray]:
    if s.sum() <= 0:
        raise DataError(
            "cost_per_success: no successes, the ratio is undefined",
            expected="at least one success",
            found="0",
        )
    r = float(c.sum() / s.sum())
    z = (c - r * s) / s.mean()
    if clusters is not None:
        z = np.bincount(clusters, weights=z)
    return r, z


def _z_bounds(est: float, se: float, confidence: float, alt: Alternative) -> tuple[float, float]:
    p = (1 + confidence) / 2 if alt == "two-sided" else confidence
    half = float(sps.norm.ppf(p)) * se
    return (
        -math.inf if alt == "less" else est - half,
        math.inf if alt == "greater" else est + half,
    )


def _se(z: FloatArray, n: int) -> float:
    """SE of ``Σ z / n`` from per-unit sums ``z`` (CR1 small-sample factor G / (G - 1))."""
    g = z.size
    if g < 2:
        return math.inf
    return float(math.sqrt(g / (g - 1) * np.sum((z - z.mean()) ** 2)) / n)


def ratio_delta_interval(
    cost: Any, success: Any, *, clusters: IntArray | None = None, confidence: float = 0.95
) -> Estimate:
    """Delta-method (normal) interval of ``Σ cost / Σ success``; clustered when asked."""
    check_probability(confidence, "confidence", "ratio_delta_interval")
    st = _cost_stats(cost, success)
    r, z = _linearised(st[:, 0], st[:, 1], clusters)
    se = _se(z, st.shape[0])
    lo, hi = _z_bounds(r, se, confidence, "two-sided")
    return Estimate(
        r, lo, hi, confidence, "delta method", st.shape[0], se, None if clusters is None else z.size
    )


def paired_ratio_delta(
    baseline: Inputs,
    candidate: Inputs,
    *,
    clusters: IntArray | None = None,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> PairedResult:
    """Delta-method interval and z test of the difference of cost per success (paired)."""
    check_probability(confidence, "confidence", "paired_ratio_delta")
    a = _cost_stats(baseline["cost"], baseline["success"])
    b = _cost_stats(candidate["cost"], candidate["success"])
    if a.shape != b.shape:
        raise DataError("paired_ratio_delta: both runs need the same examples")
    ra, za = _linearised(a[:, 0], a[:, 1], clusters)
    rb, zb = _linearised(b[:, 0], b[:, 1], clusters)
    d, zd = rb - ra, zb - za
    se = _se(zd, a.shape[0])
    lo, hi = _z_bounds(d, se, confidence, alternative)
    g = None if clusters is None else zd.size
    diff = Estimate(d, lo, hi, confidence, "delta method", a.shape[0], se, g)
    if se == 0:
        p = 1.0 if d == 0 else 0.0
    else:
        zstat = d / se
        p = {
            "two-sided": 2 * float(sps.norm.sf(abs(zstat))),
            "greater": float(sps.norm.sf(zstat)),
            "less": float(sps.norm.cdf(zstat)),
        }[alternative]
    test = TestResult(
        d / se if se > 0 else math.nan, min(1.0, p), "delta-method z", a.shape[0], alternative
    )
    return PairedResult(
        ratio_delta_interval(a[:, 0], a[:, 1], clusters=clusters, confidence=confidence),
        ratio_delta_interval(b[:, 0], b[:, 1], clusters=clusters, confidence=confidence),
        diff,
        test,
    )
