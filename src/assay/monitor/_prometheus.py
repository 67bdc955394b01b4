"""Prometheus exposition of monitors, and latency quantiles read from histogram buckets.

The text follows the Prometheus text format 0.0.4, written here (no client library needed).
Names follow Prometheus conventions: an ``assay_`` prefix, base units (seconds), ``_total`` for
counters, and the interval of each watch as two gauges, ``assay_watch_estimate_lower`` and
``assay_watch_estimate_upper`` (interval bounds are values, not label values: a label that
changes at every look would make a new series each time). Every watch series carries the
labels ``monitor``, ``decision``, ``watch``, ``metric`` and ``slice`` (empty for all rows).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from assay.errors import DataError, ParameterError
from assay.monitor._watch_monitor import MonitorStatus

__all__ = ["METRICS", "QuantileBounds", "histogram_quantile_bounds", "render_exposition"]

METRICS: dict[str, tuple[str, str]] = {
    "assay_monitor_alpha": (
        "gauge",
        "Family-wise false-alarm budget of the monitor over all looks.",
    ),
    "assay_monitor_remaining_alpha": ("gauge", "Error budget not yet spent by an alarm."),
    "assay_monitor_looks_total": ("counter", "Windows looked at so far."),
    "assay_monitor_challenges_total": (
        "counter",
        "Challenge entries its alarms wrote to the ledger.",
    ),
    "assay_monitor_last_look_timestamp_seconds": ("gauge", "Unix time of the last look."),
    "assay_monitor_schedule_seconds": ("gauge", "Seconds between scheduled looks."),
    "assay_watch_alarm": (
        "gauge",
        "1 when the watch alarms (the release evidence is contradicted).",
    ),
    "assay_watch_state": ("gauge", "1 for the watch's current state (ok, alarm, inconclusive)."),
    "assay_watch_estimate": ("gauge", "Running mean of the watch's scores."),
    "assay_watch_estimate_lower": ("gauge", "Lower bound of the watch's confidence sequence."),
    "assay_watch_estimate_upper": ("gauge", "Upper bound of the watch's confidence sequence."),
    "assay_watch_threshold": (
        "gauge",
        "Release estimate minus (plus, lower-is-better) the margin.",
    ),
    "assay_watch_reference": ("gauge", "Release estimate (the decision's candidate run)."),
    "assay_watch_alpha": ("gauge", "The watch's share of the monitor's alpha (Bonferroni)."),
    "assay_watch_remaining_alpha": ("gauge", "The watch's alpha, or 0 once it alarmed."),
    "assay_watch_observations_total": ("counter", "Scores added to the watch's sequence."),
}
"""Every metric name the exporter writes: (type, help)."""

_STATES = ("ok", "alarm", "inconclusive")


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f'{k}="{_label(v)}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _timestamp(text: str | None) -> float | None:
    return None if text is None else datetime.fromisoformat(text).timestamp()


def render_exposition(statuses: Iterable[MonitorStatus]) -> str:
    """The monitors' state as Prometheus text format 0.0.4 (``text/plain; version=0.0.4``)."""
    samples: dict[str, list[str]] = {name: [] for name in METRICS}

    def add(name: str, labels: Mapping[str, str], value: float | None) -> None:
        if value is not None:
            samples[name].append(f"{name}{_labels(labels)} {_number(value)}")

    for status in statuses:
        m = {"monitor": status.name, "decision": status.decision_id}
        add("assay_monitor_alpha", m, status.alpha)
        add("assay_monitor_remaining_alpha", m, status.remaining)
        add("assay_monitor_looks_total", m, status.looks)
        add("assay_monitor_challenges_total", m, len(status.challenges))
        add("assay_monitor_last_look_timestamp_seconds", m, _timestamp(status.last_look_at))
        add("assay_monitor_schedule_seconds", m, status.every_seconds)
        for w in status.watches:
            labels = {**m, "watch": w.name, "metric": w.metric, "slice": w.slice or ""}
            add("assay_watch_alarm", labels, 1.0 if w.state == "alarm" else 0.0)
            for state in _STATES:
                add("assay_watch_state", {**labels, "state": state}, float(w.state == state))
            add("assay_watch_estimate", labels, w.estimate)
            add("assay_watch_estimate_lower", labels, w.low)
            add("assay_watch_estimate_upper", labels, w.high)
            add("assay_watch_threshold", labels, w.threshold)
            add("assay_watch_reference", labels, w.reference)
            add("assay_watch_alpha", labels, w.alpha)
            add("assay_watch_remaining_alpha", labels, w.remaining)
            add("assay_watch_observations_total", labels, w.n)
    lines = []
    for name, (kind, text) in METRICS.items():
        lines.append(f"# HELP {name} {text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(samples[name])
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class QuantileBounds:
    """A quantile read from histogram buckets: the bucket that must contain it."""

    q: float
    """The quantile asked for."""
    lower: float
    """The bucket's lower edge (exclusive): the quantile is above it."""
    upper: float
    """The bucket's upper edge (inclusive): the quantile is at most this (+Inf when the rank
    falls in the overflow bucket)."""
    rank: int
    """The rank of the observation that is the quantile: ceil(q · count), at least 1."""
    count: int
    """Observations in the histogram."""
    interpolated: float
    """Prometheus's ``histogram_quantile`` (linear within the bucket): a guess inside the
    range, shown only beside it."""


def histogram_quantile_bounds(
    buckets: Mapping[float, float] | Sequence[tuple[float, float]],
    q: float,
    *,
    minimum: float = 0.0,
) -> QuantileBounds:
    """The q-quantile of a Prometheus histogram as the bucket range that is sure to contain it.

    ``buckets`` are cumulative counts by upper edge (``le``), including ``+Inf``. The quantile
    is the observation of rank ceil(q·count) (the inverted-CDF definition); it lies in the first
    bucket whose cumulative count reaches that rank: above the previous edge, at most this
    edge. ``minimum`` is the lowest possible value (0 for latencies), the lower edge of the
    first bucket.
    """
    function = "histogram_quantile_bounds"
    if not (isinstance(q, (int, float)) and 0.0 < q <= 1.0):
        raise ParameterError("q", function, "a float in (0, 1]", q)
    pairs = sorted(
        (float(le), float(c))
        for le, c in (buckets.items() if isinstance(buckets, Mapping) else buckets)
    )
    if not pairs or not math.isinf(pairs[-1][0]):
        raise DataError(
            f"{function}: buckets",
            expected="cumulative counts ending with le=+Inf",
            found=str(pairs[-1][0]) if pairs else "none",
        )
    counts = [c for _, c in pairs]
    if any(b < a for a, b in itertools.pairwise(counts)) or counts[0] < 0:
        raise DataError(
            f"{function}: buckets", expected="non-decreasing cumulative counts", found=str(counts)
        )
    total = round(counts[-1])
    if total == 0:
        raise DataError(
            f"{function}: the histogram is empty", expected="at least 1 observation", found="0"
        )
    rank = max(1, math.ceil(q * total - 1e-9))
    previous_edge, previous_count = minimum, 0.0
    for edge, count in pairs:
        if count >= rank:
            if math.isinf(edge):
                interpolated = previous_edge
            else:
                width = count - previous_count
                share = (q * total - previous_count) / width if width else 1.0
                interpolated = previous_edge + (edge - previous_edge) * share
            return QuantileBounds(q, previous_edge, edge, rank, total, interpolated)
        previous_edge, previous_count = edge, count
    raise AssertionError("unreachable: the +Inf bucket holds every observation")
