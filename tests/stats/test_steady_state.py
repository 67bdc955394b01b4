"""Steady-state checks for batch means: MSER-5 truncation, the trend of batch means and von
Neumann's test, each against a direct computation or scipy, by seeded simulation and on
series whose warm-up is known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from assay.errors import DataError
from assay.stats import batch_means_independence, batch_means_trend, mser_truncation


def _mser_by_definition(x: np.ndarray, batch: int) -> int:
    m = len(x) // batch
    z = x[: m * batch].reshape(m, batch).mean(axis=1)
    best, arg = np.inf, 0
    for d in range(m - 9):
        kept = z[d:]
        value = ((kept - kept.mean()) ** 2).sum() / len(kept) ** 2
        if value < best:
            best, arg = value, d
    return arg * batch


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    e = rng.normal(size=n)
    x = np.empty(n)
    x[0] = e[0] / np.sqrt(1 - phi**2)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def test_mser_matches_its_definition() -> None:
    rng = np.random.default_rng(3)
    for n, batch in ((103, 5), (1000, 5), (997, 1), (400, 7)):
        x = rng.lognormal(size=n) + np.linspace(-1, 0, n) * rng.uniform()
        assert mser_truncation(x, batch=batch) == _mser_by_definition(x, batch)
    assert mser_truncation(np.ones(49)) == 0  # fewer than 10 batches: nothing dropped


def test_mser_finds_a_known_warm_up_and_leaves_a_stationary_series() -> None:
    cuts, still = [], []
    for seed in range(50):
        rng = np.random.default_rng(seed)
        noise = rng.normal(0, 0.2, 2000)
        warm = np.r_[np.linspace(-3, 0, 400), np.zeros(1600)]  # a queue filling for 400 values
        cuts.append(mser_truncation(warm + noise))
        still.append(mser_truncation(noise))
    assert 300 <= np.median(cuts) <= 450
    assert np.median(still) <= 200
    assert mser_truncation(np.linspace(0, 5, 1000)) > 500  # never settles: past half the series


def test_trend_is_the_least_squares_slope_of_batch_means() -> None:
    x = np.random.default_rng(5).normal(size=205) + np.arange(205) * 0.01
    e = batch_means_trend(x, n_batches=10, confidence=0.9)
    means = x[5:].reshape(10, 20).mean(axis=1)
    ref = stats.linregress(np.arange(10), means)
    assert e.estimate == pytest.approx(ref.slope) and e.se == pytest.approx(ref.stderr)
    half = stats.t.ppf(0.95, 8) * ref.stderr
    assert (e.low, e.high) == pytest.approx((ref.slope - half, ref.slope + half))


def test_trend_interval_covers_zero_at_its_rate_for_independent_values() -> None:
    hits = sum(
        batch_means_trend(np.random.default_rng(s).exponential(size=500)).contains(0.0)
        for s in range(400)
    )
    assert 0.92 <= hits / 400 <= 0.98


def test_von_neumann_matches_its_definition_and_scipy_on_the_batch_means() -> None:
    x = np.random.default_rng(11).normal(size=410)
    r = batch_means_independence(x, n_batches=20)
    z = x[10:].reshape(20, 20).mean(axis=1)
    c = 1 - (np.diff(z) ** 2).sum() / (2 * ((z - z.mean()) ** 2).sum())
    assert r.statistic == pytest.approx(c)
    assert r.p_value == pytest.approx(stats.norm.sf(c / np.sqrt(18 / 399)))
    assert r.alternative == "greater" and r.n == 20


def test_von_neumann_holds_its_level_and_flags_batches_shorter_than_the_memory() -> None:
    iid = [batch_means_independence(np.random.default_rng(s).normal(size=400)) for s in range(500)]
    rejected = np.mean([r.p_value < 0.10 for r in iid])
    assert 0.06 <= rejected <= 0.14  # nominal 10%
    short = [batch_means_independence(_ar1(np.random.default_rng(s), 400, 0.95)) for s in range(50)]
    assert np.mean([r.p_value < 0.10 for r in short]) >= 0.8  # memory ~ 40 values = 2 batches


def test_too_few_values_are_a_data_error() -> None:
    with pytest.raises(DataError, match="at least 10 values"):
        batch_means_trend([1.0, 2.0])
    with pytest.raises(DataError, match="at least 20 values"):
        batch_means_independence([1.0] * 19)
    assert batch_means_independence(np.ones(40)).p_value == 0.5  # a constant series: C = 0


def test_a_constant_series_has_no_trend_and_no_correlation() -> None:
    x = np.full(400, 0.01)  # the mean of equal batch means is not exactly 0.01
    assert batch_means_trend(x).estimate == 0.0 and batch_means_trend(x).contains(0.0)
    assert batch_means_independence(x).statistic == 0.0
