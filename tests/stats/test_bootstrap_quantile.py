"""Quantile bootstrap (p50/p95/p99): band method vs dense weights, scipy, properties."""

from __future__ import annotations

import collections
import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from assay.errors import DataError, ParameterError, UnderpoweredWarning
from assay.stats import (
    bootstrap_weights,
    paired_quantile_bootstrap,
    paired_quantile_table,
    paired_quantiles_table,
    quantile_bootstrap,
)
from assay.stats.bootstrap import _band as band
from assay.stats.bootstrap import _cluster_band as cluster_band
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


def test_jackknife_equals_leaving_each_value_out() -> None:
    rng = np.random.default_rng(2)
    x = rng.exponential(size=60)
    vals = order.jackknife_quantiles(x, 0.9)
    want = [np.quantile(np.delete(x, i), 0.9) for i in range(60)]
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


def test_clusters_use_the_band_method_and_dense_weights_on_request() -> None:
    a, b = _latencies(600, seed=8)
    clusters = np.repeat(np.arange(120), 5)
    r = paired_quantile_bootstrap(a, b, 0.5, rng=1, resamples=400, clusters=clusters)
    assert r.difference.n_clusters == 120 and "whole clusters" in r.difference.notes[0]
    d = paired_quantile_bootstrap(
        a, b, 0.5, rng=1, resamples=400, clusters=clusters, fast_path=False
    )
    assert d.difference.n_clusters == 120 and "dense" in d.difference.notes[0]
    assert r.difference.estimate == d.difference.estimate


def _exact_cluster_distribution(x: np.ndarray, groups: np.ndarray, q: float) -> dict[float, float]:
    """Every multinomial resample of the clusters, with its probability (an exact reference)."""
    k = int(groups.max()) + 1
    out: dict[float, float] = {}
    for w in itertools.product(range(k + 1), repeat=k):
        if sum(w) != k:
            continue
        p = math.factorial(k) / math.prod(math.factorial(c) for c in w) / k**k
        value = float(np.quantile(np.repeat(x, np.asarray(w)[groups]), q))
        out[round(value, 9)] = out.get(round(value, 9), 0.0) + p
    return out


@pytest.mark.parametrize("band_sd", [5.0, 0.0])
def test_clustered_band_replicates_follow_the_exact_bootstrap_distribution(
    monkeypatch, band_sd: float
) -> None:
    # 5 clusters of unequal sizes: 126 resamples, enumerated; band_sd 0 forces the exact
    # recomputation of resamples whose quantile leaves the band
    monkeypatch.setattr(cluster_band, "_BAND_SD", band_sd)
    x = np.array([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5, 3.5, 8.0])
    groups = np.array([0, 0, 1, 1, 1, 2, 3, 3, 3, 3, 4])
    exact = _exact_cluster_distribution(x, groups, 0.7)
    w = bootstrap_weights(5, 40_000, rng=11)
    order_x = np.argsort(x, kind="stable")
    reps = cluster_band.cluster_band_replicates(
        x[None, :], np.ones((1, x.size), bool), [[order_x]], groups, 0.7, w
    )
    assert reps is not None
    seen = collections.Counter(np.round(reps[0, 0], 9).tolist())
    assert set(seen) <= set(exact)
    keys = sorted(exact)
    observed = np.array([seen.get(v, 0) for v in keys], dtype=float)
    expected = np.array([exact[v] for v in keys]) * reps.shape[2]
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_clustered_band_method_matches_dense_weights_by_simulation() -> None:
    a, b = _latencies(2000, seed=12)
    clusters = np.random.default_rng(13).integers(0, 300, 2000)
    for q in (0.5, 0.95):
        band = paired_quantile_bootstrap(a, b, q, rng=5, resamples=6000, clusters=clusters)
        dense = paired_quantile_bootstrap(
            a, b, q, rng=6, resamples=6000, clusters=clusters, fast_path=False
        )
        se = dense.difference.se
        assert band.difference.se == pytest.approx(se, rel=0.06)
        assert abs(band.difference.low - dense.difference.low) < 0.2 * se
        assert abs(band.difference.high - dense.difference.high) < 0.2 * se


def test_timing_groups_sharing_one_value_match_dense_weights() -> None:
    rng = np.random.default_rng(14)
    groups = np.repeat(np.arange(40), rng.integers(20, 60, 40))
    base = rng.lognormal(3.0, 0.4, 40)[groups]
    cand = base * rng.lognormal(0.05, 0.1, 40)[groups]
    band = paired_quantile_bootstrap(base, cand, 0.95, rng=2, resamples=4000, clusters=groups)
    dense = paired_quantile_bootstrap(
        base, cand, 0.95, rng=3, resamples=4000, clusters=groups, fast_path=False
    )
    assert band.difference.estimate == dense.difference.estimate
    assert band.difference.se == pytest.approx(dense.difference.se, rel=0.08)


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


@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_several_quantiles_sorted_once_equal_each_quantile_alone(
    clustered: bool, kind: str
) -> None:
    """p50 and p95 from one sort are, bit for bit, the tables of each quantile on its own."""
    rng = np.random.default_rng(21)
    n = 3000
    base = rng.gamma(4.0, 25.0, n)
    cand = base * rng.lognormal(-0.02, 0.15, n)
    groups = rng.integers(0, 3, n)
    slices = {"all": np.ones(n, bool), **{f"g{g}": groups == g for g in range(3)}}
    clusters = rng.integers(0, 400, n) if clustered else None
    kw = {"slices": slices, "rng": 5, "resamples": 300, "clusters": clusters, "kind": kind}
    together = paired_quantiles_table(base, cand, [0.5, 0.95, 0.5], **kw)
    for q, table in zip([0.5, 0.95, 0.5], together, strict=True):
        alone = paired_quantile_table(base, cand, q, **kw)
        assert table == alone
    with pytest.raises(ParameterError, match="qs"):
        paired_quantiles_table(base, cand, [], **kw)
    with pytest.raises(ParameterError, match="q"):
        paired_quantiles_table(base, cand, [0.5, 1.5], **kw)


def test_an_empty_slice_is_undefined_on_the_dense_path_as_on_the_band() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=120)
    slices = {"empty": np.zeros(120, bool), "some": np.arange(120) < 50}
    with pytest.warns(UnderpoweredWarning, match="slice 'empty' has 0 resampling unit"):
        band = paired_quantile_table(base, base + 0.2, 0.9, slices=slices, resamples=100)
    with pytest.warns(UnderpoweredWarning, match="slice 'empty' has 0 resampling unit"):
        dense = paired_quantile_table(
            base, base + 0.2, 0.9, slices=slices, resamples=100, fast_path=False
        )
    for result in (band["empty"], dense["empty"]):
        diff = result.difference
        assert math.isnan(diff.estimate) and (diff.low, diff.high) == (-math.inf, math.inf)
        assert diff.n == 0 and result.test.p_value == 1.0
    # the same result but for the method's note
    assert band["empty"].difference.notes[1:] == dense["empty"].difference.notes[1:]
    assert math.isfinite(dense["some"].difference.low)
