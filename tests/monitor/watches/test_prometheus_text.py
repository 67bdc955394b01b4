"""The exposition text, the alert rules and histogram quantiles, checked by Prometheus's own
promtool and against direct computations."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from assay.errors import DataError, ParameterError
from assay.monitor import (
    BURN_RATE_WINDOWS,
    GRAFANA_DASHBOARD,
    METRICS,
    MonitorSpec,
    MonitorStatus,
    SloSpec,
    WatchSpec,
    WatchState,
    alert_rules,
    histogram_quantile_bounds,
    look,
    render_exposition,
    rules_yaml,
)


def _status(name: str = 'odd "name"\\') -> MonitorStatus:
    watch = WatchState(
        name="accuracy[lang=en]",
        metric="accuracy",
        slice="lang=en",
        column="accuracy",
        method="bernstein",
        goal="higher",
        reference=0.8,
        margin=0.02,
        threshold=0.78,
        alpha=0.025,
        bounds=(0.0, 1.0),
    )
    watch = look(watch, np.r_[np.ones(80), np.zeros(20)])
    fresh = watch.model_copy(
        update={
            "name": "latency",
            "metric": "latency",
            "slice": None,
            "low": None,
            "high": None,
            "estimate": None,
            "n": 0,
        }
    )
    return MonitorStatus(
        name,
        "dec-1",
        0.05,
        3600,
        1,
        (watch, fresh),
        "s" * 64,
        "t" * 64,
        "2026-12-06T06:00:00+00:00",
        (4,),
    )


def test_the_exposition_passes_promtools_lint(promtool: str) -> None:
    text = render_exposition([_status()])
    done = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'monitor="odd \\"name\\"\\\\"' in text  # label values escaped
    assert "assay_watch_estimate_lower{" in text and "assay_watch_estimate_upper{" in text
    # no bound before any score: the series is absent, not a made-up number
    assert text.count("assay_watch_estimate_lower{") == 1
    assert "assay_monitor_challenges_total{" in text
    for name, (kind, _) in METRICS.items():
        assert f"# TYPE {name} {kind}" in text
        assert name.endswith("_total") == (kind == "counter")
        assert "_ms" not in name and "milliseconds" not in name


def test_the_exposition_values_are_the_watches() -> None:
    status = _status("m")
    lines = dict(
        line.rsplit(" ", 1)
        for line in render_exposition([status]).splitlines()
        if not line.startswith("#")
    )
    labels = (
        'monitor="m",decision="dec-1",watch="accuracy[lang=en]",metric="accuracy",slice="lang=en"'
    )
    w = status.watches[0]
    assert float(lines[f"assay_watch_estimate_lower{{{labels}}}"]) == w.low
    assert float(lines[f"assay_watch_estimate_upper{{{labels}}}"]) == w.high
    assert float(lines[f"assay_watch_observations_total{{{labels}}}"]) == 100
    assert float(lines[f'assay_watch_state{{{labels},state="{w.state}"}}']) == 1.0
    assert (
        float(lines['assay_monitor_last_look_timestamp_seconds{monitor="m",decision="dec-1"}'])
        == 1796536800.0
    )


def _spec() -> MonitorSpec:
    return MonitorSpec(
        name="income",
        decision="d",
        alpha=0.01,
        every_seconds=600,
        watches=(WatchSpec(metric="accuracy"),),
        slos=(
            SloSpec(
                name="availability",
                objective=0.999,
                errors='http_requests_total{code=~"5.."}',
                total="http_requests_total",
            ),
        ),
    )


def test_generated_rules_pass_promtool(promtool: str, tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(
        rules_yaml([_spec(), _spec().model_copy(update={"name": "other"})]), encoding="utf-8"
    )
    done = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 22 rules found" in done.stdout


def test_burn_rate_rules_follow_the_sre_workbook() -> None:
    groups = alert_rules(_spec())["groups"]
    slo = next(g for g in groups if g["name"] == "assay-slo-income-availability")
    fast = next(r for r in slo["rules"] if r.get("alert") == "AssaySloBurnRateFast")
    # 14.4 × (1 − 0.999) over 1h and 5m; 6 × over 6h and 30m
    assert "assay_slo:error_ratio:rate1h" in fast["expr"] and "> 0.0144 and" in fast["expr"]
    assert "assay_slo:error_ratio:rate5m" in fast["expr"]
    assert "assay_slo:error_ratio:rate6h" in fast["expr"] and "> 0.006 and" in fast["expr"]
    assert fast["labels"]["severity"] == "page"
    assert [w[3] for w in BURN_RATE_WINDOWS] == [14.4, 6.0, 3.0, 1.0]
    records = {r["record"] for r in slo["rules"] if "record" in r}
    assert records == {
        f"assay_slo:error_ratio:rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
    }
    watch = groups[0]["rules"]
    assert watch[0]["expr"] == 'assay_watch_alarm{monitor="income"} == 1'
    assert "1800" in watch[1]["expr"]  # stale after 3 scheduled looks of 600 s


def test_the_grafana_dashboard_charts_the_exported_names() -> None:
    dashboard = json.loads(GRAFANA_DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for name in METRICS if any(name + "{" in e for e in exprs)}
    assert {
        "assay_watch_estimate",
        "assay_watch_estimate_lower",
        "assay_watch_estimate_upper",
        "assay_watch_threshold",
        "assay_monitor_remaining_alpha",
        "assay_watch_alarm",
    } <= used
    names = {
        n.split("{")[0] for e in exprs for n in e.replace("(", " ").split() if n.startswith("assay")
    }
    assert names <= set(METRICS) | {"assay_slo:error_ratio:rate1h", "assay_slo:error_ratio:rate5m"}
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.99, 1.0])
def test_histogram_quantiles_hold_the_raw_samples_quantile(seed: int, q: float) -> None:
    rng = np.random.default_rng(seed)
    samples = rng.lognormal(-2.0, 1.0, size=int(rng.integers(1, 3000)))
    edges = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf]
    buckets = {le: int(np.sum(samples <= le)) for le in edges}
    bounds = histogram_quantile_bounds(buckets, q)
    exact = float(np.quantile(samples, q, method="inverted_cdf"))
    assert bounds.lower < exact <= bounds.upper
    assert bounds.lower <= bounds.interpolated <= bounds.upper
    assert bounds.rank == max(1, math.ceil(q * samples.size - 1e-9))
    # the bucket is the tightest the histogram allows: the edges are consecutive
    assert (
        bounds.upper == math.inf
        or edges[edges.index(bounds.upper) - 1] == bounds.lower
        or bounds.lower == 0.0
    )


def test_histogram_quantile_edge_cases() -> None:
    assert histogram_quantile_bounds([(1.0, 0), (2.0, 0), (math.inf, 3)], 0.5).upper == math.inf
    exact = histogram_quantile_bounds({0.1: 10, 0.2: 10, math.inf: 10}, 1.0)
    assert (exact.lower, exact.upper) == (0.0, 0.1)
    with pytest.raises(DataError, match="le=\\+Inf"):
        histogram_quantile_bounds({0.1: 1}, 0.5)
    with pytest.raises(DataError, match="non-decreasing"):
        histogram_quantile_bounds({0.1: 5, math.inf: 3}, 0.5)
    with pytest.raises(DataError, match="empty"):
        histogram_quantile_bounds({math.inf: 0}, 0.5)
    with pytest.raises(ParameterError, match="'q' parameter"):
        histogram_quantile_bounds({math.inf: 1}, 1.5)


def test_rules_are_yaml_prometheus_reads() -> None:
    loaded = yaml.safe_load(rules_yaml([_spec()]))
    assert [g["name"] for g in loaded["groups"]] == [
        "assay-monitor-income",
        "assay-slo-income-availability",
    ]
