"""Intervals for serving load tests: tail percentiles of latency and rates over time windows.

* :func:`percentile_min_requests`: the fewest requests from which a distribution-free
  interval on a percentile has a finite upper end (closed form: the largest value bounds the
  q-quantile from above with probability 1 - q**n).
* :func:`percentile_upper_bound`: a one-sided order-statistic upper bound on a percentile.
* :func:`window_totals` and :func:`window_ratio_interval`: throughput (tokens or requests per
  second) and means over requests that overlap in time are not sums of independent values; a
  t interval over batches of consecutive time windows (batch means, the ratio by the delta
  method) keeps the dependence within a batch.

Two-sided percentile intervals are :func:`~assay.stats.quantile_interval`; an attainment
share (requests meeting an objective) is :func:`~assay.stats.proportion_interval`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from assay._util import check_choice, check_int, check_number
from assay.errors import DataError
from assay.stats._checks import as_float_array, check_confidence, check_probability
from assay.stats._estimates import order_statistic_ranks
from assay.stats._results import Estimate
from assay.stats._scipy import stats

__all__ = [
    "percentile_interval",
    "percentile_min_requests",
    "percentile_upper_bound",
    "window_ratio_interval",
    "window_totals",
]

Sided = Literal["two-sided", "upper"]


def percentile_min_requests(
    q: float, *, confidence: float = 0.95, sided: Sided = "two-sided"
) -> int:
    """Fewest requests for a finite upper end of a distribution-free interval on the q-quantile.

    The largest of n values exceeds the q-quantile with probability 1 - q**n, so a one-sided
    bound at ``confidence`` needs n >= log(1 - confidence) / log(q) and an equal-tailed
    two-sided interval (each tail (1 - confidence)/2) needs n >= log((1 - confidence)/2) /
    log(q). At 95%, p99: 299 (one-sided) and 368 (two-sided).
    """
    function = "percentile_min_requests"
    q = check_probability(q, "q", function)
    conf = check_confidence(confidence, function)
    side = check_choice(sided, "sided", function, ("two-sided", "upper"))
    tail = (1.0 - conf) if side == "upper" else (1.0 - conf) / 2.0
    n = math.ceil(math.log(tail) / math.log(q) - 1e-9)
    return max(n, 1)


def percentile_upper_bound(values: Any, q: float, *, confidence: float = 0.95) -> Estimate:
    """The q-quantile with a one-sided distribution-free upper bound (order statistic).

    The bound is x_(u), u the smallest rank with P(Binomial(n, q) <= u - 1) >= confidence:
    the number of values below the true q-quantile is Binomial(n, q), so x_(u) lies above it
    with at least that probability. Below :func:`percentile_min_requests` (``sided="upper"``)
    the bound is infinite, with a note. ``low`` is ``-inf``.
    """
    function = "percentile_upper_bound"
    q = check_probability(q, "q", function)
    conf = check_confidence(confidence, function)
    x = as_float_array(values, "values", function)
    n = x.shape[0]
    if n == 0:
        raise DataError("percentile_upper_bound needs at least one value", found="0 values")
    u = int(stats.binom.ppf(conf, n, q)) + 1
    while u > 1 and stats.binom.cdf(u - 2, n, q) >= conf:
        u -= 1
    xs = np.sort(x)
    point = float(np.quantile(xs, q))
    notes: list[str] = []
    if u > n:
        need = percentile_min_requests(q, confidence=conf, sided="upper")
        notes.append(f"too few values for a finite upper bound: {n} < {need}")
        high = math.inf
    else:
        coverage = float(stats.binom.cdf(u - 1, n, q))
        notes.append(f"exact coverage {coverage:.4f} (order statistic {u} of {n})")
        high = float(xs[u - 1])
    return Estimate(
        estimate=point,
        low=-math.inf,
        high=high,
        confidence=conf,
        method="order statistic upper bound (binomial)",
        n=n,
        notes=tuple(notes),
    )


def window_totals(
    times: Any, values: Any, *, start: float, stop: float, n_windows: int
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Sums of ``values`` by which of ``n_windows`` equal windows of [start, stop) ``times`` fall in.

    Times outside [start, stop) are left out. Used to turn per-request quantities (tokens
    completed, 1 per request) into per-window totals for :func:`window_ratio_interval`.
    """
    function = "window_totals"
    t = as_float_array(times, "times", function)
    v = as_float_array(values, "values", function)
    if t.shape != v.shape:
        raise DataError(
            "times and values must have the same length",
            found=f"{t.shape[0]} and {v.shape[0]}",
        )
    start = check_number(start, "start", function)
    stop = check_number(stop, "stop", function)
    k = check_int(n_windows, "n_windows", function)
    if not stop > start:
        raise DataError("window_totals needs stop > start", found=f"{start} and {stop}")
    keep = (t >= start) & (t < stop)
    index = np.minimum(((t[keep] - start) / (stop - start) * k).astype(np.int64), k - 1)
    return np.bincount(index, weights=v[keep], minlength=k).astype(np.float64)


def window_ratio_interval(
    numerators: Any,
    denominators: Any,
    *,
    n_batches: int = 5,
    confidence: float = 0.95,
) -> Estimate:
    """sum(numerators) / sum(denominators) over time windows, with a batch-means t interval.

    Each array holds one total per consecutive time window (tokens and seconds for a
    throughput; a latency sum and a request count for a mean latency). The windows are cut, in
    time order, into ``n_batches`` consecutive batches of equal size (sizes differ by at most
    one window when the count does not divide); the ratio R of all sums is the point estimate
    and its standard error is the delta-method (ratio) estimate over the batch totals N_j and
    D_j: se² = k / (k - 1) · Σ (N_j - R·D_j)² / (Σ D_j)². The interval is R ± t(k - 1)·se.
    Batches long against the correlation time of the load have nearly independent totals, so
    requests that overlap in time are allowed for; with equal denominators this is the
    classical batch-means t interval on the per-batch rates. Five batches (each a fifth of
    the span) is the default: in seeded simulations of autocorrelated load, ten batches
    covered less than 95%. Fewer windows than 2·n_batches use batches of 2 windows (at least
    2 batches). ``n`` is the number of batches.
    """
    function = "window_ratio_interval"
    num = as_float_array(numerators, "numerators", function)
    den = as_float_array(denominators, "denominators", function)
    conf = check_confidence(confidence, function)
    k_max = check_int(n_batches, "n_batches", function, minimum=2)
    w = num.shape[0]
    if den.shape[0] != w:
        raise DataError(
            "numerators and denominators must have one value per window",
            found=f"{w} and {den.shape[0]}",
        )
    if w < 2 or not den.sum() > 0:
        raise DataError(
            "window_ratio_interval needs at least 2 windows and a positive denominator",
            found=f"{w} windows, denominator sum {den.sum()}",
        )
    k = max(2, min(k_max, w // 2))
    edges = np.linspace(0, w, k + 1).round().astype(np.int64)[:-1]
    n_j = np.add.reduceat(num, edges)
    d_j = np.add.reduceat(den, edges)
    total = float(d_j.sum())
    point = float(num.sum() / den.sum())
    se = math.sqrt(k / (k - 1) * float(((n_j - point * d_j) ** 2).sum())) / total
    half = float(stats.t.ppf(0.5 + conf / 2, k - 1)) * se
    sizes = sorted({int(s) for s in np.diff(np.append(edges, w))})
    size = "-".join(str(s) for s in sizes)
    return Estimate(
        estimate=point,
        low=point - half,
        high=point + half,
        confidence=conf,
        method=f"batch means over time windows ({k} batches of {size} of {w} windows, ratio, t)",
        n=k,
        se=se,
        notes=(),
    )


def percentile_interval(values: Any, q: float, *, confidence: float = 0.95) -> Estimate:
    """Equal-tailed order-statistic interval of the q-quantile; ``inf`` values are allowed.

    Like :func:`~assay.stats.quantile_interval` (same ranks), but a value may be ``+inf``: a
    request that failed counts as slower than every bound, so failures push the percentile up
    instead of being left out. The point estimate is the order statistic ceil(n·q).
    """
    function = "percentile_interval"
    q = check_probability(q, "q", function)
    conf = check_confidence(confidence, function)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.shape[0] == 0 or np.isnan(x).any() or np.isneginf(x).any():
        raise DataError("percentile_interval needs a non-empty 1-d array of numbers or +inf")
    n = x.shape[0]
    lo, hi, coverage = order_statistic_ranks(n, q, conf)
    xs = np.sort(x)
    notes = [f"exact coverage {coverage:.4f} (order statistics {lo} and {hi} of {n})"]
    if hi == n + 1:
        need = percentile_min_requests(q, confidence=conf)
        notes.append(f"too few values for a finite upper bound: {n} < {need}")
    return Estimate(
        estimate=float(xs[max(math.ceil(n * q), 1) - 1]),
        low=float(xs[lo - 1]) if lo >= 1 else -math.inf,
        high=float(xs[hi - 1]) if hi <= n else math.inf,
        confidence=conf,
        method="order statistics (binomial)",
        n=n,
        notes=tuple(notes),
    )
