"""Inline SVG charts written by hand: a forest plot of differences and a slice heat map.

The charts are black on white with their numbers written out, so they read on paper and
without colour. Coordinates are rounded to one decimal to keep the markup small. Every piece
of text is escaped, its control and bidirectional characters shown as visible symbols
(:func:`assay.core.printable`, with no line breaks kept), so the SVG is well-formed XML.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape as html_escape

from assay.core import MetricComparison, printable
from assay.reports._content import HeatMap, ReportLimits, is_small
from assay.reports._format import (
    Units,
    diff_number,
    diff_text,
    direction,
    good_difference,
    metric_units,
    number,
    slice_label,
    units_of,
)

__all__ = ["Scale", "forest_svg", "heat_map_svg", "nice_ticks", "tick_decimals"]

_FONT = 'font-family="Helvetica,Arial,sans-serif"'
_ROW = 18
_LABEL_CHARS = 38


@dataclass(frozen=True)
class Scale:
    """A linear map from the data interval ``[lo, hi]`` to pixels ``[a, b]``, clipped at the ends."""

    lo: float
    hi: float
    a: float
    b: float

    def __call__(self, x: float) -> float:
        if math.isnan(x):
            return self.a
        x = min(max(x, self.lo), self.hi)
        return self.a + (x - self.lo) / (self.hi - self.lo) * (self.b - self.a)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2 or 5 × 10^k) covering ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * step:
        ticks.append(round(k * step, 12))
        k += 1
    return ticks


def tick_decimals(ticks: Sequence[float]) -> int:
    """The fewest decimals that write every tick differently (a tick step of 0.05 needs 2)."""
    for d in range(0, 7):
        labels = [f"{t:.{d}f}" for t in ticks]
        if len(set(labels)) == len(labels) and all(
            math.isclose(float(label), t, abs_tol=1e-12)
            for label, t in zip(labels, ticks, strict=True)
        ):
            return d
    return 6


def _f(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _escape(text: str) -> str:
    """Text for an SVG text node or attribute: one line, visible controls, XML-escaped."""
    return html_escape(printable(text, keep=""), quote=True)


def _t(x: float, y: float, text: str, *, anchor: str = "start", extra: str = "") -> str:
    a = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return f'<text x="{_f(x)}" y="{_f(y)}"{a}{extra}>{_escape(text)}</text>'


def _short(text: str, limit: int = _LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _domain(results: Sequence[MetricComparison]) -> tuple[float, float]:
    values = [0.0]
    for r in results:
        values += [
            v
            for v in (r.difference.low, r.difference.high, r.difference.estimate)
            if math.isfinite(v)
        ]
    lo, hi = min(values), max(values)
    if hi - lo == 0:
        pad = abs(hi) * 0.1 or 1.0
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


def forest_svg(
    metric: str,
    results: Sequence[MetricComparison],
    ref: Callable[[str | None], int | None],
    *,
    margin: float | None = None,
    flagged: Sequence[str] = (),
    open_labels: Sequence[str] = (),
    everyone: str = "all examples",
) -> str:
    """One forest panel: a row per result of ``metric`` with its difference and interval.

    The axis is in the metric's units (percentage points for a proportion, ms for latency).
    The marker is filled when the interval excludes 0; the right column writes the difference,
    its interval, the method's footnote number and whether it is better or worse for the
    candidate in the metric's good direction. ``margin`` (in the metric's units) is drawn as
    a red line at the worst difference a non-inferiority rule accepts; rows whose label is in
    ``flagged`` (failed a blocking rule) are shaded red, in ``open_labels`` (left a blocking
    rule open) amber. ``everyone`` labels the overall row.
    """
    width, x0, x1, tx = 940, 270, 620, 632
    top, n = 40, len(results)
    height = top + n * _ROW + 8
    goal = results[0].goal if results else "higher"
    units = metric_units(results).get(metric) if results else None
    factor = 100.0 if units is not None and units.percent else 1.0
    unit = f", {units.difference_unit}" if units is not None and units.difference_unit else ""
    bad = None if margin is None else (-margin if goal == "higher" else margin)
    lo, hi = _domain(results)
    if bad is not None and math.isfinite(bad):
        lo, hi = min(lo, bad * 1.05), max(hi, bad * 1.05)
    scale = Scale(lo, hi, x0, x1)
    out = [
        f'<svg class="forest" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" {_FONT} font-size="11">',
        f"<title>{_escape(f'Forest plot of {metric}: candidate minus baseline')}</title>",
        _t(4, 14, metric, extra=' font-weight="bold" font-size="13"'),
        _t(
            x0,
            14,
            f"difference, candidate − baseline{unit} ({goal} is better)"
            + (
                ""
                if bad is None
                else f"; red line: the margin, {number(bad * factor, 1 if factor == 100 else 3, signed=True)}"
            ),
            extra=' fill="#333"',
        ),
    ]
    # Row shading goes first so the grid, zero and margin lines stay visible over it.
    for i, r in enumerate(results):
        shade = (
            "#fbe3e5"
            if r.label in flagged
            else "#fdf1d8"
            if r.label in open_labels
            else "#f2f2f2"
            if i % 2
            else ""
        )
        if shade:
            out.append(
                f'<rect x="0" y="{_f(top + i * _ROW)}" width="{width}" height="{_ROW}" fill="{shade}"/>'
            )
    grid = []
    ticks = nice_ticks(lo * factor, hi * factor, count=8)
    td = tick_decimals(ticks)
    for tick in ticks:
        x = scale(tick / factor)
        grid.append(f'<line x1="{_f(x)}" y1="{top - 6}" x2="{_f(x)}" y2="{height - 8}"/>')
        out.append(_t(x, top - 10, number(tick, td, signed=tick != 0), anchor="middle"))
    out.append(f'<g stroke="#ccc" stroke-width="0.5">{"".join(grid)}</g>')
    zero = scale(0.0)
    out.append(
        f'<line x1="{_f(zero)}" y1="{top - 6}" x2="{_f(zero)}" y2="{height - 8}" '
        'stroke="#000" stroke-dasharray="4 3"/>'
    )
    if bad is not None and math.isfinite(bad):
        xm = scale(bad)
        out.append(
            f'<line class="margin" x1="{_f(xm)}" y1="{top - 6}" x2="{_f(xm)}" '
            f'y2="{height - 8}" stroke="#a3121f" stroke-width="1.5"/>'
        )
    rows = []
    for i, r in enumerate(results):
        y = top + i * _ROW + _ROW / 2
        label = slice_label(r, everyone) + (
            f" (n={r.n:,})" if r.slice_attribute is not None else ""
        )
        rows.append(_t(x0 - 10, y + 4, _short(label), anchor="end"))
        a, b = scale(r.difference.low), scale(r.difference.high)
        rows.append(
            f'<line x1="{_f(a)}" y1="{_f(y)}" x2="{_f(b)}" y2="{_f(y)}" stroke="#000" stroke-width="1.5"/>'
        )
        for bound, xb in ((r.difference.low, a), (r.difference.high, b)):
            if math.isinf(bound):
                rows.append(_t(xb, y + 4, "…", anchor="middle"))
        way = direction(r)
        fill = "#000" if way != "unclear" else "#fff"
        xe = scale(r.difference.estimate)
        rows.append(
            f'<rect x="{_f(xe - 3.5)}" y="{_f(y - 3.5)}" width="7" height="7" fill="{fill}" stroke="#000"/>'
        )
        num = ref(r.difference.method)
        text = (
            f"{diff_text(r.difference, units or units_of(r))} ({num})"
            + ("" if way == "unclear" else f" {way}")
            + (" — fails a blocking rule" if r.label in flagged else "")
        )
        rows.append(_t(tx, y + 4, text))
    out.append(f"<g>{''.join(rows)}</g>")
    out.append("</svg>")
    return "".join(out)


def _colour(t: float) -> str:
    """White to blue (better) or to red (worse); ``t`` in [-1, 1]."""
    t = max(-1.0, min(1.0, t))
    target = (33, 102, 172) if t >= 0 else (178, 24, 43)
    mix = [round(255 + (c - 255) * abs(t)) for c in target]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def heat_map_svg(
    hm: HeatMap, limits: ReportLimits, units: Mapping[str, Units] | None = None
) -> str:
    """Slice rows × metric columns; the colour is the difference in the metric's good direction.

    Each column is scaled to its largest absolute difference. The difference is written in the
    cell; a heavy border marks an interval that excludes 0; hatching marks a small slice.
    """
    label_w, cell_w, cell_h, head = 230, 76, 20, 96
    cols, rows_n = len(hm.metrics), len(hm.slices)
    # Room for the last rotated metric name, and never narrower than the legend's lines.
    width = max(label_w + cols * cell_w + 110, 600)
    height = head + rows_n * cell_h + 86
    out = [
        f'<svg class="heatmap" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" {_FONT} font-size="10">',
        "<title>Slice heat map: difference, candidate minus baseline, by slice and metric</title>",
        '<defs><pattern id="assay-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#444" '
        'stroke-width="1.2"/></pattern></defs>',
    ]
    scales: dict[str, float] = {}
    for m in hm.metrics:
        cells = [c for (_, _, mm), c in hm.cells.items() if mm == m]
        scales[m] = (
            max(
                (abs(good_difference(c)) for c in cells if math.isfinite(good_difference(c))),
                default=0.0,
            )
            or 1.0
        )
    for j, m in enumerate(hm.metrics):
        x = label_w + j * cell_w + cell_w / 2
        out.append(
            _t(x, head - 6, _short(m, 22), extra=f' transform="rotate(-40 {_f(x)} {head - 6})"')
        )
    body = []
    for i, key in enumerate(hm.slices):
        y = head + i * cell_h
        small = hm.sizes.get(key, 0) < limits.small_slice
        label = f"{key[0]}={key[1]} (n={hm.sizes.get(key, 0):,}{', small' if small else ''})"
        body.append(_t(label_w - 6, y + 14, _short(label, 40), anchor="end"))
        for j, m in enumerate(hm.metrics):
            x = label_w + j * cell_w
            cell = hm.cells.get((*key, m))
            box = f'x="{_f(x + 1)}" y="{_f(y + 1)}" width="{cell_w - 2}" height="{cell_h - 2}"'
            if cell is None:
                body.append(
                    f'<rect {box} fill="#eee"/>' + _t(x + cell_w / 2, y + 14, "—", anchor="middle")
                )
                continue
            g = good_difference(cell)
            t = g / scales[m] if math.isfinite(g) else 0.0
            sig = direction(cell) != "unclear"
            stroke = ' stroke="#000" stroke-width="2"' if sig else ""
            body.append(f'<rect {box} fill="{_colour(t)}"{stroke}/>')
            if is_small(cell, limits):
                body.append(f'<rect {box} fill="url(#assay-hatch)" fill-opacity="0.55"/>')
            ink = "#fff" if abs(t) > 0.6 else "#000"
            u = units[m] if units and m in units else units_of(cell)
            text = diff_number(cell.difference, u, max_decimals=3)
            body.append(_t(x + cell_w / 2, y + 14, text, anchor="middle", extra=f' fill="{ink}"'))
    out.append(f"<g>{''.join(body)}</g>")
    y = head + rows_n * cell_h + 16
    legend = [
        "Cell: difference, candidate − baseline: percentage points for proportions,",
        "ms for latency, otherwise the metric's own units.",
        "Blue: better for the candidate in the metric's good direction; red: worse",
        "(each column scaled to its largest difference). Heavy border: interval excludes 0.",
        f"Hatched: small slice (n < {limits.small_slice}), judged by its width only.",
    ]
    out += [_t(4, y + 14 * k, line) for k, line in enumerate(legend)]
    out.append("</svg>")
    return "".join(out)
