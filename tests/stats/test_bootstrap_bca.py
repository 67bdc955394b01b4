"""Percentile and BCa intervals and bootstrap p-values, checked against scipy.stats.bootstrap.

scipy accepts a previous bootstrap distribution (``bootstrap_result`` with ``n_resamples=0``)
and then computes its interval, with its own O(n²) jackknife, from exactly our replicates:
so the deterministic parts (z0, acceleration, levels, quantiles) are compared to ~1e-12.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from assay.stats import (
    PairedStats,
    bca_acceleration,
    bca_bias_correction,
    bootstrap_interval,
    bootstrap_metric,
    bootstrap_p_value,
    bootstrap_weights,
    estimate_from_replicates,
    paired_bootstrap,
    paired_bootstrap_table,
)
from assay.stats._clustered import expanded_p_value, expanded_tail
from assay.stats.bootstrap._bca import interval_levels


def _f1(s: np.ndarray) -> np.ndarray:
    return 2 * s[..., 0] / (2 * s[..., 0] + s[..., 1] + s[..., 2])


def _expanded_tail(tail: float, g: int) -> float:
    """Hesterberg's expanded tail, from scipy.stats: Φ(√(G/(G−1)) · t⁻¹(tail; G−1))."""
    return float(stats.norm.cdf(np.sqrt(g / (g - 1)) * stats.t.ppf(tail, g - 1)))


def _expanded_confidence(confidence: float, g: int) -> float:
    """The two-sided confidence whose tails are the expanded tails of ``confidence``."""
    return 1.0 - 2.0 * _expanded_tail((1.0 - confidence) / 2, g)


def _f1_stats(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.stack([(y == 1) & (p == 1), (y == 0) & (p == 1), (y == 1) & (p == 0)], 1).astype(
        float
    )


def _f1_data(y: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
    return _f1(
        np.stack(
            [
                ((y == 1) & (p == 1)).sum(axis),
                ((y == 0) & (p == 1)).sum(axis),
                ((y == 1) & (p == 0)).sum(axis),
            ],
            -1,
        ).astype(float)
    )


@pytest.fixture(scope="module")
def binary_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    y = rng.integers(0, 2, 300)
    pa = np.where(rng.random(300) < 0.8, y, 1 - y)
    pb = np.where(rng.random(300) < 0.86, y, 1 - y)
    return y, pa, pb


def _scipy_interval(
    data: tuple[np.ndarray, ...], statistic, reps: np.ndarray, method: str, paired: bool = False
) -> tuple[float, float]:
    res = stats.bootstrap(
        data,
        statistic,
        n_resamples=0,
        paired=paired,
        vectorized=True,
        bootstrap_result=SimpleNamespace(bootstrap_distribution=reps),
        method=method,
        confidence_level=0.9,
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


@pytest.mark.parametrize("method", ["bca", "percentile"])
def test_single_metric_interval_equals_scipy_on_the_same_replicates(binary_data, method) -> None:
    y, pa, _ = binary_data
    s = _f1_stats(y, pa)
    w = bootstrap_weights(len(y), 3000, rng=7)
    reps = _f1(w.reduce(s))
    ours = bootstrap_metric(s, _f1, weights=w, fast_path=False, method=method, confidence=0.9)
    ref = _scipy_interval(
        (y, pa), _f1_data, reps, "BCa" if method == "bca" else "percentile", paired=True
    )
    np.testing.assert_allclose((ours.low, ours.high), ref, rtol=1e-12)
    assert ours.method == f"{method} bootstrap" and ours.resamples == 3000 and ours.seed == 7
    assert ours.se == pytest.approx(np.std(reps, ddof=1))


def test_paired_difference_interval_equals_scipy_on_the_same_replicates(binary_data) -> None:
    y, pa, pb = binary_data
    sa, sb = _f1_stats(y, pa), _f1_stats(y, pb)
    w = bootstrap_weights(len(y), 3000, rng=3)
    reps = _f1(w.reduce(sb)) - _f1(w.reduce(sa))
    ours = paired_bootstrap(sa, sb, _f1, weights=w, fast_path=False, confidence=0.9)

    def diff(y_, a_, b_, axis=-1):
        return _f1_data(y_, b_, axis) - _f1_data(y_, a_, axis)

    ref = _scipy_interval((y, pa, pb), diff, reps, "BCa", paired=True)
    np.testing.assert_allclose((ours.difference.low, ours.difference.high), ref, rtol=1e-12)


def test_bias_correction_and_acceleration_match_a_direct_jackknife() -> None:
    rng = np.random.default_rng(0)
    x = rng.lognormal(size=40)
    jack = np.array([np.delete(x, i).mean() for i in range(x.size)])
    d = jack.mean() - jack
    assert bca_acceleration(jack) == pytest.approx(
        (d**3).sum() / (6 * (d**2).sum() ** 1.5), rel=1e-12
    )
    reps = rng.normal(x.mean(), 0.1, 999)
    p = ((reps < x.mean()).sum() + (reps <= x.mean()).sum()) / (2 * 999)
    assert bca_bias_correction(x.mean(), reps) == pytest.approx(stats.norm.ppf(p), rel=1e-12)


def test_weighted_jackknife_equals_repeated_values() -> None:
    vals = np.array([0.3, 0.1, 0.7, 0.2])
    mult = np.array([5, 1, 2, 9])
    assert bca_acceleration(vals, mult) == pytest.approx(
        bca_acceleration(np.repeat(vals, mult)), rel=1e-12
    )
    assert bca_acceleration(np.full(7, 0.5)) == 0.0  # no spread: no acceleration, not NaN


def test_cluster_jackknife_leaves_out_whole_clusters() -> None:
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(30), rng.integers(1, 8, 30))
    y = rng.integers(0, 2, g.size)
    p = np.where(rng.random(g.size) < 0.75, y, 1 - y)
    s = _f1_stats(y, p)
    w = bootstrap_weights(30, 2000, rng=1)
    ours = bootstrap_metric(s, _f1, weights=w, clusters=g, fast_path=False)
    total = s.sum(0)
    jack = np.array([_f1((total - s[g == c].sum(0))[None])[0] for c in range(30)])
    reps = _f1(w.reduce(s, units=g))
    # resampling 30 clusters: the interval at the confidence whose tails are the expanded ones
    low, high, _ = bootstrap_interval(
        _f1(total[None])[0],
        reps,
        confidence=_expanded_confidence(0.95, 30),
        method="bca",
        jackknife=jack,
    )
    assert (ours.low, ours.high) == (pytest.approx(float(low)), pytest.approx(float(high)))
    assert ours.n == g.size and ours.n_clusters == 30
    assert ours.confidence == 0.95 and "expanded for 30 clusters" in ours.method


def test_intervals_agree_with_a_full_scipy_bootstrap_within_monte_carlo_error(binary_data) -> None:
    y, pa, _ = binary_data
    ours = bootstrap_metric(_f1_stats(y, pa), _f1, rng=1, resamples=20_000)
    ref = stats.bootstrap(
        (y, pa), _f1_data, paired=True, vectorized=True, n_resamples=20_000, method="BCa", rng=2
    )
    se = ref.standard_error
    assert abs(ours.low - ref.confidence_interval.low) < 0.1 * se
    assert abs(ours.high - ref.confidence_interval.high) < 0.1 * se


def test_p_value_is_c_plus_one_over_b_plus_one() -> None:
    reps = np.array([-0.2, 0.1, 0.3, 0.4, 0.0, 0.5, 0.6, 0.7, 0.8])
    assert bootstrap_p_value(reps, alternative="greater") == pytest.approx((2 + 1) / 10)
    assert bootstrap_p_value(reps, alternative="less") == pytest.approx((8 + 1) / 10)
    assert bootstrap_p_value(reps) == pytest.approx(0.6)
    assert bootstrap_p_value(np.ones(99)) == pytest.approx(2 / 100)
    assert bootstrap_p_value(np.zeros(99)) == 1.0
    assert bootstrap_p_value(np.full(99, -1.0), alternative="less") == pytest.approx(1 / 100)
    assert bootstrap_p_value(np.full(99, -1.0), alternative="greater") == 1.0


def test_bca_undefined_falls_back_to_percentile_with_a_note() -> None:
    reps = np.linspace(1.0, 2.0, 100)
    est = estimate_from_replicates(0.5, reps, jackknife=np.linspace(0, 1, 10), n=10)
    assert est.method == "bca bootstrap"
    assert any("percentile" in note for note in est.notes)
    assert (est.low, est.high) == (
        pytest.approx(np.quantile(reps, 0.025)),
        pytest.approx(np.quantile(reps, 0.975)),
    )


def test_one_sided_intervals_are_open_on_one_side() -> None:
    reps = np.random.default_rng(0).normal(size=500)
    low, high, _ = bootstrap_interval(
        0.0, reps, confidence=0.95, method="percentile", alternative="greater"
    )
    assert high == np.inf and low == pytest.approx(np.quantile(reps, 0.05))
    low, high, _ = bootstrap_interval(
        0.0, reps, confidence=0.95, method="percentile", alternative="less"
    )
    assert low == -np.inf and high == pytest.approx(np.quantile(reps, 0.95))


def test_nan_replicates_are_dropped_and_counted() -> None:
    reps = np.r_[np.random.default_rng(1).normal(size=98), np.nan, np.nan]
    est = estimate_from_replicates(0.0, reps, n=50, method="percentile")
    assert np.isfinite([est.low, est.high]).all()
    assert any("2 resamples" in note for note in est.notes)


@pytest.mark.parametrize("kind", ["quantile", "difference", "distinct", "nan", "short"])
def test_acceleration_of_long_jackknives_is_bit_identical_to_the_formula(kind: str) -> None:
    """Long jackknives with few distinct values (leave-one-out quantiles) take the cube once
    per value; the acceleration must equal the textbook formula with a power per element."""
    rng = np.random.default_rng(11)
    n = 200_000 if kind != "short" else 1_000
    x = rng.gamma(4.0, 25.0, n)
    y = x * rng.lognormal(0.0, 0.1, n)

    def loo(v: np.ndarray) -> np.ndarray:  # leave-one-out p95: three distinct values
        s = np.sort(v)
        return np.array([np.quantile(np.delete(s, i), 0.95) for i in (0, n - 1, int(0.95 * n))])[
            np.where(v <= s[int(0.95 * (n - 2))], 0, np.where(v >= s[-1], 1, 2))
        ]

    jk = {
        "quantile": loo(x),
        "difference": loo(y) - loo(x),
        "distinct": rng.normal(size=n),
        "nan": np.where(rng.random(n) < 0.001, np.nan, loo(x)),
        "short": loo(x),
    }[kind]
    d = jk.sum() / jk.size - jk
    num, den = (d**3).sum(), (d**2).sum()
    expected = num / (6.0 * den**1.5) if den > 0 else 0.0
    got = bca_acceleration(jk)
    assert np.array_equal(got, expected, equal_nan=True)
    both = np.stack([jk, jk[::-1]])
    d2 = both.sum(axis=-1, keepdims=True) / n - both
    num2, den2 = (d2**3).sum(axis=-1), (d2**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected2 = np.where(den2 > 0, num2 / (6.0 * den2**1.5), 0.0)
    assert np.array_equal(bca_acceleration(both), expected2, equal_nan=True)


@pytest.mark.parametrize("g", [2, 3, 5, 8, 12, 40, 1000])
@pytest.mark.parametrize("tail", [0.005, 0.025, 0.05, 0.1])
def test_expanded_tail_is_the_closed_form(g: int, tail: float) -> None:
    expected = _expanded_tail(tail, g)
    assert expanded_tail(tail, g) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert expanded_tail(tail, g) < tail  # wider than the plain percentile interval
    lo, hi = interval_levels(1 - 2 * tail, "two-sided", g)
    assert (lo, hi) == (pytest.approx(expected, rel=1e-12, abs=1e-300), pytest.approx(1 - expected))
    assert interval_levels(1 - tail, "greater", g) == (pytest.approx(expected, rel=1e-12), 1.0)
    assert interval_levels(1 - tail, "less", g) == (0.0, pytest.approx(1 - expected))
    if expected < 1e-12:  # G = 2 at the smallest tail: the expanded tail is below a double
        return
    # the p-value map is its inverse: a share of resamples at the expanded tail reads as tail
    back = expanded_p_value(2 * expected, "two-sided", g)
    assert float(back) == pytest.approx(2 * tail, rel=1e-8)
    assert float(expanded_p_value(expected, "greater", g)) == pytest.approx(tail, rel=1e-8)


def test_expanded_tail_tends_to_the_plain_tail_with_many_clusters() -> None:
    assert expanded_tail(0.025, 100_000) == pytest.approx(0.025, rel=1e-3)
    assert float(expanded_p_value(1.0, "two-sided", 8)) == 1.0
    assert float(expanded_p_value(1.0, "less", 8)) == 1.0


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_clustered_interval_uses_the_expanded_levels(method: str) -> None:
    rng = np.random.default_rng(3)
    reps, jack = rng.gamma(2.0, size=999), rng.normal(size=8)
    est = estimate_from_replicates(
        2.0, reps, jackknife=jack, n=80, n_clusters=8, method=method, confidence=0.9
    )
    low, high, _ = bootstrap_interval(
        2.0, reps, confidence=_expanded_confidence(0.9, 8), method=method, jackknife=jack
    )
    assert (est.low, est.high) == (pytest.approx(float(low)), pytest.approx(float(high)))
    assert est.confidence == 0.9 and est.n_clusters == 8
    assert est.method == f"{method} bootstrap, expanded for 8 clusters"
    if method == "percentile":
        e = _expanded_tail(0.05, 8)
        assert (est.low, est.high) == (
            pytest.approx(np.quantile(reps, e)),
            pytest.approx(np.quantile(reps, 1 - e)),
        )


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_unclustered_interval_and_p_value_are_the_plain_ones(method: str) -> None:
    """Without clusters nothing is expanded: the interval is scipy's (α/2 tails, BCa with
    z_α = Φ⁻¹(α/2)) and the p-value is (c + 1) / (B + 1), computed here from the formulas."""
    rng = np.random.default_rng(8)
    n = 60
    y = rng.integers(0, 2, n)
    pa = np.where(rng.random(n) < 0.7, y, 1 - y)
    pb = np.where(rng.random(n) < 0.8, y, 1 - y)
    w = bootstrap_weights(n, 999, rng=4)
    res = paired_bootstrap(
        _f1_stats(y, pa), _f1_stats(y, pb), _f1, weights=w, method=method, fast_path=False
    )
    sa, sb = _f1_stats(y, pa), _f1_stats(y, pb)
    reps = _f1(w.reduce(sb, units=np.arange(n))) - _f1(w.reduce(sa, units=np.arange(n)))
    theta = float(_f1(sb.sum(0)[None])[0] - _f1(sa.sum(0)[None])[0])
    levels = np.array([0.025, 0.975])
    if method == "bca":
        jack = np.array(
            [
                _f1((sb.sum(0) - sb[i])[None])[0] - _f1((sa.sum(0) - sa[i])[None])[0]
                for i in range(n)
            ]
        )
        z0 = stats.norm.ppf((np.sum(reps < theta) + np.sum(reps <= theta)) / (2 * reps.size))
        d = jack.mean() - jack
        a = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5)
        z = stats.norm.ppf(levels)
        levels = stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
    expected = np.quantile(reps, levels)
    assert (res.difference.low, res.difference.high) == (
        pytest.approx(expected[0], rel=1e-12),
        pytest.approx(expected[1], rel=1e-12),
    )
    c = min(np.sum(reps <= 0), np.sum(reps >= 0))
    assert res.test.p_value == pytest.approx(min(1.0, 2 * (c + 1) / (reps.size + 1)), rel=1e-12)
    assert res.difference.method == f"{method} bootstrap" and res.test.method == "paired bootstrap"
    assert res.difference.n_clusters is None


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_clustered_p_value_agrees_with_the_expanded_interval(alternative: str) -> None:
    """p < α exactly when the expanded percentile interval excludes 0, for datasets spread
    around the boundary; the p-value is the plain one mapped through the expansion."""
    acc = lambda s: s[..., 0] / s[..., 1]  # noqa: E731
    agree = rejected = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        g = 6 + seed % 10
        cl = rng.integers(0, g, 25 * g)
        cl[:g] = np.arange(g)  # every cluster present
        n = cl.size
        bump = rng.normal(0, 0.15, g)[cl]
        yb = (rng.random(n) < 0.6 + bump).astype(float)
        shift = (-0.004 if alternative == "less" else 0.004) * seed
        yc = (rng.random(n) < 0.6 + shift + bump).astype(float)
        ones = np.ones(n)
        res = paired_bootstrap(
            np.column_stack([yb, ones]),
            np.column_stack([yc, ones]),
            acc,
            rng=seed,
            resamples=1999,
            clusters=cl,
            method="percentile",
            alternative=alternative,
            confidence=0.9,
        )
        d = res.difference
        excludes = d.low > 0 or d.high < 0
        agree += (res.test.p_value < 0.1) == excludes
        rejected += excludes
        assert d.n_clusters == g and f"expanded for {g} clusters" in res.test.method
    assert agree == 40 and 0 < rejected < 40


def test_clustered_table_expands_each_slice_for_its_own_clusters() -> None:
    rng = np.random.default_rng(2)
    cl = np.repeat(np.arange(12), 30)
    slices = {"few": cl < 4, "many": cl >= 4, "all": np.ones(cl.size, bool)}
    n = cl.size
    yb = (rng.random(n) < 0.6 + rng.normal(0, 0.1, 12)[cl]).astype(float)
    yc = (rng.random(n) < 0.65 + rng.normal(0, 0.1, 12)[cl]).astype(float)
    acc = lambda s: s[..., 0] / s[..., 1]  # noqa: E731
    ones = np.ones(n)
    stats_ = PairedStats(np.column_stack([yb, ones]), np.column_stack([yc, ones]), acc)
    w = bootstrap_weights(12, 999, rng=6)
    table = paired_bootstrap_table({"acc": stats_}, slices=slices, weights=w, clusters=cl)
    for value, g in (("few", 4), ("many", 8), ("all", 12)):
        r = table[("acc", value)]
        assert r.difference.n_clusters == g
        assert f"expanded for {g} clusters" in r.difference.method
        assert f"expanded for {g} clusters" in r.test.method


@pytest.mark.parametrize(
    ("g", "alternative"),
    [(2, "two-sided"), (3, "two-sided"), (4, "two-sided"), (2, "greater"), (3, "greater")],
)
@pytest.mark.parametrize("method", ["bca", "percentile"])
def test_expanded_tail_beyond_the_resamples_gives_an_unbounded_interval(
    g: int, alternative: str, method: str
) -> None:
    """With few clusters the expanded tail (2e-72 for G = 2 at 95%) lies below what B
    resamples resolve, 1 / (B + 1): the p-value can never fall below α, so the interval must
    not exclude 0 either (it would be the range of the replicates, far short of the t
    interval with G - 1 degrees of freedom)."""
    rng = np.random.default_rng(g)
    cl = np.repeat(np.arange(g), 30)
    yb = rng.normal(size=(cl.size, 1))
    yc = yb + 3.0 + rng.normal(0, 0.1, size=(cl.size, 1))  # every cluster improves
    res = paired_bootstrap(
        yb, yc, lambda s: s[..., 0], clusters=cl, method=method, alternative=alternative
    )
    d = res.difference
    assert res.test.p_value >= 0.05
    assert not (d.low > 0 or d.high < 0)
    assert d.low == -np.inf
    assert any("resamples" in note and "unbounded" in note for note in d.notes)
    # one more cluster, one-sided: the tail is resolved, and p and the interval agree again
    if alternative == "greater" and g == 3:
        cl4 = np.repeat(np.arange(4), 30)
        z = rng.normal(size=(cl4.size, 1))
        four = paired_bootstrap(
            z, z + 3.0, lambda s: s[..., 0], clusters=cl4, method=method, alternative="greater"
        )
        assert four.test.p_value < 0.05 and four.difference.low > 0
    alone = estimate_from_replicates(
        3.0, np.full(2000, 3.0), n=cl.size, n_clusters=g, method="percentile"
    )
    assert alone.low == alone.high == 3.0  # replicates that do not vary stay a point
    spread = estimate_from_replicates(
        3.0, np.linspace(2.0, 4.0, 2000), n=cl.size, n_clusters=g, method="percentile"
    )
    assert spread.low == -np.inf and spread.high == np.inf and spread.notes
