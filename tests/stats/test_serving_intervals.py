"""Serving intervals: closed forms, scipy's binomial and t, and seeded coverage simulations."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

from assay.errors import DataError
from assay.stats import (
    batch_means_interval,
    percentile_min_requests,
    percentile_upper_bound,
    quantile_interval,
    window_ratio_interval,
    window_totals,
)


def test_the_minimum_requests_for_a_p99_objective_are_299_and_368() -> None:
    assert percentile_min_requests(0.99, sided="upper") == 299
    assert percentile_min_requests(0.99) == 368
    # the closed form 1 - q**n >= level, checked on both sides of the boundary
    assert 1 - 0.99**299 >= 0.95 > 1 - 0.99**298
    assert 1 - 0.99**368 >= 0.975 > 1 - 0.99**367


@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.99, 0.999])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_the_minimum_agrees_with_the_two_sided_order_statistic_interval(
    q: float, confidence: float
) -> None:
    n = percentile_min_requests(q, confidence=confidence)
    x = np.arange(float(n))
    assert math.isfinite(quantile_interval(x, q, confidence=confidence).high)
    assert math.isinf(quantile_interval(x[:-1], q, confidence=confidence).high)
    one = percentile_min_requests(q, confidence=confidence, sided="upper")
    assert math.isfinite(percentile_upper_bound(x[:one], q, confidence=confidence).high)
    assert math.isinf(percentile_upper_bound(x[: one - 1], q, confidence=confidence).high)


@pytest.mark.parametrize("n", [300, 500, 1000, 5000])
def test_the_upper_bound_rank_is_the_smallest_with_binomial_coverage(n: int) -> None:
    x = np.arange(1.0, n + 1.0)  # the value of rank r is r
    bound = percentile_upper_bound(x, 0.99).high
    u = int(bound)
    assert stats.binom.cdf(u - 1, n, 0.99) >= 0.95
    assert stats.binom.cdf(u - 2, n, 0.99) < 0.95


def test_too_few_values_say_so() -> None:
    result = percentile_upper_bound(np.ones(10), 0.99)
    assert math.isinf(result.high)
    assert "10 < 299" in result.notes[0]


def test_the_upper_bound_covers_the_true_p99_at_its_rate() -> None:
    rng = np.random.default_rng(7)
    true = stats.lognorm(s=0.6, scale=0.2).ppf(0.99)
    trials = 400
    hits = sum(
        percentile_upper_bound(
            stats.lognorm(s=0.6, scale=0.2).rvs(500, random_state=rng), 0.99
        ).high
        >= true
        for _ in range(trials)
    )
    # exact coverage is >= 0.95; 3 standard errors below that is the failure line
    assert hits / trials >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / trials)


def test_window_totals_sum_what_falls_in_each_window() -> None:
    totals = window_totals(
        [0.0, 0.4, 0.5, 1.99, 2.0, -1.0], [1, 2, 3, 4, 5, 6], start=0, stop=2, n_windows=4
    )
    assert totals.tolist() == [3.0, 3.0, 0.0, 4.0]


def test_the_ratio_and_its_standard_error_equal_a_direct_computation() -> None:
    rng = np.random.default_rng(4)
    num = rng.poisson(30, 23).astype(float)
    den = rng.uniform(0.5, 1.5, 23)
    est = window_ratio_interval(num, den)
    ratio = num.sum() / den.sum()
    assert est.estimate == pytest.approx(ratio, rel=1e-12)
    # 5 contiguous batches of 23 windows: sizes 5, 4, 5, 4, 5 (edges at round(23 j / 5))
    edges = [0, 5, 9, 14, 18, 23]
    z = [num[a:b].sum() - ratio * den[a:b].sum() for a, b in itertools.pairwise(edges)]
    se = math.sqrt(5 / 4 * sum(v * v for v in z)) / den.sum()
    assert est.se == pytest.approx(se, rel=1e-12)
    half = stats.t.ppf(0.975, 4) * se
    assert (est.low, est.high) == pytest.approx((ratio - half, ratio + half), rel=1e-12)
    assert est.n == 5 and "5 batches of 4-5 of 23 windows" in est.method


def test_equal_denominators_give_the_batch_means_t_interval() -> None:
    rng = np.random.default_rng(5)
    num = rng.gamma(2.0, 10.0, 60)
    est = window_ratio_interval(num, np.full(60, 2.0), n_batches=6)
    rates = num.reshape(6, 10).sum(axis=1) / 20.0
    low, high = stats.t.interval(0.95, 5, loc=rates.mean(), scale=stats.sem(rates))
    assert (est.low, est.high) == pytest.approx((low, high), rel=1e-12)
    ref = batch_means_interval(num / 2.0, n_batches=6)
    assert (est.estimate, est.low, est.high) == pytest.approx((ref.estimate, ref.low, ref.high))


def test_few_windows_use_batches_of_two_and_bad_input_is_refused() -> None:
    assert window_ratio_interval([1.0, 2, 3, 4, 5, 6], np.ones(6)).n == 3
    assert window_ratio_interval([1.0, 2], [1.0, 1]).n == 2
    with pytest.raises(DataError):
        window_ratio_interval([1.0], [1.0])
    with pytest.raises(DataError):
        window_ratio_interval([1.0, 2], [1.0])
    with pytest.raises(DataError):
        window_ratio_interval([1.0, 2], [0.0, 0])


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """A stationary AR(1) series of unit innovation variance (started from its own law)."""
    e = rng.normal(size=n)
    x = np.empty(n)
    x[0] = e[0] / math.sqrt(1 - phi * phi)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def _covers(
    trials: int, draw: Callable[[np.random.Generator], tuple[Any, Any]], truth: float
) -> None:
    hits = 0
    for seed in range(trials):
        num, den = draw(np.random.default_rng(seed))
        est = window_ratio_interval(num, den)
        hits += est.low <= truth <= est.high
    # the failure line is 3 standard errors below the nominal 95%
    line = 0.95 - 3 * math.sqrt(0.95 * 0.05 / trials)
    assert hits / trials >= line, f"coverage {hits / trials:.3f} over {trials} seeds < {line:.3f}"


@pytest.mark.parametrize("w", [20, 60, 240])
def test_the_interval_covers_the_rate_of_a_poisson_process(w: int) -> None:
    rate, duration = 50.0, 60.0

    def draw(rng: np.random.Generator) -> tuple[Any, Any]:
        times = np.sort(rng.uniform(0, duration, rng.poisson(rate * duration)))
        counts = window_totals(times, np.ones_like(times), start=0, stop=duration, n_windows=w)
        return counts, np.full(w, duration / w)

    _covers(1000, draw, rate)


@pytest.mark.parametrize(("w", "phi"), [(60, 0.5), (120, 0.6), (240, 0.6)])
def test_the_interval_covers_the_long_run_rate_of_an_ar1_modulated_process(
    w: int, phi: float
) -> None:
    # counts per window are Poisson with a log-rate following an AR(1) process: overlapping
    # load makes neighbouring windows alike; the long-run rate is 20·exp(0.09 / 2 / (1 - phi²))
    def draw(rng: np.random.Generator) -> tuple[Any, Any]:
        return rng.poisson(20 * np.exp(0.3 * _ar1(rng, w, phi))).astype(float), np.ones(w)

    _covers(1000, draw, 20 * math.exp(0.045 / (1 - phi * phi)))


@pytest.mark.parametrize(("w", "phi"), [(60, 0.5), pytest.param(240, 0.8, marks=pytest.mark.slow)])
def test_the_interval_covers_a_mean_latency_with_time_correlated_noise(w: int, phi: float) -> None:
    # a latency of 100 ms plus 20 ms times an AR(1) drift over windows plus iid noise of mean 0
    def draw(rng: np.random.Generator) -> tuple[Any, Any]:
        counts = rng.poisson(30, w).astype(float)
        drift = 100 + 20 * _ar1(rng, w, phi)
        sums = np.array(
            [(drift[i] + rng.exponential(30, int(c)) - 30).sum() for i, c in enumerate(counts)]
        )
        return sums, counts

    _covers(1000, draw, 100.0)
