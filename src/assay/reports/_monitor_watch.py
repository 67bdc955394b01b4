"""Quality watches over time: one monitor's watches as HTML, each with its confidence sequence.

For every watch: its state (ok, alarm, inconclusive), its remaining error budget, its threshold
(the release estimate minus the margin, plus for a lower-is-better metric) and an inline SVG of
the running confidence sequence over the looks (the lower and upper bound at each look, the
running estimate, the threshold as a dashed line, the alarm look marked), with the method named
under the chart. The input is plain data the workflows return: a
:class:`~assay.monitor.MonitorStatus` and the stored look summaries
(:func:`assay.workflows.monitor_history`). The fragment uses classes only (no style attribute),
so the dashboard shows it under a strict Content-Security-Policy; every text that came from a
spec or a window is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from assay.monitor import MonitorStatus, WatchState
from assay.reports._html_parts import e
from assay.reports._style import CSS
from assay.reports._svg import Scale, _escape, _f, _t, nice_ticks, tick_decimals

__all__ = ["STATE_CLASS", "monitor_watch_body", "monitor_watch_report_html", "watch_chart_svg"]

STATE_CLASS = {"ok": "o-pass", "alarm": "o-fail", "inconclusive": "o-inconclusive"}
"""The report stylesheet's class of each watch state."""
_METHODS = {
    "bernstein": "predictable plug-in empirical Bernstein confidence sequence (exact for "
    "bounded scores)",
    "normal": "normal-mixture confidence sequence with a running sd (asymptotically valid; "
    "no bound before 30 scores)",
    "cbpe": "empirical Bernstein sequence on expected correctness (CBPE, no labels), widened "
    "by the hold-out's calibration error",
}
_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 520, 190, 52, 12, 12, 30


def _finite(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def _num(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.4g}"


def watch_points(watch: WatchState, history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One point per stored look of ``watch``: ``look``, ``estimate``, ``low``, ``high``,
    ``state`` (``None`` where the look had no bound yet)."""
    points: list[dict[str, Any]] = []
    for window in history:
        row = next((w for w in window.get("watches", []) if w.get("watch") == watch.name), None)
        if row is None:
            continue
        points.append(
            {
                "look": int(window.get("look", len(points) + 1)),
                "estimate": _finite(row.get("estimate")),
                "low": _finite(row.get("low")),
                "high": _finite(row.get("high")),
                "state": str(row.get("state", "inconclusive")),
            }
        )
    return points


def watch_chart_svg(watch: WatchState, history: Sequence[Mapping[str, Any]]) -> str:
    """The watch's confidence sequence over its looks: a ``<g class="look">`` per look with the
    interval and the estimate, the bounds joined as lines, the threshold dashed, the alarm look
    marked."""
    points = watch_points(watch, history)
    values = [watch.threshold, watch.reference]
    for p in points:
        values += [v for v in (p["low"], p["high"], p["estimate"]) if v is not None]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.05, 0.01)
    ticks = nice_ticks(lo - pad, hi + pad, 4)
    y = Scale(lo - pad, hi + pad, _H - _BOTTOM, _TOP)
    last = max([p["look"] for p in points] + [1])
    x = Scale(0.5, last + 0.5, _LEFT, _W - _RIGHT)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img" '
        f'aria-label="{_escape(watch.name)} confidence sequence" font-size="11" '
        'font-family="Helvetica,Arial,sans-serif">',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_H - _BOTTOM}" stroke="#999"/>',
    ]
    decimals = tick_decimals(ticks)
    for tick in ticks:
        ty = y(tick)
        parts.append(
            f'<line x1="{_LEFT - 3}" y1="{_f(ty)}" x2="{_LEFT}" y2="{_f(ty)}" stroke="#999"/>'
        )
        parts.append(_t(_LEFT - 5, ty + 4, f"{tick:.{decimals}f}", anchor="end"))
    ty = y(watch.threshold)
    parts.append(
        f'<line class="threshold" x1="{_LEFT}" y1="{_f(ty)}" x2="{_W - _RIGHT}" y2="{_f(ty)}" '
        'stroke="#a3121f" stroke-dasharray="4,3"/>'
    )
    parts.append(
        _t(
            _W - _RIGHT,
            ty - 3,
            f"threshold {watch.threshold:.4g}",
            anchor="end",
            extra=' fill="#a3121f"',
        )
    )
    for bound in ("low", "high"):
        line = " ".join(
            f"{_f(x(p['look']))},{_f(y(p[bound]))}" for p in points if p[bound] is not None
        )
        if line.count(",") > 1:
            parts.append(f'<polyline points="{line}" fill="none" stroke="#777" stroke-width="1"/>')
    for p in points:
        px = x(p["look"])
        inner = ""
        if p["low"] is not None and p["high"] is not None:
            inner += (
                f'<line x1="{_f(px)}" y1="{_f(y(p["low"]))}" x2="{_f(px)}" '
                f'y2="{_f(y(p["high"]))}" stroke="#111" stroke-width="2"/>'
            )
        if p["estimate"] is not None:
            inner += f'<circle cx="{_f(px)}" cy="{_f(y(p["estimate"]))}" r="2.5" fill="#111"/>'
        parts.append(f'<g class="look" data-look="{p["look"]}">{inner}</g>')
    if watch.alarm_look is not None:
        ax = x(watch.alarm_look)
        parts.append(
            f'<line class="alarm" x1="{_f(ax)}" y1="{_TOP}" x2="{_f(ax)}" y2="{_H - _BOTTOM}" '
            'stroke="#a3121f" stroke-width="1.5"/>'
        )
        parts.append(
            _t(
                ax,
                _TOP + 9,
                f"alarm at look {watch.alarm_look}",
                anchor="middle",
                extra=' fill="#a3121f" font-weight="bold"',
            )
        )
    step = max(1, math.ceil(last / 10))
    for look in range(step, last + 1, step):
        parts.append(_t(x(look), _H - _BOTTOM + 14, str(look), anchor="middle"))
    parts.append(
        _t((_LEFT + _W - _RIGHT) / 2, _H - 3, "look", anchor="middle", extra=' fill="#555"')
    )
    parts.append("</svg>")
    return "".join(parts)


def _watch_section(watch: WatchState, history: Sequence[Mapping[str, Any]]) -> str:
    interval = "—" if watch.low is None else f"[{_num(watch.low)}, {_num(watch.high)}]"
    notes = "".join(f"<li>{e(n)}</li>" for n in watch.notes)
    method = _METHODS.get(watch.method, watch.method)
    rows = [
        ("state", f'<span class="watch-state {STATE_CLASS[watch.state]}">{e(watch.state)}</span>'),
        ("error budget left", f"{watch.remaining:.3g} of {watch.alpha:.3g}"),
        (
            "threshold",
            f"{watch.threshold:.4g} (release estimate {watch.reference:.4g} "
            f"{'−' if watch.goal == 'higher' else '+'} margin {watch.margin:.4g}; "
            f"{e(watch.goal)} is better)",
        ),
        ("looks", str(watch.looks)),
        ("scores", str(watch.n)),
        ("estimate [interval]", f"{_num(watch.estimate)} {interval}"),
    ]
    if watch.estimate_outside:
        rows.append(("estimate outside the interval", e(watch.estimate_outside)))
    if watch.alarm_look is not None:
        rows.append(("alarm", f"at look {watch.alarm_look}"))
    table = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows)
    return (
        f'<section class="watch"><h3>{e(watch.name)}</h3><table class="meta">{table}</table>'
        f'<div class="chart">{watch_chart_svg(watch, history)}</div>'
        f'<p class="method">Method: {e(watch.method)} — {e(method)}; α {watch.alpha:.3g} for '
        "this watch, valid at every look at once.</p>"
        + (f'<ul class="methods">{notes}</ul>' if notes else "")
        + "</section>"
    )


def monitor_watch_body(status: MonitorStatus, history: Sequence[Mapping[str, Any]]) -> str:
    """The monitor's summary and one section per watch, as an HTML fragment (no style attribute,
    no script)."""
    summary = (
        f'<table class="meta"><tr><td>monitor</td><td>{e(status.name)}</td></tr>'
        f"<tr><td>decision</td><td>{e(status.decision_id)}</td></tr>"
        f'<tr><td>state</td><td><span class="monitor-state {STATE_CLASS[status.state]}">'
        f"{e(status.state)}</span></td></tr>"
        f"<tr><td>error budget left</td><td>{status.remaining:.3g} of {status.alpha:.3g} "
        "(Bonferroni across its watches)</td></tr>"
        f"<tr><td>looks</td><td>{status.looks}</td></tr>"
        f"<tr><td>last look</td><td>{e(status.last_look_at or 'none yet')}</td></tr>"
        f"<tr><td>challenges</td><td>{e(', '.join(map(str, status.challenges)) or 'none')}"
        "</td></tr></table>"
    )
    shown = len(history)
    note = (
        f'<p class="note">The charts show the newest {shown} of {status.looks} looks.</p>'
        if shown < status.looks
        else ""
    )
    return summary + note + "".join(_watch_section(w, history) for w in status.watches)


def monitor_watch_report_html(status: MonitorStatus, history: Sequence[Mapping[str, Any]]) -> str:
    """The whole report as one self-contained HTML document (no scripts, no external
    resources)."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Monitor {e(status.name)}</title><style>{CSS}</style></head><body>"
        f"<h1>Monitor {e(status.name)}: quality watches over time</h1>"
        f"{monitor_watch_body(status, history)}"
        "<p>Each watch's interval is an anytime-valid confidence sequence: the chance that it "
        "ever alarms while the release evidence holds stays below the watch's α however many "
        "looks are taken. ok: the whole interval is on the good side of the threshold; alarm: "
        "the whole interval is on the bad side; inconclusive: it straddles the threshold.</p>"
        "</body></html>"
    )
