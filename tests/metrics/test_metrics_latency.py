"""Latency quantiles and cost per success: values, delta method vs bootstrap, coverage."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import DataError
from assay.metrics import (
    compare_metric,
    evaluate_metric,
    get_metric,
    paired_ratio_delta,
    ratio_delta_interval,
)
from assay.stats import bootstrap_weights


def _runs(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    lat_a = rng.lognormal(4.0, 0.5, n)
    lat_b = lat_a * rng.lognormal(-0.05, 0.2, n)
    cost = rng.gamma(2.0, 0.01, n)
    ok_a = rng.random(n) < 0.7
    ok_b = rng.random(n) < 0.75
    return lat_a, lat_b, cost, ok_a, ok_b


def test_latency_quantile_metrics() -> None:
    lat_a, lat_b, *_ = _runs(3000)
    for name, q in (("latency_p50", 0.5), ("latency_p95", 0.95), ("latency_p99", 0.99)):
        d = get_metric(name)
        assert d.direction == "lower" and d.compute(latency=lat_a) == np.quantile(lat_a, q)
    w = bootstrap_weights(3000, 1000, rng=1)
    r = compare_metric("latency_p95", {"latency": lat_a}, {"latency": lat_b}, weights=w)
    assert r.difference.estimate == np.quantile(lat_b, 0.95) - np.quantile(lat_a, 0.95)
    assert r.difference.resamples == 1000 and r.difference.low < r.difference.estimate
    est = evaluate_metric("latency_p99", {"latency": lat_a}, rng=0, resamples=500)
    assert est.low < est.estimate < est.high


def test_cost_per_success_delta_method_agrees_with_the_bootstrap() -> None:
    _, _, cost, ok_a, ok_b = _runs(4000, seed=2)
    delta = ratio_delta_interval(cost, ok_a)
    boot = evaluate_metric(
        "cost_per_success", {"cost": cost, "success": ok_a}, rng=0, resamples=3000
    )
    assert delta.estimate == pytest.approx(cost.sum() / ok_a.sum())
    assert boot.estimate == pytest.approx(delta.estimate)
    assert boot.se == pytest.approx(delta.se, rel=0.1)
    paired = paired_ratio_delta({"cost": cost, "success": ok_a}, {"cost": cost, "success": ok_b})
    pboot = compare_metric(
        "cost_per_success",
        {"cost": cost, "success": ok_a},
        {"cost": cost, "success": ok_b},
        rng=0,
        resamples=3000,
    )
    assert paired.difference.estimate == pytest.approx(pboot.difference.estimate)
    assert paired.difference.se == pytest.approx(pboot.difference.se, rel=0.1)
    same = paired_ratio_delta({"cost": cost, "success": ok_a}, {"cost": cost, "success": ok_a})
    assert (same.difference.estimate, same.p_value) == (0.0, 1.0)


def test_delta_method_interval_covers_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(3)
    d, n = 2000, 400
    success = rng.random((d, n)) < 0.6
    cost = rng.gamma(2.0, 1.0, (d, n)) * (1 + success)
    truth = (2.0 * 0.4 + 4.0 * 0.6) / 0.6
    r = cost.sum(1) / success.sum(1)
    z = (cost - r[:, None] * success) / success.mean(1, keepdims=True)
    se = np.sqrt(n / (n - 1) * (z**2).sum(1)) / n
    covered = np.abs(r - truth) <= 1.959964 * se
    assert abs(covered.mean() - 0.95) < 0.015
    one = ratio_delta_interval(cost[0], success[0])
    assert one.se == pytest.approx(se[0], rel=1e-12)


def test_clustered_delta_method_is_wider_for_correlated_clusters() -> None:
    rng = np.random.default_rng(4)
    clusters = np.repeat(np.arange(50), 20)
    level = rng.gamma(2.0, 1.0, 50)[clusters]
    cost = level * rng.gamma(5.0, 0.2, 1000)
    ok = np.ones(1000)
    plain = ratio_delta_interval(cost, ok)
    clustered = ratio_delta_interval(cost, ok, clusters=clusters)
    assert clustered.n_clusters == 50 and clustered.se > 2 * plain.se


def test_cost_without_successes_is_refused() -> None:
    with pytest.raises(DataError, match="no successes"):
        ratio_delta_interval([1.0, 2.0], [0, 0])
    with pytest.raises(DataError, match=r"cost\[1\]"):
        get_metric("cost_per_success").compute(cost=[1.0, np.nan], success=[1, 1])
