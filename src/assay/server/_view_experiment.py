"""Stored A/B readouts as HTML: the lift with its interval, and an inline SVG of the
cumulative lift per readout over time (every text escaped, no style attributes)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from assay.reports import Scale, nice_ticks, tick_decimals
from assay.server._layout import e

__all__ = ["lift_svg", "lift_text", "pct", "users_text"]

_WIDTH, _HEIGHT = 760, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 740, 30, 220
_SHADES = ("#000", "#1f5fa3", "#a3121f", "#2e7d32", "#6a1b9a")


def pct(x: float | None, *, signed: bool = True) -> str:
    """A share as a percentage (``+4.0%``); an unbounded side as ``∞``."""
    if x is None:
        return "∞"
    return f"{100 * x:+.1f}%" if signed else f"{100 * x:.1f}%"


def lift_text(arm: Mapping[str, Any]) -> str:
    """``+4.0% [+1.2%, +6.9%]`` (plain text): the relative lift with its interval."""
    if arm.get("lift") is None:
        return "n/a"
    low = "−∞" if arm.get("low") is None else pct(arm["low"])
    return f"{pct(arm['lift'])} [{low}, {pct(arm.get('high'))}]"


def users_text(readout: Mapping[str, Any]) -> str:
    """``control 2,000 / treatment 2,000`` (plain text): users per arm, control first."""
    n = dict(readout.get("n_by_arm") or {})
    control = readout.get("control")
    first = {control: n.pop(control)} if control in n else {}
    return " / ".join(f"{arm} {int(v):,}" for arm, v in {**first, **n}.items())


def _domain(history: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    values = [0.0]
    for h in history:
        for arm in h.get("arms") or []:
            values += [v for k in ("lift", "low", "high") if (v := arm.get(k)) is not None]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or 0.01
    return lo - pad, hi + pad


def lift_svg(history: Sequence[Mapping[str, Any]]) -> str:
    """The relative lift of each treatment at each readout with its interval (a readout is
    cumulative: every user so far), oldest on the left; a dashed line at no change."""
    treatments = list(dict.fromkeys(a["treatment"] for h in history for a in h.get("arms") or []))
    lo, hi = _domain(history)
    y = Scale(lo, hi, _BOTTOM, _TOP)  # higher lift is higher on the page
    step = (_RIGHT - _LEFT) / max(len(history), 1)
    out = [
        f'<svg class="lift" viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" '
        f'height="{_HEIGHT}" role="img" font-family="Helvetica,Arial,sans-serif" font-size="11">',
        "<title>Cumulative relative lift per readout, with its interval</title>",
    ]
    ticks = nice_ticks(lo * 100, hi * 100, count=8)
    decimals = tick_decimals(ticks)
    for tick in ticks:
        ty = y(tick / 100)
        out.append(
            f'<line x1="{_LEFT}" y1="{ty:.1f}" x2="{_RIGHT}" y2="{ty:.1f}" stroke="#ddd"/>'
            f'<text x="{_LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{tick:+.{decimals}f}%</text>"
        )
    zero = y(0.0)
    out.append(
        f'<line x1="{_LEFT}" y1="{zero:.1f}" x2="{_RIGHT}" y2="{zero:.1f}" stroke="#000" '
        'stroke-dasharray="4 3"/>'
    )
    width = step / (len(treatments) + 1)
    for i, h in enumerate(history):
        x0 = _LEFT + i * step
        label = f"{i + 1}: {str(h.get('recorded_at', ''))[:10]}"
        out.append(
            f'<text x="{x0 + step / 2:.1f}" y="{_BOTTOM + 16}" text-anchor="middle">'
            f"{e(label)}</text>"
        )
        for arm in h.get("arms") or []:
            if arm.get("lift") is None or not math.isfinite(arm["lift"]):
                continue
            j = treatments.index(arm["treatment"])
            colour = _SHADES[j % len(_SHADES)]
            x = x0 + width * (j + 1)
            top = y(hi) if arm.get("high") is None else y(arm["high"])
            bottom = y(lo) if arm.get("low") is None else y(arm["low"])
            out.append(
                f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
                f'stroke="{colour}" stroke-width="1.5"/>'
                f'<circle cx="{x:.1f}" cy="{y(arm["lift"]):.1f}" r="3.5" fill="{colour}">'
                f"<title>{e(arm['treatment'])}: {e(lift_text(arm))}</title></circle>"
            )
    for j, t in enumerate(treatments):
        colour = _SHADES[j % len(_SHADES)]
        out.append(
            f'<text x="{_LEFT + 150 * j}" y="16" fill="{colour}">● {e(t[:30])} against control</text>'
        )
    out.append(
        f'<text x="{_RIGHT}" y="{_BOTTOM + 34}" text-anchor="end">readout and day recorded</text>'
    )
    out.append("</svg>")
    return "".join(out)
