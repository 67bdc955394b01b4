"""Quantile bootstrap (p50/p95/p99): band method vs dense weights, scipy, properties."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from assay.errors import DataError, ParameterError, UnderpoweredWarning
from assay.stats import (
    bootstrap_weights,
    paired_quantile_bootstrap,
    paired_quantile_table,
    quantile_bootstrap,
)
from assay.stats.bootstrap import _band as band
from assay.stats.bootstrap import _order as order


def _latencies(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.lognormal(3.0, 0.6, n)
    return a, a * rng.lognormal(-0.03, 0.2, n)


def test_weighted_quantile_is_the_quantile_of_the_repeated_values() -> None:
    rng = np.random.default_rng(1)
    x = np.sort(rng.normal(size=40))
    w = rng.poisson(1.0, size=(50, 40)).astype(float)
    got = order.weighted_quantile(x, w, 0.95)
    want = [np.quantile(np.repeat(x, row.astype(int)), 0.95) for row in w]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("clustered", [False, True])
def test_jackknife_equals_leaving_each_unit_out(clustered: bool) -> None:
    rng = np.random.default_rng(2)
    x = rng.exponential(size=60)
    groups = rng.integers(0, 15, 60) if clustered else np.arange(60)
    vals, ids = order.jackknife_quantiles(x, groups, 0.9)
    want = [np.quantile(x[groups != g], 0.9) for g in ids]
    np.testing.assert_allclose(vals, want, rtol=1e-15)


def test_band_method_and_dense_weights_give_the_same_distribution() -> None:
    a, _ = _latencies(3000)
    band = quantile_bootstrap(a, 0.95, rng=1, resamples=8000)
    dense = quantile_bootstrap(a, 0.95, rng=1, resamples=8000, fast_path=False)
    assert "band" in band.notes[0] and "dense" in dense.notes[0]
    assert band.se == pytest.approx(dense.se, rel=0.05)
    assert abs(band.low - dense.low) < 0.15 * dense.se
    assert abs(band.high - dense.high) < 0.15 * dense.se


def test_resamples_outside_the_band_are_recomputed_exactly(monkeypatch) -> None:
    a, b = _latencies(2000, seed=3)
    wide = paired_quantile_bootstrap(a, b, 0.95, rng=2, resamples=3000)
    monkeypatch.setattr(band, "_BAND_SD", 0.3)  # a narrow band: most resamples fall outside
    narrow = paired_quantile_bootstrap(a, b, 0.95, rng=2, resamples=3000)
    se = wide.difference.se
    assert narrow.difference.se == pytest.approx(se, rel=0.08)
    assert abs(narrow.difference.low - wide.difference.low) < 0.2 * se


def test_interval_equals_scipy_bca_on_the_same_replicates() -> None:
    a, b = _latencies(400, seed=4)
    w = bootstrap_weights(400, 2000, rng=5)
    reps = np.concatenate(
        [
            order.weighted_quantile(np.sort(b), d[:, np.argsort(b)], 0.5)
            - order.weighted_quantile(np.sort(a), d[:, np.argsort(a)], 0.5)
            for _, d in w.iter_dense()
        ]
    )
    ours = paired_quantile_bootstrap(a, b, 0.5, weights=w, fast_path=False)
    res = stats.bootstrap(
        (a, b),
        lambda x, y, axis=-1: np.quantile(y, 0.5, axis=axis) - np.quantile(x, 0.5, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=0,
        method="BCa",
        bootstrap_result=SimpleNamespace(bootstrap_distribution=reps),
    )
    np.testing.assert_allclose(
        (ours.difference.low, ours.difference.high), tuple(res.confidence_interval), rtol=1e-12
    )


def test_agrees_with_a_full_scipy_bootstrap_within_monte_carlo_error() -> None:
    a, _ = _latencies(1500, seed=6)
    ours = quantile_bootstrap(a, 0.95, rng=3, resamples=10_000, method="percentile")
    ref = stats.bootstrap(
        (a,),
        lambda x, axis=-1: np.quantile(x, 0.95, axis=axis),
        vectorized=True,
        n_resamples=10_000,
        method="percentile",
        rng=4,
    )
    assert ours.estimate == np.quantile(a, 0.95)
    assert abs(ours.low - ref.confidence_interval.low) < 0.15 * ref.standard_error
    assert abs(ours.high - ref.confidence_interval.high) < 0.15 * ref.standard_error


def test_self_comparison_swap_and_slices() -> None:
    a, b = _latencies(1200, seed=7)
    same = paired_quantile_bootstrap(a, a, 0.95, rng=0, resamples=500)
    assert (same.difference.low, same.difference.high, same.p_value) == (0.0, 0.0, 1.0)
    ab = paired_quantile_bootstrap(a, b, 0.95, rng=0, resamples=500)
    ba = paired_quantile_bootstrap(b, a, 0.95, rng=0, resamples=500)
    assert ba.difference.estimate == -ab.difference.estimate
    assert ba.difference.low == pytest.approx(-ab.difference.high, abs=1e-12)
    group = np.arange(1200) % 3
    table = paired_quantile_table(
        a,
        b,
        0.95,
        rng=0,
        resamples=300,
        slices={"all": group >= 0, "g0": group == 0, "g12": group > 0},
    )
    for name, mask in {"g0": group == 0, "g12": group > 0}.items():
        r = table[name]
        assert r.difference.estimate == np.quantile(b[mask], 0.95) - np.quantile(a[mask], 0.95)
        assert r.difference.n == mask.sum()


def test_clusters_use_dense_weights() -> None:
    a, b = _latencies(600, seed=8)
    clusters = np.repeat(np.arange(120), 5)
    r = paired_quantile_bootstrap(a, b, 0.5, rng=1, resamples=400, clusters=clusters)
    assert r.difference.n_clusters == 120 and "dense" in r.difference.notes[0]


def test_degenerate_inputs() -> None:
    with pytest.raises(DataError, match="no values"):
        quantile_bootstrap([], 0.5, rng=0)
    with pytest.raises(DataError, match=r"values\[2\]"):
        quantile_bootstrap([1.0, 2.0, np.nan], 0.5, rng=0)
    with pytest.raises(ParameterError, match="'q'"):
        quantile_bootstrap([1.0, 2.0], 1.5, rng=0)
    with pytest.warns(UnderpoweredWarning):
        one = quantile_bootstrap([3.0], 0.5, rng=0, resamples=50)
    assert (one.estimate, one.low, one.high) == (3.0, -np.inf, np.inf)
    flat = quantile_bootstrap(np.full(100, 7.0), 0.95, rng=0, resamples=200)
    assert flat.low == flat.estimate == flat.high == 7.0


def test_poisson_weights_band_method_matches_dense() -> None:
    a, b = _latencies(2500, seed=9)
    band = paired_quantile_bootstrap(a, b, 0.9, rng=4, resamples=4000, kind="poisson")
    dense = paired_quantile_bootstrap(
        a, b, 0.9, rng=4, resamples=4000, kind="poisson", fast_path=False
    )
    se = dense.difference.se
    assert band.difference.se == pytest.approx(se, rel=0.06)
    assert abs(band.difference.low - dense.difference.low) < 0.2 * se
