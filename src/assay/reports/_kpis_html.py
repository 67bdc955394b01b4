"""The team KPI page: one self-contained HTML document (no scripts, no external resources)
with every rate's counts and Wilson interval, the reproduction failures, cycle times, gate
outcomes per week (an inline SVG bar chart) and evaluation cost."""

from __future__ import annotations

from assay.governance import KpiReport, Rate, WeekOutcomes
from assay.reports._html_parts import e, table, visible_document
from assay.reports._style import CSS
from assay.reports._svg import _f, _t

__all__ = ["duration_text", "kpis_html"]

_BAR, _GAP, _HEIGHT = 18, 6, 120
_COLOURS = (("ship", "#11612b"), ("block", "#a3121f"), ("inconclusive", "#8a5a00"))


def duration_text(days: float) -> str:
    """Days as read: ``3.2 d``, ``5.0 h``, ``12 min`` or ``< 1 min``."""
    if days >= 1.0:
        return f"{days:.1f} d"
    if days >= 1.0 / 24.0:
        return f"{days * 24.0:.1f} h"
    minutes = days * 24.0 * 60.0
    return f"{minutes:.0f} min" if minutes >= 1.0 else "< 1 min"


def _rate(r: Rate | None, none: str) -> str:
    return f'<span class="note">{e(none)}</span>' if r is None else e(r.text())


def weeks_svg(weeks: tuple[WeekOutcomes, ...]) -> str:
    """Stacked bars of SHIP, BLOCK and INCONCLUSIVE decisions per ISO week."""
    top = max((w.ship + w.block + w.inconclusive for w in weeks), default=0) or 1
    width = max(40 + len(weeks) * (_BAR + _GAP), 260)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_HEIGHT + 44}" '
        'role="img" aria-label="gate outcomes per week" font-size="10" '
        'font-family="Helvetica,Arial,sans-serif">',
        _t(2, 10, f"{top}"),
        _t(2, _HEIGHT + 4, "0"),
    ]
    for i, w in enumerate(weeks):
        x, y = 30 + i * (_BAR + _GAP), float(_HEIGHT)
        for name, colour in _COLOURS:
            count = getattr(w, name)
            if count:
                h = _HEIGHT * count / top
                y -= h
                parts.append(
                    f'<rect x="{x}" y="{_f(y)}" width="{_BAR}" height="{_f(h)}" fill="{colour}">'
                    f"<title>{e(w.week)}: {count} {name.upper()}</title></rect>"
                )
        parts.append(_t(x, _HEIGHT + 14, w.week[-3:]))
    for i, (name, colour) in enumerate(_COLOURS):  # the legend
        parts.append(_t(30 + i * 70, _HEIGHT + 36, name.upper(), extra=f' fill="{colour}"'))
    parts.append("</svg>")
    return "".join(parts)


def _reproducibility(report: KpiReport) -> str:
    rows = [
        [
            e(d.decision_id[:12]),
            e(d.title),
            e(d.status),
            "<br>".join(f"{e(c.run_id[:12])}: {e(c.status)} — {e(c.reason)}" for c in d.runs),
        ]
        for d in report.reproduced
    ]
    listed = (
        table(["decision", "title", "status", "runs"], rows)
        if rows
        else "<p>No SHIP decision in the period.</p>"
    )
    return (
        f"<p>{_rate(report.reproducibility, 'no SHIP decision could be checked')}: SHIP decisions "
        "whose runs all reproduce (assay reproduce, not recorded), over those checked; a "
        "decision whose model cannot run again here is not checked, not failed.</p>"
        f"<p>Failures: {len(report.failures())}.</p>{listed}"
    )


def _cycle(report: KpiReport) -> str:
    cycle = report.cycle_time
    summary = cycle.summary()
    if summary is None:
        head = "<p>No study has a decision attached in the period.</p>"
    else:
        head = (
            f"<p>Median {duration_text(summary['median'])} (range "
            f"{duration_text(summary['min'])} to {duration_text(summary['max'])}), "
            f"n = {cycle.n} studies: registration to the first decision attached.</p>"
            f'<p class="note">Times: {e(cycle.times())}.</p>'
        )
    rows = [[e(s.study), e(s.decision[:12]), e(duration_text(s.days))] for s in cycle.studies]
    listed = table(["study", "first decision", "time"], rows, numeric=(2,)) if rows else ""
    return f"{head}<p>Open: {cycle.open}; killed before a decision: {cycle.killed}.</p>{listed}"


def _cost(report: KpiReport) -> str:
    rows = []
    for name, field in report.cost_totals.items():
        if field is None:
            rows.append([e(name), '<span class="note">not recorded</span>', "0"])
        else:
            rows.append([e(name), f"{field.total:,.6g}", f"{field.records:,}"])
    return (
        f"<p>Over {len(report.costs)} runs created in the period (sums of the record columns).</p>"
        + table(["field", "total", "records with a value"], rows, numeric=(1, 2))
    )


def kpis_html(report: KpiReport) -> str:
    """The KPI report as one HTML page."""
    period = "all time" if report.since is None else f"since {report.since:%Y-%m-%d %H:%M} UTC"
    if report.empty:
        body = "<p><b>No decisions yet</b> in the period: no KPI can be computed.</p>"
    else:
        week_rows = [
            [e(w.week), str(w.ship), str(w.block), str(w.inconclusive)] for w in report.weeks
        ]
        body = (
            f"<h2>Reproducibility</h2>{_reproducibility(report)}"
            f"<h2>Decision cycle time</h2>{_cycle(report)}"
            "<h2>Regressions caught</h2>"
            f"<p>By gates before release: {_rate(report.caught_by_gates, 'none caught')} — BLOCK "
            f"decisions ({len(report.blocked)}) over BLOCK decisions plus SHIP decisions "
            f"challenged by a monitor after release ({len(report.challenged)}). "
            f"BLOCK decisions shipped anyway by an override approval: {report.overridden}.</p>"
            f"<h2>Gate outcomes per ISO week</h2>{weeks_svg(report.weeks)}"
            + table(["week", "SHIP", "BLOCK", "INCONCLUSIVE"], week_rows, numeric=(1, 2, 3))
            + f"<h2>Evaluation cost</h2>{_cost(report)}"
        )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Team KPIs ({e(period)})</title><style>{CSS}</style></head><body>"
        f"<h1>Team KPIs, {e(period)}</h1><p>{report.n_decisions} decisions in the period. "
        f"Rates show numerator / denominator with a {report.confidence:.0%} Wilson score "
        f"interval.</p>{body}</body></html>"
    )
    return visible_document(page)
