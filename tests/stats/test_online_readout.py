"""A/B lift from sufficient statistics: statsmodels and closed forms, properties, bad sums."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from assay.errors import DataError, ParameterError
from assay.stats import (
    MeanSums,
    RatioSums,
    ab_lift,
    ab_quantile_lift,
    msprt_interval,
    msprt_p_value,
)

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "online_reference.json").read_text())[
    "readout"
]


def mean_sums(y: np.ndarray, x: np.ndarray | None = None) -> MeanSums:
    if x is None:
        return MeanSums(y.size, float(y.sum()), float(y @ y))
    return MeanSums(
        y.size, float(y.sum()), float(y @ y), float(x.sum()), float(x @ x), float(y @ x)
    )


def ratio_sums(
    num: np.ndarray, den: np.ndarray, pre: tuple[np.ndarray, np.ndarray] | None = None
) -> RatioSums:
    base = {
        "n": num.size,
        "sum_num": float(num.sum()),
        "sum_den": float(den.sum()),
        "sum_squares_num": float(num @ num),
        "sum_squares_den": float(den @ den),
        "sum_num_den": float(num @ den),
    }
    if pre is not None:
        pn, pd_ = pre
        base |= {
            "sum_num_pre": float(pn.sum()),
            "sum_den_pre": float(pd_.sum()),
            "sum_squares_num_pre": float(pn @ pn),
            "sum_squares_den_pre": float(pd_ @ pd_),
            "sum_num_den_pre": float(pn @ pd_),
            "sum_cross_num_num": float(num @ pn),
            "sum_cross_num_den": float(num @ pd_),
            "sum_cross_den_num": float(den @ pn),
            "sum_cross_den_den": float(den @ pd_),
        }
    return RatioSums(**base)


# --- reference values -----------------------------------------------------------------------


def test_mean_matches_statsmodels_compare_means() -> None:
    g = GOLDEN["mean"]
    res = ab_lift(MeanSums(**g["control"]), MeanSums(**g["treatment"]))
    assert res.absolute.low == pytest.approx(g["low"], rel=1e-10)
    assert res.absolute.high == pytest.approx(g["high"], rel=1e-10)
    assert res.p_value == pytest.approx(g["p_two_sided"], rel=1e-9)
    assert res.absolute.estimate / res.absolute.se == pytest.approx(g["z"], rel=1e-10)
    greater = ab_lift(MeanSums(**g["control"]), MeanSums(**g["treatment"]), alternative="greater")
    assert greater.p_value == pytest.approx(g["p_greater"], rel=1e-9)
    assert greater.absolute.high == math.inf
    assert greater.absolute.low == pytest.approx(
        res.absolute.estimate - 1.6448536269514722 * res.absolute.se
    )


def test_proportion_matches_statsmodels_wald() -> None:
    g = GOLDEN["proportion"]
    res = ab_lift(MeanSums(**g["control"]), MeanSums(**g["treatment"]), kind="proportion")
    assert (res.absolute.low, res.absolute.high) == pytest.approx((g["low"], g["high"]), rel=1e-10)
    assert res.p_value == pytest.approx(g["p_two_sided"], rel=1e-9)
    assert res.control_value.method == "wald"


def test_cuped_mean_is_the_ancova_treatment_coefficient() -> None:
    g = GOLDEN["cuped_mean"]
    res = ab_lift(MeanSums(**g["control"]), MeanSums(**g["treatment"]), cuped=True)
    assert res.absolute.estimate == pytest.approx(g["ols_treatment_coef"], rel=1e-9)
    assert res.theta == pytest.approx(g["ols_slope"], rel=1e-9)
    # Unequal-variance CUPED and homoscedastic OLS agree closely on homoscedastic data.
    assert res.absolute.se == pytest.approx(g["ols_treatment_se"], rel=0.02)
    plain = ab_lift(MeanSums(**g["control"]), MeanSums(**g["treatment"]))
    assert res.variance_reduction == pytest.approx(1 - (res.absolute.se / plain.absolute.se) ** 2)
    assert res.variance_reduction > 0.5


def test_cuped_proportion_matches_ols_with_a_binary_outcome() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=3000)
    y = (x + rng.normal(size=3000) > 0.8).astype(float)
    t = rng.random(3000) < 0.5
    res = ab_lift(mean_sums(y[~t], x[~t]), mean_sums(y[t], x[t]), kind="proportion", cuped=True)
    fit = sm.OLS(y, sm.add_constant(np.column_stack([t.astype(float), x]))).fit()
    assert res.absolute.estimate == pytest.approx(fit.params[1], rel=1e-9)
    assert res.theta == pytest.approx(fit.params[2], rel=1e-9)


def test_ratio_matches_the_linearised_per_unit_computation() -> None:
    rng = np.random.default_rng(7)
    dc, dt = rng.poisson(4, 700) + 1.0, rng.poisson(4, 650) + 1.0
    nc, nt = (
        rng.binomial(dc.astype(int), 0.3).astype(float),
        rng.binomial(dt.astype(int), 0.33).astype(float),
    )
    res = ab_lift(ratio_sums(nc, dc), ratio_sums(nt, dt), kind="ratio")
    rc, rt = nc.sum() / dc.sum(), nt.sum() / dt.sum()
    # Independent route: the delta method as a per-unit linearisation (y - R x) / mean(x).
    se_c = np.std((nc - rc * dc) / dc.mean(), ddof=1) / math.sqrt(nc.size)
    se_t = np.std((nt - rt * dt) / dt.mean(), ddof=1) / math.sqrt(nt.size)
    assert res.absolute.estimate == pytest.approx(rt - rc, rel=1e-12)
    assert res.absolute.se == pytest.approx(math.hypot(se_c, se_t), rel=1e-9)
    se_rel = math.sqrt(se_t**2 / rc**2 + rt**2 * se_c**2 / rc**4)
    assert res.relative.estimate == pytest.approx(rt / rc - 1, rel=1e-12)
    assert res.relative.se == pytest.approx(se_rel, rel=1e-9)
    z = (rt / rc - 1) / se_rel
    assert res.p_value_relative == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-8)


def test_cuped_ratio_matches_the_linearised_regression() -> None:
    rng = np.random.default_rng(8)

    def arm(n: int, rate: float) -> tuple[np.ndarray, ...]:
        views_pre = rng.poisson(5, n) + 1.0
        clicks_pre = rng.binomial(views_pre.astype(int), 0.3).astype(float)
        views = views_pre + rng.poisson(1, n)
        clicks = rng.binomial(views.astype(int), rate).astype(float) + 0.5 * clicks_pre
        return clicks, views, clicks_pre, views_pre

    c, t = arm(900, 0.3), arm(950, 0.32)
    res = ab_lift(
        ratio_sums(c[0], c[1], (c[2], c[3])),
        ratio_sums(t[0], t[1], (t[2], t[3])),
        kind="ratio",
        cuped=True,
    )

    def lin(a: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray, float, float]:
        r, rp = a[0].sum() / a[1].sum(), a[2].sum() / a[3].sum()
        return (a[0] - r * a[1]) / a[1].mean(), (a[2] - rp * a[3]) / a[3].mean(), r, rp

    gc, hc, rc, rpc = lin(c)
    gt, ht, rt, rpt = lin(t)
    sxy = np.sum((gc - gc.mean()) * (hc - hc.mean())) + np.sum((gt - gt.mean()) * (ht - ht.mean()))
    sxx = np.sum((hc - hc.mean()) ** 2) + np.sum((ht - ht.mean()) ** 2)
    theta = sxy / sxx
    assert res.theta == pytest.approx(theta, rel=1e-9)
    assert res.absolute.estimate == pytest.approx((rt - rc) - theta * (rpt - rpc), rel=1e-9)
    var = np.var(gc - theta * hc, ddof=1) / gc.size + np.var(gt - theta * ht, ddof=1) / gt.size
    assert res.absolute.se == pytest.approx(math.sqrt(var), rel=1e-9)
    assert res.variance_reduction > 0.1


def test_sequential_interval_is_the_closed_form_mixture_boundary() -> None:
    g = GOLDEN["mean"]
    c, t = MeanSums(**g["control"]), MeanSums(**g["treatment"])
    res = ab_lift(c, t, tau=0.1)
    var_c = (c.sum_squares - c.sum**2 / c.n) / (c.n - 1)
    var_t = (t.sum_squares - t.sum**2 / t.n) / (t.n - 1)
    tau = 0.1 * math.sqrt((c.n * var_c + t.n * var_t) / (c.n + t.n))
    v = var_c / c.n + var_t / t.n
    half = math.sqrt(v * (v + tau**2) / tau**2 * (2 * math.log(20) + math.log((v + tau**2) / v)))
    d = t.sum / t.n - c.sum / c.n
    assert (res.absolute.low, res.absolute.high) == pytest.approx((d - half, d + half), rel=1e-10)
    lam = math.sqrt(v / (v + tau**2)) * math.exp(d**2 * tau**2 / (2 * v * (v + tau**2)))
    assert res.p_value == pytest.approx(min(1.0, 1 / lam), rel=1e-10)
    assert res.tau == 0.1 and res.tau_absolute == pytest.approx(tau)
    assert "tau=0.1" in res.method
    fixed = ab_lift(c, t)
    assert res.absolute.width > fixed.absolute.width


# --- properties -----------------------------------------------------------------------------


def test_self_comparison_gives_zero_and_p_one() -> None:
    s = MeanSums(500, 1234.5, 4567.8, 1000.0, 2500.0, 3000.0)
    for kwargs in ({}, {"cuped": True}, {"tau": 0.05}):
        res = ab_lift(s, s, **kwargs)
        assert res.absolute.estimate == 0.0 and res.relative.estimate == 0.0
        assert res.p_value == pytest.approx(1.0)
        assert res.absolute.contains(0.0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scale=st.floats(0.1, 100.0),
    kind=st.sampled_from(["mean", "ratio"]),
    cuped=st.booleans(),
)
def test_swapping_arms_flips_the_sign_and_scaling_changes_nothing_relative(
    seed: int, scale: float, kind: str, cuped: bool
) -> None:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.gamma(2, 1, 60), rng.gamma(2, 1, 70)
    y1, y2 = x1 + rng.normal(0, 1, 60) + 5, x2 + rng.normal(0, 1, 70) + 5.3
    if kind == "mean":
        a, b = mean_sums(y1, x1), mean_sums(y2, x2)
        a2, b2 = mean_sums(scale * y1, x1), mean_sums(scale * y2, x2)
    else:
        a, b = ratio_sums(y1, x1 + 1, (x1, x1 + 1)), ratio_sums(y2, x2 + 1, (x2, x2 + 1))
        a2 = ratio_sums(scale * y1, x1 + 1, (x1, x1 + 1))
        b2 = ratio_sums(scale * y2, x2 + 1, (x2, x2 + 1))
    ab, ba = ab_lift(a, b, kind=kind, cuped=cuped), ab_lift(b, a, kind=kind, cuped=cuped)  # type: ignore[arg-type]
    assert ab.absolute.estimate == pytest.approx(-ba.absolute.estimate, rel=1e-9, abs=1e-12)
    assert ab.absolute.se == pytest.approx(ba.absolute.se, rel=1e-9)
    assert ab.p_value == pytest.approx(ba.p_value, rel=1e-9)
    scaled = ab_lift(a2, b2, kind=kind, cuped=cuped)  # type: ignore[arg-type]
    assert scaled.absolute.estimate == pytest.approx(
        scale * ab.absolute.estimate, rel=1e-7, abs=1e-9
    )
    assert scaled.relative.estimate == pytest.approx(ab.relative.estimate, rel=1e-7, abs=1e-9)
    assert scaled.p_value == pytest.approx(ab.p_value, rel=1e-6, abs=1e-12)


def test_two_sided_p_is_twice_the_smaller_one_sided_p() -> None:
    g = GOLDEN["mean"]
    c, t = MeanSums(**g["control"]), MeanSums(**g["treatment"])
    two = ab_lift(c, t).p_value
    greater, less = (
        ab_lift(c, t, alternative="greater").p_value,
        ab_lift(c, t, alternative="less").p_value,
    )
    assert greater + less == pytest.approx(1.0)
    assert two == pytest.approx(2 * min(greater, less))


def test_sums_add_up() -> None:
    a = MeanSums(10, 5.0, 7.0, 1.0, 2.0, 3.0)
    b = MeanSums(20, 6.0, 8.0, 2.0, 3.0, 4.0)
    assert a + b == MeanSums(30, 11.0, 15.0, 3.0, 5.0, 7.0)
    assert not (a + MeanSums(1, 1.0, 1.0)).has_pre


def test_sequential_matches_the_vectorised_msprt_functions() -> None:
    g = GOLDEN["mean"]
    res = ab_lift(
        MeanSums(**g["control"]), MeanSums(**g["treatment"]), tau=0.2, alternative="greater"
    )
    lo, hi = msprt_interval(
        res.absolute.estimate, res.absolute.se, res.tau_absolute, 0.95, "greater"
    )
    assert (res.absolute.low, res.absolute.high) == (float(lo), float(hi))
    p = msprt_p_value(res.absolute.estimate, res.absolute.se, res.tau_absolute, "greater")
    assert res.p_value == float(p)


# --- quantiles ------------------------------------------------------------------------------


def test_quantile_lift_estimate_and_standard_error() -> None:
    rng = np.random.default_rng(4)
    c, t = rng.normal(0, 1, 200_000), rng.normal(0.05, 1, 200_000)
    res = ab_quantile_lift(c, t, q=0.5)
    assert res.absolute.estimate == pytest.approx(np.median(t) - np.median(c), rel=1e-12)
    # Asymptotic sd of a normal median: sqrt(pi / 2) / sqrt(n).
    expected = math.sqrt(2) * math.sqrt(math.pi / 2) / math.sqrt(200_000)
    assert res.absolute.se == pytest.approx(expected, rel=0.05)
    assert res.kind == "quantile" and "order-statistic" in res.method


def test_quantile_degenerate_and_bad_input() -> None:
    res = ab_quantile_lift([1.0], [1.0, 2.0])
    assert res.status == "inconclusive" and "fewer than 2" in (res.reason or "")
    tied = ab_quantile_lift(np.ones(500), np.ones(500))
    assert tied.status == "inconclusive" and "zero variance" in (tied.reason or "")
    with pytest.raises(DataError, match=r"treatment_values\[3\]"):
        ab_quantile_lift([1.0, 2.0, 3.0], [1.0, 2.0, 3.0, math.nan])
    with pytest.raises(ParameterError, match="'q' parameter of ab_quantile_lift"):
        ab_quantile_lift([1.0, 2.0], [1.0, 2.0], q=1.5)


# --- degenerate and bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("control", "column"),
    [
        (MeanSums(-5, 1.0, 1.0), "n"),
        (MeanSums(0, 0.0, 0.0), "n"),
        (MeanSums(10, 10.0, 5.0), "sum_squares"),
        (MeanSums(10, 1.0, 2.0, 1.0, 2.0, 50.0), "sum_cross"),
        (MeanSums(10, math.nan, 2.0), "sum"),
        (MeanSums(10, 2.0, 2.0, 1.0, -1.0, 0.0), "sum_squares_pre"),
    ],
)
def test_impossible_sums_raise_data_error_naming_arm_and_column(
    control: MeanSums, column: str
) -> None:
    ok = MeanSums(10, 5.0, 5.0, 1.0, 2.0, 1.0)
    with pytest.raises(DataError) as info:
        ab_lift(control, ok, control_name="ctl")
    assert info.value.column == column
    assert "'ctl'" in str(info.value)


def test_proportion_and_count_checks() -> None:
    ok = MeanSums(10, 5.0, 5.0)
    with pytest.raises(DataError, match="sum_squares must equal sum"):
        ab_lift(MeanSums(10, 5.0, 6.0), ok, kind="proportion")
    with pytest.raises(DataError, match=r"\[0, n\]"):
        ab_lift(MeanSums(10, 12.0, 12.0), ok, kind="proportion")
    with pytest.raises(DataError, match="negative"):
        ab_lift(MeanSums(10, -3.0, 5.0), ok, kind="count")


def test_degenerate_sums_are_inconclusive_with_a_reason() -> None:
    one = ab_lift(MeanSums(1, 2.0, 4.0), MeanSums(10, 5.0, 5.0))
    assert one.status == "inconclusive" and "fewer than 2 units" in (one.reason or "")
    assert math.isnan(one.p_value) and not one.significant
    flat = ab_lift(MeanSums(10, 30.0, 90.0), MeanSums(10, 30.0, 90.0))
    assert flat.status == "inconclusive" and "zero variance" in (flat.reason or "")
    zero_den = ab_lift(
        ratio_sums(np.zeros(5), np.zeros(5)), ratio_sums(np.ones(5), np.ones(5)), kind="ratio"
    )
    assert zero_den.status == "inconclusive" and "denominator sums to zero" in (
        zero_den.reason or ""
    )
    zero_control = ab_lift(MeanSums(10, 0.0, 0.0), MeanSums(10, 3.0, 3.0), kind="proportion")
    assert zero_control.status == "ok" and math.isnan(zero_control.relative.estimate)
    assert any("relative lift undefined" in n for n in zero_control.notes)


def test_cuped_edge_cases() -> None:
    plain_c, plain_t = MeanSums(10, 5.0, 5.0), MeanSums(10, 6.0, 6.0)
    with pytest.raises(DataError, match="CUPED needs the pre-period sums"):
        ab_lift(plain_c, plain_t, cuped=True)
    flat_pre_c = MeanSums(10, 5.0, 5.0, 20.0, 40.0, 10.0)
    flat_pre_t = MeanSums(10, 6.0, 6.0, 20.0, 40.0, 12.0)
    res = ab_lift(flat_pre_c, flat_pre_t, cuped=True)
    assert res.theta == 0.0 and any("zero variance" in n for n in res.notes)
    assert res.absolute.se == pytest.approx(ab_lift(plain_c, plain_t).absolute.se)


def test_parameter_errors() -> None:
    s = MeanSums(10, 5.0, 5.0)
    with pytest.raises(ParameterError, match="'confidence' parameter of ab_lift"):
        ab_lift(s, s, confidence=1.5)
    with pytest.raises(ParameterError, match="'alternative'"):
        ab_lift(s, s, alternative="bigger")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="RatioSums"):
        ab_lift(s, s, kind="ratio")
    with pytest.raises(ParameterError, match="'tau'"):
        ab_lift(s, s, tau=-1.0)
