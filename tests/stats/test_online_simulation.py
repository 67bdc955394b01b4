"""Seeded simulations: interval coverage and false-positive rates of the A/B readout.

Each scenario simulates thousands of experiments as one 2-D array; the per-arm sums of every
experiment are computed at once and fed to the public functions. Tolerance: 1.5 points.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from assay.stats import (
    MeanSums,
    RatioSums,
    ab_lift,
    ab_quantile_lift,
    msprt_interval,
    msprt_p_value,
    sample_ratio_test,
)

S = 3000
TOL = 0.015


def _mean_sums(y: np.ndarray, x: np.ndarray | None = None) -> list[MeanSums]:
    n, s, q = y.shape[1], y.sum(1), np.einsum("ij,ij->i", y, y)
    if x is None:
        return [MeanSums(n, a, b) for a, b in zip(s, q, strict=True)]
    sx, qx, c = x.sum(1), np.einsum("ij,ij->i", x, x), np.einsum("ij,ij->i", y, x)
    return [MeanSums(n, *vals) for vals in zip(s, q, sx, qx, c, strict=True)]


def _ratio_sums(
    num: np.ndarray, den: np.ndarray, pre: tuple[np.ndarray, np.ndarray] | None = None
) -> list[RatioSums]:
    def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", a, b)

    cols = [num.sum(1), den.sum(1), dot(num, num), dot(den, den), dot(num, den)]
    if pre is not None:
        pn, pd_ = pre
        cols += [
            pn.sum(1),
            pd_.sum(1),
            dot(pn, pn),
            dot(pd_, pd_),
            dot(pn, pd_),
            dot(num, pn),
            dot(num, pd_),
            dot(den, pn),
            dot(den, pd_),
        ]
    return [RatioSums(num.shape[1], *vals) for vals in zip(*cols, strict=True)]


def _run(control: list, treatment: list, **kwargs: object) -> dict[str, np.ndarray]:
    res = [ab_lift(c, t, **kwargs) for c, t in zip(control, treatment, strict=True)]  # type: ignore[arg-type]
    return {
        "low": np.array([r.absolute.low for r in res]),
        "high": np.array([r.absolute.high for r in res]),
        "rlow": np.array([r.relative.low for r in res]),
        "rhigh": np.array([r.relative.high for r in res]),
        "p": np.array([r.p_value for r in res]),
        "red": np.array([r.variance_reduction or 0.0 for r in res]),
    }


def _covers(out: dict[str, np.ndarray], diff: float, rel: float) -> tuple[float, float]:
    abs_cov = np.mean((out["low"] <= diff) & (diff <= out["high"]))
    rel_cov = np.mean((out["rlow"] <= rel) & (rel <= out["rhigh"]))
    return float(abs_cov), float(rel_cov)


def test_mean_metric_coverage_and_false_positive_rate() -> None:
    rng = np.random.default_rng(101)
    n = 400
    c = rng.gamma(2.0, 1.0, (S, n))
    t = rng.gamma(2.0, 1.1, (S, n))
    abs_cov, rel_cov = _covers(_run(_mean_sums(c), _mean_sums(t)), 0.2, 0.1)
    assert abs_cov == pytest.approx(0.95, abs=TOL)
    assert rel_cov == pytest.approx(0.95, abs=TOL)
    null = _run(_mean_sums(c), _mean_sums(rng.gamma(2.0, 1.0, (S, n))))
    assert np.mean(null["p"] <= 0.05) == pytest.approx(0.05, abs=TOL)
    one = _run(_mean_sums(c), _mean_sums(rng.gamma(2.0, 1.0, (S, n))), alternative="greater")
    assert np.mean(one["p"] <= 0.05) == pytest.approx(0.05, abs=TOL)


def test_proportion_coverage_and_false_positive_rate() -> None:
    rng = np.random.default_rng(102)
    n = 3000
    cc, ct = rng.binomial(n, 0.10, S).astype(float), rng.binomial(n, 0.12, S).astype(float)
    out = _run([MeanSums(n, v, v) for v in cc], [MeanSums(n, v, v) for v in ct], kind="proportion")
    abs_cov, rel_cov = _covers(out, 0.02, 0.2)
    assert abs_cov == pytest.approx(0.95, abs=TOL)
    assert rel_cov == pytest.approx(0.95, abs=TOL)
    c0 = rng.binomial(n, 0.10, S).astype(float)
    null = _run([MeanSums(n, v, v) for v in cc], [MeanSums(n, v, v) for v in c0], kind="proportion")
    assert np.mean(null["p"] <= 0.05) == pytest.approx(0.05, abs=TOL)


def test_ratio_metric_coverage() -> None:
    rng = np.random.default_rng(103)
    n = 400
    dc, dt = rng.poisson(3, (S, n)) + 1.0, rng.poisson(3, (S, n)) + 1.0
    nc, nt = (
        rng.binomial(dc.astype(int), 0.2).astype(float),
        rng.binomial(dt.astype(int), 0.22).astype(float),
    )
    out = _run(_ratio_sums(nc, dc), _ratio_sums(nt, dt), kind="ratio")
    abs_cov, rel_cov = _covers(out, 0.02, 0.1)
    assert abs_cov == pytest.approx(0.95, abs=TOL)
    assert rel_cov == pytest.approx(0.95, abs=TOL)


def test_cuped_coverage_false_positives_and_variance_reduction() -> None:
    rng = np.random.default_rng(104)
    n = 300
    xc, xt = rng.normal(5, 1, (S, n)), rng.normal(5, 1, (S, n))
    yc = xc + 0.7 * rng.normal(0, 1, (S, n))
    yt = xt + 0.7 * rng.normal(0, 1, (S, n)) + 0.1
    out = _run(_mean_sums(yc, xc), _mean_sums(yt, xt), cuped=True)
    abs_cov, rel_cov = _covers(out, 0.1, 0.1 / 5)
    assert abs_cov == pytest.approx(0.95, abs=TOL)
    assert rel_cov == pytest.approx(0.95, abs=TOL)
    assert np.mean(out["red"]) == pytest.approx(1 / 1.49, abs=0.01)  # rho^2
    null = _run(_mean_sums(yc, xc), _mean_sums(yt - 0.1, xt), cuped=True)
    assert np.mean(null["p"] <= 0.05) == pytest.approx(0.05, abs=TOL)


def test_cuped_ratio_coverage() -> None:
    rng = np.random.default_rng(105)
    n = 400

    def arm(rate: float) -> tuple[np.ndarray, ...]:
        views_pre = rng.poisson(4, (S, n)) + 1.0
        engaged = rng.random((S, n)) < 0.5
        clicks_pre = rng.binomial(views_pre.astype(int), np.where(engaged, 0.4, 0.1)).astype(float)
        views = views_pre + rng.poisson(1, (S, n))
        clicks = rng.binomial(views.astype(int), np.where(engaged, 2 * rate, 0.5 * rate)).astype(
            float
        )
        return clicks, views, clicks_pre, views_pre

    c, t = arm(0.2), arm(0.22)
    out = _run(
        _ratio_sums(c[0], c[1], (c[2], c[3])),
        _ratio_sums(t[0], t[1], (t[2], t[3])),
        kind="ratio",
        cuped=True,
    )
    # Clicks per view: engaged and other users see as many views on average.
    true_c = 0.5 * 2 * 0.2 + 0.5 * 0.5 * 0.2
    true_t = 0.5 * 2 * 0.22 + 0.5 * 0.5 * 0.22
    abs_cov, rel_cov = _covers(out, true_t - true_c, true_t / true_c - 1)
    assert abs_cov == pytest.approx(0.95, abs=TOL)
    assert rel_cov == pytest.approx(0.95, abs=TOL)
    assert np.mean(out["red"]) > 0.05


def test_quantile_coverage() -> None:
    rng = np.random.default_rng(106)
    n, sims = 1000, 2000
    c, t = rng.exponential(1.0, (sims, n)), rng.exponential(1.2, (sims, n))
    res = [ab_quantile_lift(a, b, q=0.5) for a, b in zip(c, t, strict=True)]
    diff, rel = 0.2 * math.log(2), 0.2
    abs_cov = np.mean([r.absolute.low <= diff <= r.absolute.high for r in res])
    rel_cov = np.mean([r.relative.low <= rel <= r.relative.high for r in res])
    assert abs_cov == pytest.approx(0.95, abs=TOL)
    assert rel_cov == pytest.approx(0.95, abs=TOL)


def test_sequential_test_survives_daily_peeking_where_the_fixed_test_does_not() -> None:
    rng = np.random.default_rng(107)
    sims, looks, daily = 2000, 30, 100
    c = rng.normal(0, 1, (sims, looks, daily)).sum(2).cumsum(1)
    t = rng.normal(0, 1, (sims, looks, daily)).sum(2).cumsum(1)
    n = daily * np.arange(1, looks + 1)
    diff = (t - c) / n
    se = np.sqrt(2.0 / n) * np.ones_like(diff)
    tau = 0.1  # per-unit sd is 1
    always_valid = np.mean((msprt_p_value(diff, se, tau) <= 0.05).any(axis=1))
    naive_p = 2 * stats.norm.sf(np.abs(diff / se))
    naive = np.mean((naive_p <= 0.05).any(axis=1))
    assert always_valid <= 0.05 + TOL
    assert naive > 0.15  # peeking 30 times at a fixed-horizon test: several times alpha
    lo, hi = msprt_interval(diff, se, tau)
    covered_throughout = np.mean(((lo <= 0) & (hi >= 0)).all(axis=1))
    assert covered_throughout >= 0.95 - TOL
    lo1, _ = msprt_interval(diff, se, tau, alternative="greater")
    assert np.mean((lo1 > 0).any(axis=1)) <= 0.05 + TOL


def test_sequential_readout_under_peeking_through_ab_lift() -> None:
    rng = np.random.default_rng(108)
    sims, looks, daily = 200, 30, 50
    c = rng.gamma(2.0, 1.0, (sims, looks * daily))
    t = rng.gamma(2.0, 1.0, (sims, looks * daily))
    rejected = np.zeros(sims, dtype=bool)
    for k in range(1, looks + 1):
        m = k * daily
        out = _run(_mean_sums(c[:, :m]), _mean_sums(t[:, :m]), tau=0.1)
        rejected |= out["p"] <= 0.05
    assert np.mean(rejected) <= 0.05 + 0.035  # 200 experiments: sd of the rate is 1.5 points


def test_sample_ratio_test_false_positive_rate() -> None:
    rng = np.random.default_rng(109)
    counts = rng.binomial(20_000, 0.4, S)
    p = np.array(
        [sample_ratio_test([k, 20_000 - k], [0.4, 0.6], threshold=0.05).p_value for k in counts]
    )
    assert np.mean(p < 0.05) == pytest.approx(0.05, abs=TOL)
