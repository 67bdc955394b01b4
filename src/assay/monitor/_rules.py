"""Prometheus alert rules generated from a monitor's spec, and the shipped Grafana dashboard.

For each monitor, one group ``assay-monitor-<name>``:

* ``AssayWatchAlarm`` (severity page): a watch's confidence sequence is wholly on the bad
  side of its threshold (``assay_watch_alarm == 1``); the same alarm wrote a challenge to the
  ledger.
* ``AssayMonitorStale`` (severity ticket): no look for three scheduled intervals.

For each SLO, the multi-window, multi-burn-rate alerts of the Google SRE workbook
(chapter 5, "Alerting on SLOs"). The burn rate is the error ratio over a window divided by the
error budget 1 − objective; a long window says the budget is really burning, a short window
(1/12 of it) that it is still burning now, so the alert resets quickly:

====================  ============  ==========  ===========================
severity              long window   short       burn rate (budget spent)
====================  ============  ==========  ===========================
page                  1h            5m          14.4 (2% of 30 days' budget)
page                  6h            30m         6 (5%)
ticket                1d            2h          3 (10%)
ticket                3d            6h          1 (10%)
====================  ============  ==========  ===========================

Recording rules ``assay_slo:error_ratio:rate<window>`` (labels ``monitor``, ``slo``) hold the
ratios, ``sum(rate(errors[w])) / sum(rate(total[w]))``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from assay.monitor._watch_spec import MonitorSpec, SloSpec

__all__ = ["BURN_RATE_WINDOWS", "GRAFANA_DASHBOARD", "alert_rules", "rules_yaml"]

BURN_RATE_WINDOWS: tuple[tuple[str, str, str, float], ...] = (
    ("page", "1h", "5m", 14.4),
    ("page", "6h", "30m", 6.0),
    ("ticket", "1d", "2h", 3.0),
    ("ticket", "3d", "6h", 1.0),
)
"""(severity, long window, short window, burn-rate factor) of the SLO alerts."""

GRAFANA_DASHBOARD = resources.files("assay.monitor").joinpath("grafana", "assay-monitor.json")
"""The Grafana dashboard shipped with the package (import it in Grafana: Dashboards → Import)."""


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _slo_rules(monitor: str, slo: SloSpec) -> dict[str, Any]:
    labels = {"monitor": monitor, "slo": slo.name}
    windows = sorted({w for _, long, short, _ in BURN_RATE_WINDOWS for w in (long, short)})
    rules: list[dict[str, Any]] = [
        {
            "record": f"assay_slo:error_ratio:rate{w}",
            "expr": f"sum(rate({slo.errors}[{w}])) / sum(rate({slo.total}[{w}]))",
            "labels": labels,
        }
        for w in windows
    ]
    budget = 1.0 - slo.objective
    selector = "{" + f"monitor={_quote(monitor)},slo={_quote(slo.name)}" + "}"
    for severity in ("page", "ticket"):
        parts = []
        for sev, long, short, factor in BURN_RATE_WINDOWS:
            if sev != severity:
                continue
            limit = f"{factor * budget:.10g}"
            parts.append(
                f"(assay_slo:error_ratio:rate{long}{selector} > {limit} and "
                f"assay_slo:error_ratio:rate{short}{selector} > {limit})"
            )
        speed = "Fast" if severity == "page" else "Slow"
        rules.append(
            {
                "alert": f"AssaySloBurnRate{speed}",
                "expr": " or ".join(parts),
                "labels": {**labels, "severity": severity},
                "annotations": {
                    "summary": f"SLO {slo.name} of monitor {monitor} is burning its error budget",
                    "description": (
                        f"The error ratio exceeds the burn-rate limits for objective "
                        f"{slo.objective:g} (budget {budget:.6g})."
                    ),
                },
            }
        )
    return {"name": f"assay-slo-{monitor}-{slo.name}", "rules": rules}


def alert_rules(spec: MonitorSpec) -> dict[str, Any]:
    """A Prometheus rule file (as data) for the monitor: watch alarms, staleness, SLO burn."""
    selector = "{" + f"monitor={_quote(spec.name)}" + "}"
    stale = 3 * spec.every_seconds
    groups: list[dict[str, Any]] = [
        {
            "name": f"assay-monitor-{spec.name}",
            "rules": [
                {
                    "alert": "AssayWatchAlarm",
                    "expr": f"assay_watch_alarm{selector} == 1",
                    "labels": {"severity": "page", "monitor": spec.name},
                    "annotations": {
                        "summary": "Watch {{ $labels.watch }} of monitor {{ $labels.monitor }} "
                        "contradicts decision {{ $labels.decision }}",
                        "description": (
                            "Its confidence sequence is wholly on the bad side of the release "
                            "threshold; a challenge entry is in the ledger "
                            f"(family-wise alpha {spec.alpha:g} over all looks)."
                        ),
                    },
                },
                {
                    "alert": "AssayMonitorStale",
                    "expr": (
                        f"time() - assay_monitor_last_look_timestamp_seconds{selector} > {stale}"
                    ),
                    "for": "5m",
                    "labels": {"severity": "ticket", "monitor": spec.name},
                    "annotations": {
                        "summary": "Monitor {{ $labels.monitor }} has not looked at a window "
                        f"for {stale} seconds (3 scheduled looks)",
                    },
                },
            ],
        }
    ]
    groups.extend(_slo_rules(spec.name, slo) for slo in spec.slos)
    return {"groups": groups}


def rules_yaml(specs: list[MonitorSpec]) -> str:
    """One rule file for several monitors, as YAML (``promtool check rules`` accepts it)."""
    groups = [g for spec in specs for g in alert_rules(spec)["groups"]]
    return yaml.safe_dump({"groups": groups}, sort_keys=False, allow_unicode=True)
