"""Intervals for serving load tests: tail percentiles of latency and rates over time windows.

* :func:`percentile_min_requests`: the fewest requests from which a distribution-free
  interval on a percentile has a finite upper end (closed form: the largest value bounds the
  q-quantile from above with probability 1 - q**n).
* :func:`percentile_upper_bound`: a one-sided order-statistic upper bound on a percentile.
* :func:`window_totals` and :func:`block_bootstrap_ratio`: throughput (tokens or requests per
  second) and means over requests that overlap in time are not sums of independent values; a
  circular block bootstrap over consecutive time windows keeps the dependence within a block.

Two-sided percentile intervals are :func:`~assay.stats.quantile_interval`; an attainment
share (requests meeting an objective) is :func:`~assay.stats.proportion_interval`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from assay._util import check_choice, check_int, check_number, check_rng
from assay.errors import DataError
from assay.stats._checks import as_float_array, check_confidence, check_probability
from assay.stats._estimates import order_statistic_ranks
from assay.stats._results import Estimate
from assay.stats._scipy import stats

__all__ = [
    "block_bootstrap_ratio",
    "percentile_interval",
    "percentile_min_requests",
    "percentile_upper_bound",
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
    completed, 1 per request) into per-window totals for :func:`block_bootstrap_ratio`.
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


def block_bootstrap_ratio(
    numerators: Any,
    denominators: Any,
    *,
    block_length: int | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    rng: int | np.random.Generator = 0,
) -> Estimate:
    """sum(numerators) / sum(denominators) over time windows, by a circular block bootstrap.

    Each array holds one total per consecutive time window (tokens and seconds for a
    throughput; a latency sum and a request count for a mean latency). A resample joins
    ceil(W / b) blocks of b consecutive windows (wrapping from the last window to the first,
    so every window is equally likely), started uniformly at random, cut to W windows; the interval is the percentile interval of the resampled ratios. ``block_length``
    defaults to round(W ** (1/3)), at least 1. ``n`` is the number of windows.
    """
    function = "block_bootstrap_ratio"
    num = as_float_array(numerators, "numerators", function)
    den = as_float_array(denominators, "denominators", function)
    conf = check_confidence(confidence, function)
    b_count = check_int(n_resamples, "n_resamples", function)
    gen, seed = check_rng(rng, function)
    w = num.shape[0]
    if den.shape[0] != w:
        raise DataError(
            "numerators and denominators must have one value per window",
            found=f"{w} and {den.shape[0]}",
        )
    if w < 2 or not den.sum() > 0:
        raise DataError(
            "block_bootstrap_ratio needs at least 2 windows and a positive denominator",
            found=f"{w} windows, denominator sum {den.sum()}",
        )
    b = max(1, round(w ** (1 / 3))) if block_length is None else block_length
    b = check_int(b, "block_length", function)
    b = min(b, w)
    n_blocks = math.ceil(w / b)
    starts = gen.integers(0, w, size=(b_count, n_blocks))
    index = (starts[:, :, None] + np.arange(b)).reshape(b_count, n_blocks * b)[:, :w] % w
    num_star = num[index].sum(axis=1)
    den_star = den[index].sum(axis=1)
    ratios = np.divide(num_star, den_star, out=np.full(b_count, np.nan), where=den_star > 0)
    ratios = ratios[np.isfinite(ratios)]
    alpha = 1.0 - conf
    low, high = np.quantile(ratios, [alpha / 2.0, 1.0 - alpha / 2.0])
    point = float(num.sum() / den.sum())
    return Estimate(
        estimate=point,
        low=float(low),
        high=float(high),
        confidence=conf,
        method=f"circular block bootstrap ({w} windows, blocks of {b}), percentile",
        n=w,
        resamples=b_count,
        seed=seed,
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
