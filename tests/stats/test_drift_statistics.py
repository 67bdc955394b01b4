"""Drift statistics against independent computations (scipy, a direct PSI) and their properties."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as ss
from scipy.spatial.distance import jensenshannon

from assay.stats.drift import (
    PSI_FLOOR,
    adjust_drift_pvalues,
    categorical_drift,
    chi2_homogeneity,
    drift_verdict,
    js_distance,
    ks_from_points,
    ks_p_value,
    numeric_drift,
    psi,
    wasserstein_binned,
)


def _direct_psi(ref: list[float], cur: list[float]) -> float:
    total_r, total_c = sum(ref), sum(cur)
    out = 0.0
    for r, c in zip(ref, cur, strict=True):
        p = max(r / total_r, PSI_FLOOR)
        q = max(c / total_c, PSI_FLOOR)
        out += (q - p) * np.log(q / p)
    return out


def _bins(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.searchsorted(edges, values, side="right")
    counts = np.bincount(idx, minlength=edges.size + 1).astype(float)
    sums = np.bincount(idx, weights=values, minlength=edges.size + 1)
    return counts, sums


def _setup(ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    qs = np.quantile(ref, np.arange(1, 100) / 100)
    edges = np.unique(qs)
    deciles = np.unique(qs[9::10])
    groups = np.searchsorted(deciles, np.concatenate([[-np.inf], edges]), side="right")
    return edges, groups


def _numeric(ref: np.ndarray, cur: np.ndarray, **kw: object):  # type: ignore[no-untyped-def]
    ref, cur = np.sort(ref), np.sort(cur)
    edges, groups = _setup(ref)
    rc, rs = _bins(ref, edges)
    cc, cs = _bins(cur, edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        return numeric_drift(
            rc,
            cc,
            ref_means=rs / rc,
            cur_means=cs / cc,
            coarse_groups=groups,
            ref_scale=float(np.std(ref, ddof=1)),
            ks_points=np.unique(ref),
            ks_weights=np.unique(ref, return_counts=True)[1],
            cur_values=cur,
            cur_sorted=True,
            n_reference=ref.size,
            **kw,
        )


@pytest.mark.parametrize("seed", range(5))
def test_ks_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = np.round(rng.normal(size=700), 1)  # ties on purpose
    b = np.round(rng.normal(0.2, 1.1, size=400), 1)
    points, weights = np.unique(a, return_counts=True)
    expected = ss.ks_2samp(a, b, method="asymp")
    d = ks_from_points(points, weights, b)
    assert d == pytest.approx(expected.statistic, abs=1e-12)
    assert ks_from_points(points, weights, np.sort(b), cur_sorted=True) == pytest.approx(
        d, abs=1e-12
    )
    assert ks_p_value(d, a.size, b.size) == pytest.approx(expected.pvalue, rel=1e-9)


def test_ks_is_symmetric_and_zero_for_identical_samples() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.exponential(size=300), rng.exponential(1.3, size=500)
    pa_, wa = np.unique(a, return_counts=True)
    pb, wb = np.unique(b, return_counts=True)
    assert ks_from_points(pa_, wa, b) == pytest.approx(ks_from_points(pb, wb, a), abs=1e-12)
    assert ks_from_points(pa_, wa, a) == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_js_and_psi_match_independent_computations(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 50, size=12).astype(float)
    cur = rng.integers(0, 50, size=12).astype(float)
    cur[0] = 0.0  # an empty bin: the PSI floor and JS's 0 log 0 both matter
    assert float(js_distance(ref, cur)) == pytest.approx(jensenshannon(ref, cur, base=2), abs=1e-12)
    assert float(psi(ref, cur)) == pytest.approx(_direct_psi(list(ref), list(cur)), rel=1e-12)
    stacked = np.vstack([cur, ref])
    assert np.allclose(
        js_distance(np.vstack([ref, cur]), stacked), [js_distance(ref, cur), js_distance(cur, ref)]
    )


@pytest.mark.parametrize("seed", range(5))
def test_wasserstein_of_point_masses_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xs, ys = rng.normal(size=30), rng.normal(1, 2, size=20)
    wx, wy = rng.integers(1, 9, size=30), rng.integers(1, 9, size=20)
    expected = ss.wasserstein_distance(xs, ys, wx, wy)
    assert float(wasserstein_binned(wx, wy, xs, ys)) == pytest.approx(expected, rel=1e-10)


def test_binned_wasserstein_is_close_to_the_exact_distance() -> None:
    rng = np.random.default_rng(7)
    ref, cur = rng.normal(size=50_000), rng.normal(0.4, 1.3, size=20_000)
    result = _numeric(ref, cur, rng=0)
    exact = ss.wasserstein_distance(ref, cur) / np.std(ref, ddof=1)
    assert result.measure("wasserstein").estimate == pytest.approx(exact, rel=0.02)


def test_chi2_matches_scipy() -> None:
    ref, cur = [120, 80, 40, 0, 5], [50, 60, 10, 0, 9]
    stat, p, dof = chi2_homogeneity(ref, cur)
    table = np.array([[120, 80, 40, 5], [50, 60, 10, 9]])
    expected = ss.chi2_contingency(table, correction=False)
    assert (stat, p, dof) == pytest.approx((expected.statistic, expected.pvalue, expected.dof))
    assert chi2_homogeneity([10], [3]) == (0.0, 1.0, 0)


def test_identical_windows_show_no_drift_and_swapping_is_symmetric() -> None:
    rng = np.random.default_rng(11)
    a = rng.normal(size=4000)
    same = _numeric(a, a, rng=1)
    for m in same.measures:
        assert m.estimate == pytest.approx(0.0, abs=1e-12)
    assert same.test.p_value == pytest.approx(1.0)
    counts_a, counts_b = [30, 50, 20, 1], [10, 60, 25, 4]
    ab = categorical_drift(counts_a, counts_b, rng=0)
    ba = categorical_drift(counts_b, counts_a, rng=0)
    for name in ("js", "psi"):
        assert ab.measure(name).estimate == pytest.approx(ba.measure(name).estimate)
    assert ab.test.statistic == pytest.approx(ba.test.statistic)


def test_results_state_their_methods_and_seed() -> None:
    rng = np.random.default_rng(2)
    result = _numeric(rng.normal(size=500), rng.normal(size=300), rng=5, resamples=100)
    names = [m.name for m in result.measures]
    assert names == ["wasserstein", "psi", "js", "ks"]
    boot = result.measure("psi")
    assert boot.resamples == 100 and boot.seed == 5
    assert (
        "natural log" in boot.method and "floor 0.0001" in boot.method and "deciles" in boot.method
    )
    assert "reference std" in result.measure("wasserstein").method
    assert "L1 norm of the resampled CDF-gap error" in result.measure("wasserstein").method
    assert "shifted by -2 x bootstrap bias" in boot.method
    assert "square roots" in result.measure("js").method
    assert "both windows" in boot.method
    assert "Smirnov" in result.test.method


def test_intervals_of_an_unchanged_window_reach_zero() -> None:
    # The plug-in distances of two samples of one distribution are positive noise; the
    # intervals must still reach the true value 0 (an interval re-centred on the distance
    # itself does not, for JS, about half the time).
    rng = np.random.default_rng(11)
    result = _numeric(rng.normal(size=5000), rng.normal(size=1000), rng=3, resamples=200)
    for name in ("wasserstein", "js", "psi"):
        m = result.measure(name)
        assert m.estimate > 0 and m.low == 0.0 < m.high, (name, m)


def test_seeded_results_repeat() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=800), rng.normal(0.1, size=600)
    assert _numeric(a, b, rng=3) == _numeric(a, b, rng=3)
    assert _numeric(a, b, rng=3) != _numeric(a, b, rng=4)


def test_sketch_rank_error_widens_ks_and_makes_the_p_value_conservative() -> None:
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=3000), rng.normal(0.15, size=3000)
    exact = _numeric(a, b, rng=0)
    sketched = _numeric(a, b, rng=0, rank_error=0.02)
    assert sketched.test.statistic == exact.test.statistic
    assert sketched.test.p_value > exact.test.p_value
    assert sketched.test.p_value == pytest.approx(
        ks_p_value(exact.test.statistic - 0.02, 3000, 3000)
    )
    assert (
        sketched.measure("ks").high - sketched.measure("ks").low
        == pytest.approx(exact.measure("ks").high - exact.measure("ks").low + 0.04, abs=1e-9)
        or sketched.measure("ks").low == 0.0
    )
    assert "rank error" in sketched.test.method


def test_verdicts_are_judged_on_the_interval() -> None:
    assert drift_verdict(0.15, 0.3, 0.1, 0.001, 0.05) == "drifted"
    assert drift_verdict(0.15, 0.3, 0.1, 0.2, 0.05) == "inconclusive"  # test does not reject
    assert drift_verdict(0.0, 0.05, 0.1, 1e-9, 0.05) == "not drifted"  # significant but trivial
    assert drift_verdict(0.05, 0.3, 0.1, 1e-9, 0.05) == "inconclusive"
    assert drift_verdict(float("nan"), 0.3, 0.1, 1e-9, 0.05) == "inconclusive"


def test_bh_adjustment_skips_missing_p_values() -> None:
    adjusted = adjust_drift_pvalues([0.01, float("nan"), 0.04, 0.03], 0.05)
    assert np.isnan(adjusted[1])
    expected = ss.false_discovery_control([0.01, 0.04, 0.03], method="bh")
    assert [adjusted[0], adjusted[2], adjusted[3]] == pytest.approx(list(expected))


def test_a_huge_window_does_not_flag_a_trivial_shift() -> None:
    rng = np.random.default_rng(5)
    result = _numeric(rng.normal(size=200_000), rng.normal(0.02, size=200_000), rng=0)
    w = result.measure("wasserstein")
    assert result.test.p_value < 1e-6  # the test alone would cry wolf
    assert drift_verdict(w.low, w.high, 0.1, result.test.p_value, 0.05) == "not drifted"
