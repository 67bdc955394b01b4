"""The monitor report: one self-contained HTML page for a drift result.

A verdict line, the drift table (every column's judged distance with its interval, the margin,
the test's raw and Benjamini-Hochberg adjusted p-values, the verdict and its reason), data
quality findings, a small multiple per column (each distance's interval against the margin,
inline SVG) and a method line per statistic. Every text that came from the data is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from assay.monitor import ColumnDrift, DriftResult
from assay.reports._html_parts import e
from assay.reports._style import CSS
from assay.reports._svg import Scale, _escape, _f, _t

__all__ = ["monitor_report_html"]

_COLOURS = {
    "drifted": "var(--block)",
    "not drifted": "var(--ship)",
    "inconclusive": "var(--inconclusive)",
}
_W, _ROW = 260, 16


def _num(x: float | None, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.{digits}g}"


def _p(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.2g}" if x >= 1e-4 else "< 0.0001"


def column_svg(row: ColumnDrift) -> str:
    """Each distance of a column as an interval on one scale, the margin as a dashed line."""
    measures = [m for m in row.measures if math.isfinite(m.low) and math.isfinite(m.high)]
    height = 14 + _ROW * max(len(measures), 1)
    top = max([row.margin * 2.0] + [m.high for m in measures] + [1e-9])
    scale = Scale(0.0, top, 80.0, _W - 10.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'role="img" aria-label="{_escape(row.column)} distances" font-size="11" '
        'font-family="Helvetica,Arial,sans-serif">'
    ]
    x_margin = scale(row.margin)
    parts.append(
        f'<line x1="{_f(x_margin)}" y1="2" x2="{_f(x_margin)}" y2="{height - 10}" '
        'stroke="#a3121f" stroke-dasharray="3,2"/>'
    )
    parts.append(
        _t(x_margin, height - 1, f"margin {row.margin:g}", anchor="middle", extra=' fill="#555"')
    )
    if not measures:
        parts.append(_t(4, 14, "not judged"))
    for i, m in enumerate(measures):
        y = 10 + i * _ROW
        bold = ' font-weight="bold"' if m.name == row.statistic else ""
        parts.append(_t(4, y + 4, m.name, extra=bold))
        parts.append(
            f'<line x1="{_f(scale(m.low))}" y1="{y}" x2="{_f(scale(m.high))}" y2="{y}" '
            'stroke="#111" stroke-width="2"/>'
        )
        parts.append(f'<circle cx="{_f(scale(m.estimate))}" cy="{y}" r="2.5" fill="#111"/>')
    parts.append("</svg>")
    return "".join(parts)


def _drift_table(rows: Sequence[ColumnDrift]) -> str:
    head = (
        "<tr><th>column</th><th>kind</th><th>verdict</th><th>distance</th><th>estimate [interval]"
        "</th><th>margin</th><th>test</th><th>p</th><th>BH p</th><th>n ref</th><th>n cur</th>"
        "<th>reason</th></tr>"
    )
    body = []
    for r in rows:
        m = r.measure
        est = f"{_num(m.estimate)} [{_num(m.low)}, {_num(m.high)}]" if m else "—"
        reason = r.reason
        if m is not None and m.estimate_outside:
            reason = f"{reason}; {m.estimate_outside}"
        test = r.test.name if r.test else "—"
        p = _p(r.test.p_value) if r.test else "—"
        colour = _COLOURS[r.verdict]
        body.append(
            f"<tr><td>{e(r.column)}</td><td>{e(r.kind)}</td>"
            f'<td style="color:{colour};font-weight:bold">{e(r.verdict)}</td><td>{e(r.statistic)}</td>'
            f'<td class="num">{e(est)}</td><td class="num">{r.margin:g}</td><td>{e(test)}</td>'
            f'<td class="num">{e(p)}</td><td class="num">{e(_p(r.adjusted_p))}</td>'
            f'<td class="num">{r.n_reference}</td><td class="num">{r.n_current}</td><td>{e(reason)}</td></tr>'
        )
    return f"<table>{head}{''.join(body)}</table>"


def _quality(rows: Sequence[ColumnDrift]) -> str:
    items = []
    for r in rows:
        share = r.missing
        missing = (
            f"missing {share.reference:.2%} → {share.current:.2%}"
            if share is not None and math.isfinite(share.reference) and math.isfinite(share.current)
            else ""
        )
        findings = "; ".join(r.quality)
        if findings or (share is not None and share.current and share.current > 0):
            alarm = " <b>(alarm)</b>" if r.quality_alarm else ""
            items.append(f"<li><b>{e(r.column)}</b>: {e(missing)} {e(findings)}{alarm}</li>")
    return f"<ul>{''.join(items)}</ul>" if items else "<p>No data-quality findings.</p>"


def _methods(rows: Sequence[ColumnDrift]) -> str:
    seen: dict[str, str] = {}
    for r in rows:
        for m in r.measures:
            seen.setdefault(f"{r.kind} {m.name}", m.method)
        if r.test is not None:
            seen.setdefault(f"{r.kind} {r.test.name} test", r.test.method)
        if r.missing is not None:
            seen.setdefault("missing share", r.missing.method)
    return (
        "<ul>"
        + "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in sorted(seen.items()))
        + "</ul>"
    )


def monitor_report_html(result: DriftResult) -> str:
    """The whole report as one HTML document (no scripts, no external resources)."""
    colour = _COLOURS[result.verdict]
    drifted = ", ".join(result.drifted) or "none"
    multiples = "".join(
        f'<figure style="display:inline-block;vertical-align:top;margin:4px 10px 8px 0"><figcaption>'
        f'{e(r.column)} — <span style="color:{_COLOURS[r.verdict]}">{e(r.verdict)}</span>'
        f"</figcaption>{column_svg(r)}</figure>"
        for r in result.columns
    )
    added = (
        f"<p>Columns not in the reference (not judged): {e(', '.join(result.added_columns))}</p>"
        if result.added_columns
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Drift: {e(result.current)} against {e(result.reference)}</title><style>{CSS}</style></head><body>"
        f"<h1>Drift of {e(result.current)} against {e(result.reference)}</h1>"
        f'<p style="font-size:18px">Verdict: <b style="color:{colour}">{e(result.verdict)}</b> — '
        f"drifted columns: {e(drifted)}</p>"
        f'<table class="meta"><tr><td>reference</td><td>{e(result.reference)} '
        f"({e(result.reference_digest[:12])}), {result.rows_reference} rows</td></tr>"
        f"<tr><td>current</td><td>{e(result.current)}, {result.rows_current} rows</td></tr>"
        f"<tr><td>intervals</td><td>{result.confidence:.0%} confidence; Benjamini-Hochberg at "
        f"{result.alpha:g} across {len(result.columns)} columns</td></tr></table>"
        f"<h2>Drift by column</h2>{_drift_table(result.columns)}{added}"
        f"<h2>Data quality</h2>{_quality(result.columns)}"
        f"<h2>Distances by column</h2><div>{multiples}</div>"
        f"<h2>Methods</h2>{_methods(result.columns)}"
        "<p>Verdicts are judged on the interval: drifted when the lower bound is above the margin "
        "and the BH-adjusted test rejects; not drifted when the upper bound is below the margin; "
        "inconclusive otherwise.</p></body></html>"
    )
