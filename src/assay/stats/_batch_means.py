"""The mean of a stationary but autocorrelated series: batch means.

Requests of a load test that queue behind one another are not independent: a slow request
makes the next ones slow, so an interval that treats them as independent is too narrow. The
method of batch means (standard in the output analysis of steady-state simulations) cuts the
series, in time order, into ``n_batches`` consecutive batches of equal size, and gives a t
interval over the batch means; when a batch is long against the correlation time, batch
means are close to independent and normal.

Batch means assume the series is stationary. A look at a queue that started empty is not:
:func:`mser_truncation` finds where its initial transient ends (MSER-5, White 1997; the
truncation rule Hoad, Robinson and Davies 2010 found most reliable), and
:func:`batch_means_trend` tests what is left for a trend over time, and
:func:`batch_means_independence` whether its batches are long enough to be independent.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from assay._util import check_int
from assay.errors import DataError
from assay.stats._checks import as_float_array, check_confidence
from assay.stats._results import Estimate, TestResult
from assay.stats._scipy import stats

__all__ = [
    "batch_means_independence",
    "batch_means_interval",
    "batch_means_trend",
    "mser_truncation",
]


def batch_means_interval(values: Any, *, n_batches: int = 10, confidence: float = 0.95) -> Estimate:
    """Mean of ``values`` (in time order) with a t interval over ``n_batches`` batch means.

    The first n mod n_batches values are left out so every batch has the same size (said in
    the notes); the point estimate is the mean of the values kept. ``n`` is the number of
    batches.
    """
    function = "batch_means_interval"
    x = as_float_array(values, "values", function)
    k = check_int(n_batches, "n_batches", function, minimum=2)
    conf = check_confidence(confidence, function)
    size = x.shape[0] // k
    if size < 1:
        raise DataError(
            f"batch_means_interval needs at least {k} values for {k} batches",
            found=f"{x.shape[0]} values",
        )
    dropped = x.shape[0] - size * k
    means = x[dropped:].reshape(k, size).mean(axis=1)
    point = float(means.mean())
    se = float(means.std(ddof=1) / math.sqrt(k))
    half = float(stats.t.ppf(0.5 + conf / 2, k - 1)) * se
    notes = [f"{k} batches of {size} consecutive values"]
    if dropped:
        notes.append(f"the first {dropped} values left out to make equal batches")
    return Estimate(
        estimate=point,
        low=point - half,
        high=point + half,
        confidence=conf,
        method=f"batch means ({k} batches, t)",
        n=k,
        se=se,
        notes=tuple(notes),
    )


def mser_truncation(values: Any, *, batch: int = 5) -> int:
    """How many leading ``values`` (in time order) to drop as warm-up: MSER-``batch``.

    The series is cut into consecutive means of ``batch`` values z_1..z_m (a remainder at
    the end is left out); for each d the statistic sum_{j>d} (z_j - mean_{j>d} z)^2 / (m - d)^2
    (the squared standard error of the mean of what is kept, up to a constant) is computed for
    d = 0 .. m - 10, and ``batch`` × the d that minimises it is returned. A result beyond half
    the series means the series never settled (it is too short to say where steady state
    begins). With fewer than 10 batches nothing is dropped.
    """
    function = "mser_truncation"
    x = as_float_array(values, "values", function)
    size = check_int(batch, "batch", function, minimum=1)
    m = x.shape[0] // size
    if m < 10:
        return 0
    z = x[: m * size].reshape(m, size).mean(axis=1)
    tail_sum = np.cumsum(z[::-1])[::-1]
    tail_sq = np.cumsum((z * z)[::-1])[::-1]
    kept = np.arange(m, 0, -1, dtype=float)
    spread = np.maximum(tail_sq - tail_sum**2 / kept, 0.0) / kept**2
    return int(np.argmin(spread[: m - 9])) * size


def batch_means_trend(values: Any, *, n_batches: int = 10, confidence: float = 0.95) -> Estimate:
    """The least-squares slope of ``n_batches`` consecutive batch means against their index,
    with a t interval on n_batches − 2 degrees of freedom.

    The slope is per batch. A stationary series has slope 0; a queue still filling has a
    positive one in its latencies. Batch means that are still correlated make the interval
    too narrow, so a test of "no trend" based on it errs towards finding one.
    """
    function = "batch_means_trend"
    x = as_float_array(values, "values", function)
    k = check_int(n_batches, "n_batches", function, minimum=3)
    conf = check_confidence(confidence, function)
    size = x.shape[0] // k
    if size < 1:
        raise DataError(
            f"batch_means_trend needs at least {k} values for {k} batches",
            found=f"{x.shape[0]} values",
        )
    means = x[x.shape[0] - size * k :].reshape(k, size).mean(axis=1)
    index = np.arange(k, dtype=float) - (k - 1) / 2
    if np.ptp(means) == 0:  # equal means: no slope, whatever the rounding of their centre
        means = np.zeros(k)
    slope = float(index @ means / (index @ index))
    residual = means - means.mean() - slope * index
    se = float(math.sqrt(residual @ residual / (k - 2) / (index @ index)))
    half = float(stats.t.ppf(0.5 + conf / 2, k - 2)) * se
    return Estimate(
        estimate=slope,
        low=slope - half,
        high=slope + half,
        confidence=conf,
        method=f"least-squares slope of {k} batch means (t, {k - 2} df)",
        n=k,
        se=se,
        notes=(f"{k} batches of {size} consecutive values; slope per batch",),
    )


def batch_means_independence(values: Any, *, n_batches: int = 20) -> TestResult:
    """Von Neumann's test that ``n_batches`` consecutive batch means are uncorrelated.

    The statistic is C = 1 − Σ(z_{j+1} − z_j)² / (2 Σ(z_j − z̄)²), near the lag-1
    autocorrelation of the batch means z; under independence C / sqrt((k − 2) / (k² − 1)) is
    approximately standard normal for k ≥ 8 batches (Fishman 1978, the standard check that
    batches are long enough for batch means). The p-value is one-sided ("greater"): batches
    shorter than the correlation time of the series give C well above 0.
    """
    function = "batch_means_independence"
    x = as_float_array(values, "values", function)
    k = check_int(n_batches, "n_batches", function, minimum=8)
    size = x.shape[0] // k
    if size < 1:
        raise DataError(
            f"batch_means_independence needs at least {k} values for {k} batches",
            found=f"{x.shape[0]} values",
        )
    z = x[x.shape[0] - size * k :].reshape(k, size).mean(axis=1)
    spread = float(((z - z.mean()) ** 2).sum())
    c = 0.0 if np.ptp(z) == 0 else 1.0 - float((np.diff(z) ** 2).sum()) / (2 * spread)
    statistic = c / math.sqrt((k - 2) / (k * k - 1))
    return TestResult(
        statistic=c,
        p_value=float(stats.norm.sf(statistic)),
        method=f"von Neumann test of {k} batch means (normal approximation)",
        n=k,
        alternative="greater",
        notes=(f"{k} batches of {size} consecutive values",),
    )
