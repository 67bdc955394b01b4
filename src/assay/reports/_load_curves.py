"""Latency–throughput curves of serving load tests, as inline SVG and as a Markdown table.

Each point is one arm (or one run of a rate sweep) at one offered rate: x the achieved rate
(requests sent per second), y a latency percentile with its interval drawn as a vertical bar.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from assay.reports._svg import nice_ticks

__all__ = ["CurvePoint", "latency_curve_markdown", "latency_curve_svg", "with_latency_section"]

_W, _H, _L, _R, _T, _B = 560, 300, 60, 120, 20, 40
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


@dataclass(frozen=True)
class CurvePoint:
    """One latency percentile of one series at one offered rate."""

    series: str
    """``baseline``, ``candidate`` or a run's label."""
    offered: float
    """The target rate, requests per second."""
    achieved: float
    """The achieved send rate, requests per second."""
    metric: str
    """E.g. ``ttft_p99_ms``."""
    estimate: float
    low: float
    high: float
    method: str


def _fmt(x: float) -> str:
    return f"{x:.4g}" if math.isfinite(x) else ("∞" if x > 0 else "−∞")


def latency_curve_svg(points: Sequence[CurvePoint], metric: str) -> str:
    """One chart: ``metric`` against the achieved rate, one line per series."""
    pts = [p for p in points if p.metric == metric and math.isfinite(p.estimate)]
    if not pts:
        return ""
    xs = [p.achieved for p in pts]
    ys = [v for p in pts for v in (p.low, p.estimate, p.high) if math.isfinite(v)]
    xt = nice_ticks(0.0, max(xs) * 1.05)
    yt = nice_ticks(0.0, max(ys) * 1.05)
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]

    def sx(x: float) -> float:
        return _L + (x - x0) / ((x1 - x0) or 1.0) * (_W - _L - _R)

    def sy(y: float) -> float:
        return _H - _B - (y - y0) / ((y1 - y0) or 1.0) * (_H - _T - _B)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img" '
        f'aria-label="{html.escape(metric)} against achieved rate">',
        f'<line x1="{_L}" y1="{_H - _B}" x2="{_W - _R}" y2="{_H - _B}" stroke="#444"/>',
        f'<line x1="{_L}" y1="{_T}" x2="{_L}" y2="{_H - _B}" stroke="#444"/>',
    ]
    for t in xt:
        parts.append(
            f'<text x="{sx(t):.1f}" y="{_H - _B + 14}" font-size="10" text-anchor="middle">{t:g}</text>'
        )
    for t in yt:
        parts.append(
            f'<text x="{_L - 4}" y="{sy(t) + 3:.1f}" font-size="10" text-anchor="end">{t:g}</text>'
        )
    parts.append(
        f'<text x="{(_L + _W - _R) / 2}" y="{_H - 6}" font-size="11" text-anchor="middle">achieved rate, requests/s</text>'
    )
    parts.append(f'<text x="12" y="{_T + 4}" font-size="11">{html.escape(metric)}</text>')
    series = list(dict.fromkeys(p.series for p in pts))
    for i, name in enumerate(series):
        colour = _COLOURS[i % len(_COLOURS)]
        mine = sorted((p for p in pts if p.series == name), key=lambda p: p.achieved)
        path = " ".join(f"{sx(p.achieved):.1f},{sy(p.estimate):.1f}" for p in mine)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
        )
        for p in mine:
            top = sy(p.high) if math.isfinite(p.high) else _T
            parts.append(
                f'<line x1="{sx(p.achieved):.1f}" y1="{sy(p.low):.1f}" x2="{sx(p.achieved):.1f}" '
                f'y2="{top:.1f}" stroke="{colour}"/><circle cx="{sx(p.achieved):.1f}" '
                f'cy="{sy(p.estimate):.1f}" r="3" fill="{colour}"><title>'
                f"{html.escape(name)} at {p.offered:g}/s: {_fmt(p.estimate)} "
                f"[{_fmt(p.low)}, {_fmt(p.high)}]</title></circle>"
            )
        parts.append(
            f'<text x="{_W - _R + 8}" y="{_T + 14 * (i + 1)}" font-size="11" '
            f'fill="{colour}">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def latency_curve_markdown(points: Sequence[CurvePoint]) -> str:
    """A table: series, offered and achieved rate, each metric with its interval."""
    metrics = list(dict.fromkeys(p.metric for p in points))
    keys = list(dict.fromkeys((p.series, p.offered) for p in points))
    head = ["series", "offered /s", "achieved /s", *metrics]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for series, offered in keys:
        row = {p.metric: p for p in points if (p.series, p.offered) == (series, offered)}
        first = next(iter(row.values()))
        cells = [
            f"{_fmt(row[m].estimate)} [{_fmt(row[m].low)}, {_fmt(row[m].high)}]" if m in row else ""
            for m in metrics
        ]
        lines.append(
            f"| {series} | {offered:g} | {first.achieved:.3g} | " + " | ".join(cells) + " |"
        )
    methods = sorted({p.method for p in points})
    return "\n".join(lines) + "\n\nIntervals: " + "; ".join(methods) + ".\n"


def with_latency_section(page: str, points: Sequence[CurvePoint], notes: Sequence[str]) -> str:
    """``page`` (a report's HTML) with a latency–throughput section before its footer."""
    charts = "".join(latency_curve_svg(points, m) for m in dict.fromkeys(p.metric for p in points))
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    section = (
        "<section><h2>Latency and throughput</h2>"
        f"{charts}<ul>{items}</ul><pre>{html.escape(latency_curve_markdown(points))}</pre></section>"
    )
    at = page.rfind("<footer")
    at = at if at >= 0 else page.rfind("</body>")
    return page[:at] + section + page[at:] if at >= 0 else page + section
