"""Block-paired comparison statistics and batch means: references, simulation, properties."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from assay.errors import DataError
from assay.stats import (
    batch_means_interval,
    block_pair_weights,
    paired_block_quantile,
    paired_block_ratio,
)


def _blocks(k: int, m: int) -> np.ndarray:
    return np.repeat(np.arange(k), m)


def test_point_values_are_numpys_inverted_cdf_percentiles() -> None:
    rng = np.random.default_rng(0)
    b, c = rng.lognormal(size=300), rng.lognormal(size=300) * 1.3
    blocks = _blocks(10, 30)
    for q in (0.5, 0.95, 0.99):
        r = paired_block_quantile(b, blocks, c, blocks, q, n_pairs=10, rng=1)
        ref_b = np.percentile(b, q * 100, method="inverted_cdf")
        ref_c = np.percentile(c, q * 100, method="inverted_cdf")
        assert r.baseline.estimate == ref_b and r.candidate.estimate == ref_c
        assert r.difference.estimate == pytest.approx(ref_c - ref_b)
        assert r.ratio.estimate == pytest.approx(ref_c / ref_b)


def test_each_resample_equals_numpy_on_the_replicated_blocks() -> None:
    # a resample that draws a pair twice is the data with that pair's values written twice
    rng = np.random.default_rng(2)
    values = rng.exponential(size=120)
    blocks = _blocks(6, 20)
    weights = block_pair_weights(6, n_resamples=25, rng=3)
    r = paired_block_quantile(values, blocks, values, blocks, 0.9, n_pairs=6, weights=weights)
    assert r.difference.low == r.difference.high == 0.0  # an arm against itself
    from assay.stats._serving_paired import _weighted_quantiles

    reps = _weighted_quantiles(values, blocks, weights, 0.9)
    for row, rep in zip(weights, reps, strict=True):
        pooled = np.concatenate([values[blocks == j] for j in range(6) for _ in range(row[j])])
        assert rep == np.percentile(pooled, 90, method="inverted_cdf")


def test_swapping_the_arms_flips_the_difference() -> None:
    rng = np.random.default_rng(4)
    b, c = rng.normal(10, 1, 200), rng.normal(11, 1, 200)
    blocks = _blocks(8, 25)
    ab = paired_block_quantile(b, blocks, c, blocks, 0.5, n_pairs=8, rng=5)
    ba = paired_block_quantile(c, blocks, b, blocks, 0.5, n_pairs=8, rng=5)
    assert ab.difference.estimate == -ba.difference.estimate
    assert ab.difference.low == pytest.approx(-ba.difference.high)
    assert ab.p_value == ba.p_value


def test_ratio_of_sums_against_a_direct_computation() -> None:
    bn, bd = np.array([3.0, 5, 4, 6]), np.array([10.0, 10, 10, 10])
    cn, cd = np.array([4.0, 6, 5, 8]), np.array([10.0, 10, 10, 10])
    w = block_pair_weights(4, n_resamples=20_000, rng=6)  # resolves the expanded tail
    r = paired_block_ratio(bn, bd, cn, cd, weights=w)
    assert r.baseline.estimate == 18 / 40 and r.candidate.estimate == 23 / 40
    reps = (w @ cn) / (w @ cd) - (w @ bn) / (w @ bd)
    cut = stats.norm.cdf(np.sqrt(4 / 3) * stats.t.ppf(0.025, 3))  # expanded, 4 pairs
    assert r.difference.low == pytest.approx(np.quantile(reps, cut))
    assert r.difference.high == pytest.approx(np.quantile(reps, 1 - cut))
    assert "expanded percentile" in r.difference.method


def test_expanded_tails_against_scipy_and_their_limit() -> None:
    from assay.stats._clustered import expanded_tail

    for k in (2, 3, 8, 16, 100):
        for tail in (0.005, 0.025, 0.05, 0.3):
            ref = stats.norm.cdf(np.sqrt(k / (k - 1)) * stats.t.ppf(tail, k - 1))
            assert expanded_tail(tail, k) == pytest.approx(ref, rel=1e-12)
            assert expanded_tail(tail, k) < tail
    assert expanded_tail(0.025, 8) == pytest.approx(0.00573, abs=5e-5)
    # with many pairs the expansion vanishes: the plain percentile interval
    assert expanded_tail(0.025, 100_000) == pytest.approx(0.025, rel=1e-3)


def test_p_values_go_through_the_expansion_and_agree_with_the_intervals() -> None:
    k, m, agree, total = 8, 20, 0, 0
    blocks = _blocks(k, m)
    for seed in range(150):
        rng = np.random.default_rng(seed)
        shift = (0.0, 0.4, 1.0)[seed % 3]
        b = rng.normal(0, 1, k)[blocks] + rng.normal(0, 1, k * m)
        c = rng.normal(shift, 1, k)[blocks] + rng.normal(0, 1, k * m)
        w = block_pair_weights(k, n_resamples=2000, rng=seed)
        r = paired_block_quantile(b, blocks, c, blocks, 0.5, n_pairs=k, weights=w)
        from assay.stats._serving_paired import _weighted_quantiles

        d = _weighted_quantiles(c, blocks, w, 0.5) - _weighted_quantiles(b, blocks, w, 0.5)
        plain = min(1.0, 2 * (min((d <= 0).sum(), (d >= 0).sum()) + 1) / (d.shape[0] + 1))
        z = stats.norm.isf(plain / 2)
        ref = 1.0 if plain >= 1 else min(1.0, 2 * stats.t.sf(z / np.sqrt(k / (k - 1)), k - 1))
        assert r.p_value == pytest.approx(ref, rel=1e-9)
        assert r.p_value >= plain
        excludes = not r.difference.low <= 0 <= r.difference.high
        agree += excludes == (r.p_value < 0.05)
        total += 1
    assert agree >= total - 3, (agree, total)  # resample counts and interpolation at the edge


@pytest.mark.slow
def test_difference_intervals_cover_a_known_shift_under_drift_and_block_effects() -> None:
    # drift moves both blocks of a pair; each block has its own random effect (requests that
    # overlap in time share a load level); the candidate is the baseline's distribution
    # shifted by 2.0, so every quantile differs by exactly 2.0
    k, m, reps, shift = 16, 40, 300, 2.0
    covered = {0.5: 0, 0.95: 0}
    drift, blocks = np.linspace(0, 3, k), _blocks(k, m)

    def arm(rng: np.random.Generator) -> np.ndarray:
        effect = rng.normal(0, 0.5, k)
        return (drift + effect)[blocks] + rng.gamma(2.0, 1.0, k * m)

    for seed in range(reps):
        rng = np.random.default_rng(seed)
        b, c = arm(rng), arm(rng) + shift
        w = block_pair_weights(k, n_resamples=400, rng=seed)
        for q in covered:
            r = paired_block_quantile(b, blocks, c, blocks, q, n_pairs=k, weights=w)
            covered[q] += r.difference.low <= shift <= r.difference.high
    for q, hits in covered.items():
        assert 0.92 <= hits / reps <= 0.99, (q, hits)  # nominal 95%


@pytest.mark.slow
def test_the_expansion_restores_coverage_with_the_fewest_pairs_allowed() -> None:
    # 8 pairs (the least a load comparison accepts), a load level per block: the plain
    # percentile interval of the same resamples covers about 90% at a stated 95%
    from assay.stats._serving_paired import _weighted_quantiles

    k, m, reps, shift = 8, 25, 300, 10.0
    blocks = _blocks(k, m)
    expanded = plain = 0
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        b = 5 + rng.exponential(1.0, k)[blocks] + rng.exponential(4.0, k * m)
        c = 5 + shift + rng.exponential(1.0, k)[blocks] + rng.exponential(4.0, k * m)
        w = block_pair_weights(k, n_resamples=1000, rng=seed)
        r = paired_block_quantile(b, blocks, c, blocks, 0.5, n_pairs=k, weights=w)
        expanded += r.difference.low <= shift <= r.difference.high
        d = _weighted_quantiles(c, blocks, w, 0.5) - _weighted_quantiles(b, blocks, w, 0.5)
        low, high = np.quantile(d, [0.025, 0.975])
        plain += low <= shift <= high
    assert 0.93 <= expanded / reps <= 0.99, expanded
    assert plain / reps < 0.95, (plain, expanded)  # short of nominal, as the docs say


def test_batch_means_against_a_t_interval_over_batch_means() -> None:
    x = np.random.default_rng(7).normal(size=103)
    e = batch_means_interval(x, n_batches=10, confidence=0.9)
    means = x[3:].reshape(10, 10).mean(axis=1)
    low, high = stats.t.interval(0.9, 9, loc=means.mean(), scale=stats.sem(means))
    assert (e.low, e.high) == pytest.approx((low, high))
    assert e.n == 10 and "first 3 values left out" in " ".join(e.notes)


@pytest.mark.slow
def test_batch_means_cover_the_mean_of_an_autocorrelated_series() -> None:
    # AR(1) with phi 0.9: an i.i.d. interval covers far less than 95%; long batches do not
    phi, n, reps = 0.9, 4000, 300
    batch_hits = iid_hits = 0
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        e = rng.normal(size=n)
        x = np.empty(n)
        x[0] = e[0] / np.sqrt(1 - phi**2)
        for i in range(1, n):
            x[i] = phi * x[i - 1] + e[i]
        iv = batch_means_interval(x, n_batches=10)
        batch_hits += iv.low <= 0 <= iv.high
        half = 1.96 * x.std(ddof=1) / np.sqrt(n)
        iid_hits += abs(x.mean()) <= half
    assert batch_hits / reps >= 0.9
    assert iid_hits / reps < 0.7


def test_bad_blocks_are_refused() -> None:
    with pytest.raises(DataError, match="block indices"):
        paired_block_quantile([1.0, 2.0], [0, 5], [1.0], [0], 0.5, n_pairs=2)
    with pytest.raises(DataError, match="one total per block pair"):
        paired_block_ratio([1.0, 2], [1.0, 1], [1.0], [1.0])
    with pytest.raises(DataError, match="at least 10 values"):
        batch_means_interval([1.0, 2.0])


def test_two_pairs_leave_the_interval_unbounded_as_the_p_value_never_rejects() -> None:
    """With 2 block pairs the expanded tail (about 2e-72 at 95%) lies below what 2,000
    resamples resolve: every resample shows an improvement, yet the p-value cannot fall
    below 0.05, so the interval must not exclude 0 either."""
    res = paired_block_ratio([5.0, 6.0], [10.0, 10.0], [9.0, 8.0], [10.0, 10.0], rng=0)
    assert res.p_value >= 0.05
    d = res.difference
    assert d.low == -np.inf and d.high == np.inf
