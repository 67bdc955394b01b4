"""The scenario coverage page: one self-contained HTML document (no scripts, no external
resources); every name from the registry or the store is escaped."""

from __future__ import annotations

from assay.governance import CoverageReport, SliceCoverage
from assay.reports._html_parts import e, table, visible_document
from assay.reports._style import CSS

__all__ = ["coverage_html"]

_STATUS_CLASS = {
    "covered": "o-pass",
    "too small": "o-inconclusive",
    "no examples": "o-fail",
    "uncovered": "o-fail",
}


def _slice_cells(c: SliceCoverage) -> list[str]:
    clusters = (
        ""
        if c.n_clusters is None
        else f" ({c.n_clusters:,} clusters, design effect {c.design_effect:.2f})"
    )
    return [
        e(c.label),
        e(c.metric),
        f"{c.n:,}{e(clusters)}",
        e(c.width_text(c.half_width_now)),
        e(c.width_text(c.half_width)),
        f"{c.needed_n:,} {c.unit}",
        e(c.planning),
    ]


def coverage_html(report: CoverageReport) -> str:
    """The coverage report as one HTML page: shares, scenarios, too-small slices, method."""
    rows = []
    for s in report.scenarios:
        mapped = "<br>".join(e(c.label) for c in s.slices) or '<span class="note">nothing</span>'
        rows.append(
            [
                e(s.name),
                f"{s.weight:g}",
                f"{s.share:.1%}",
                e(s.owner or "—"),
                f'<span class="{_STATUS_CLASS[s.status]}">{e(s.status)}</span>',
                mapped,
            ]
        )
    scenarios = table(
        ["scenario", "weight", "share", "owner", "status", "covered by"], rows, numeric=(1, 2)
    )
    small = report.too_small
    small_rows = [[e(c.scenario), *_slice_cells(c)] for c in small]
    small_table = (
        table(
            [
                "scenario",
                "suite: slice",
                "metric",
                "n",
                "half-width now",
                "target",
                "needed",
                "planning value",
            ],
            small_rows,
            numeric=(3, 4, 5, 6),
        )
        if small
        else "<p>Every covered slice reaches its precision target.</p>"
    )
    uncovered = report.with_status("uncovered", "no examples")
    missing = (
        "<ul>"
        + "".join(
            f"<li><b>{e(s.name)}</b> ({s.share:.1%} of the weight"
            f"{', owner ' + e(s.owner) if s.owner else ''}): "
            + (
                "no suite mapped"
                if s.status == "uncovered"
                else "the mapped slices hold no example"
            )
            + "</li>"
            for s in uncovered
        )
        + "</ul>"
        if uncovered
        else "<p>Every scenario has stored examples.</p>"
    )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Scenario coverage: {e(report.source)}</title><style>{CSS}</style></head><body>"
        f"<h1>Scenario coverage of {e(report.source)}</h1>"
        f'<p style="font-size:18px">Covered: <b>{report.covered_share:.1%}</b> of the weight; '
        f"with a slice large enough for its precision target: <b>{report.useful_share:.1%}</b>."
        "</p>"
        f'<table class="meta"><tr><td>scenarios</td><td>{len(report.scenarios)}, total weight '
        f"{report.total_weight:g}</td></tr><tr><td>shares</td><td>weight / total weight (weights "
        "need not add up to 1); a scenario with nothing mapped, or whose slices hold no example, "
        "counts as uncovered</td></tr>"
        f"<tr><td>intervals</td><td>{report.confidence:.0%} confidence</td></tr></table>"
        f"<h2>Scenarios</h2>{scenarios}"
        f"<h2>Uncovered</h2>{missing}"
        f"<h2>Slices too small for their target ({len(small)})</h2>{small_table}"
        f"<h2>Method</h2><p>{e(report.method)}.</p></body></html>"
    )
    return visible_document(page)
