"""The analysis report: discovered slices with their intervals, how many candidates were
tested, the failure taxonomy, the fix list and a contamination summary, as one self-contained HTML page (no scripts, no external resources);
the fix list also as Markdown for a tracker. Every name from the data is escaped."""

from __future__ import annotations

from typing import Any

from assay.analysis import DiscoveredSlice, FailureTaxonomy, FixList, SliceDiscovery
from assay.core import printable
from assay.reports._analysis_sections import (
    contamination_html,
    contamination_markdown,
    suite_checks_html,
    suite_checks_markdown,
    taxonomy_html,
    taxonomy_markdown,
)
from assay.reports._html_parts import e, table, visible_document
from assay.reports._style import CSS

__all__ = ["analysis_html", "fix_list_markdown"]

_SHOWN_IDS = 20


def _iv(x: float, low: float, high: float) -> str:
    return f"{x:+.3f} [{low:+.3f}, {high:+.3f}]"


def _one_line(text: str) -> str:
    """Untrusted text on one Markdown line: control characters (newlines, tabs) as spaces."""
    return "".join(" " if c.isspace() or not c.isprintable() else c for c in printable(text))


def _ids(ids: tuple[str, ...], limit: int = _SHOWN_IDS) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" … and {len(ids) - limit:,} more" if len(ids) > limit else "")


def _plot(slices: tuple[DiscoveredSlice, ...]) -> str:
    """Each slice's effect and interval on one axis through zero, as inline SVG."""
    if not slices:
        return ""
    finite = [v for s in slices for v in (s.low, s.high) if abs(v) != float("inf")]
    hi = max([0.0, *finite]) or 1.0
    lo = min([0.0, *finite])
    width, left, row = 640, 250, 22

    def x(v: float) -> float:
        v = min(max(v, lo), hi)
        return left + (v - lo) / (hi - lo) * (width - left - 20)

    parts = [
        f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{row * len(slices)}" '
        'stroke="#888" stroke-dasharray="3,3"/>'
    ]
    for k, s in enumerate(slices):
        y = row * k + row / 2
        label = s.description if len(s.description) <= 36 else s.description[:35] + "…"
        parts.append(
            f'<text x="4" y="{y + 4:.1f}" font-size="12" font-family="Helvetica,Arial,'
            f'sans-serif">{e(label)}</text>'
            f'<line x1="{x(s.low):.1f}" y1="{y:.1f}" x2="{x(s.high):.1f}" y2="{y:.1f}" '
            'stroke="#b03a2e" stroke-width="2"/>'
            f'<circle cx="{x(s.effect):.1f}" cy="{y:.1f}" r="4" fill="#b03a2e"/>'
        )
    height = row * len(slices)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="effect of each slice with its interval">{"".join(parts)}</svg>'
    )


def _slices_table(d: SliceDiscovery) -> str:
    rows = []
    for s in d.slices:
        merged = "; ".join(s.same_rows_as)
        rows.append(
            [
                e(s.description)
                + (f'<br><span class="note">same rows: {e(merged)}</span>' if merged else ""),
                e(s.n_text().removeprefix("n = ")) + f" ({s.share:.1%} of all)",
                f"{s.mean:.3f}",
                f"{s.rest_mean:.3f}",
                e(_iv(s.effect, s.low, s.high)),
                f"{s.p_value:.2g}",
                f"{s.adjusted_p_value:.2g}",
            ]
        )
    return table(
        [
            "slice",
            "examples",
            "mean",
            "rest",
            f"effect [{d.confidence:.0%} interval]",
            "p",
            "adjusted p",
        ],
        rows,
        numeric=(1, 2, 3, 4, 5, 6),
    )


def _fix_table(fixes: FixList) -> str:
    rows = []
    for k, p in enumerate(fixes.problems, start=1):
        low, high = p.impact_interval
        rows.append(
            [
                str(k),
                e(p.name),
                e(p.source),
                f"{p.size:,} ({p.share:.1%})",
                e(_iv(p.gap, p.gap_low, p.gap_high)),
                e(_iv(p.impact, low, high)),
                f'<span class="note">{e(_ids(p.example_ids, 8))}</span>',
            ]
        )
    return table(
        [
            "rank",
            "problem",
            "source",
            "examples",
            "gap [interval]",
            "impact [interval]",
            "examples (ids)",
        ],
        rows,
        numeric=(0, 3, 4, 5),
    )


def analysis_html(
    discovery: SliceDiscovery,
    fixes: FixList,
    *,
    title: str = "",
    taxonomy: FailureTaxonomy | None = None,
    contamination: dict[str, Any] | None = None,
    suite_checks: dict[str, Any] | None = None,
) -> str:
    """The analysis as one HTML page (with the failure clusters, the summary of a stored
    contamination result and the suite's stored integrity findings, when given)."""
    d = discovery
    runs = ", ".join(f"{k} {v}" for k, v in d.run_ids.items())
    heading = title or f"Where it fails: {d.metric}"
    found = (
        f"{_plot(d.slices)}{_slices_table(d)}"
        if d.slices
        else "<p><b>No slice found.</b> No candidate slice is worse than the rest after the "
        "multiplicity control; this is an answer, not a failure of the analysis.</p>"
    )
    fix = _fix_table(fixes) if fixes.problems else "<p>Nothing to fix: no problem was found.</p>"
    clusters = f", {d.n_clusters:,} clusters (the unit of every test)" if d.n_clusters else ""
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(heading)}</title><style>{CSS}</style></head><body>"
        f"<h1>{e(heading)}</h1>"
        f'<p style="font-size:18px">{e(d.summary())}</p>'
        '<table class="meta">'
        f"<tr><td>runs</td><td>{e(runs or '—')}</td></tr>"
        f"<tr><td>value</td><td>{e(d.value_definition)}</td></tr>"
        f"<tr><td>data</td><td>{d.n:,} examples{e(clusters)}; overall mean "
        f"{d.overall_mean:.4f}</td></tr>"
        f"<tr><td>attributes</td><td>{e(', '.join(d.attributes))}"
        + (f" (binned at {d.bins} quantiles: {e(', '.join(d.binned))})" if d.binned else "")
        + "</td></tr>"
        f"<tr><td>candidates tested</td><td>{d.candidates:,} slices of up to "
        f"{d.max_predicates} predicates with at least {d.min_size} examples inside and "
        f"outside ({d.attribute_sets:,} attribute combinations)"
        + (f"; {d.confirmed_family} taken to the confirming half" if d.control == "split" else "")
        + "</td></tr></table>"
        f"<h2>Slices worse than the rest ({len(d.slices)})</h2>{found}"
        f"{taxonomy_html(taxonomy)}"
        f"<h2>Fix list</h2><p>{e(fixes.to_dict()['ranked_by'])}; slices and failure clusters "
        f"together.</p>{fix}{contamination_html(contamination)}{suite_checks_html(suite_checks)}"
        "<h2>Method</h2><p>Every conjunction of attribute values in the lattice is tested "
        f"against the rest of the examples ({e(d.test)}, two-sided); the family is every "
        f"candidate tested ({d.candidates:,}); control: {e(d.control)} at {d.alpha:g}. A "
        "discovery must be worse than the rest. Slices selecting the same examples are merged "
        "under the shortest description. See docs/analysis.md.</p></body></html>"
    )
    return visible_document(page)


def fix_list_markdown(
    fixes: FixList,
    *,
    max_examples: int = _SHOWN_IDS,
    taxonomy: FailureTaxonomy | None = None,
    contamination: dict[str, Any] | None = None,
    suite_checks: dict[str, Any] | None = None,
) -> str:
    """The fix list as Markdown: a ranked table, then each problem's examples; then the
    failure clusters, the contamination summary and the suite's integrity findings, when
    given."""
    tail = [
        *taxonomy_markdown(taxonomy),
        *contamination_markdown(contamination),
        *suite_checks_markdown(suite_checks),
    ]
    lines = [
        "# Fix list",
        "",
        f"Values: {printable(fixes.what)}",
        "",
        "Ranked by impact = share of examples x error gap (interval: share x gap interval).",
        "",
    ]
    if not fixes.problems:
        return "\n".join([*lines, "No problem found.", "", *tail])
    lines += [
        "| rank | problem | source | examples | gap [interval] | impact [interval] |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for k, p in enumerate(fixes.problems, start=1):
        low, high = p.impact_interval
        name = _one_line(p.name).replace("|", "\\|")
        lines.append(
            f"| {k} | {name} | {p.source} | {p.size:,} ({p.share:.1%}) | "
            f"{_iv(p.gap, p.gap_low, p.gap_high)} | {_iv(p.impact, low, high)} |"
        )
    lines.append("")
    for k, p in enumerate(fixes.problems, start=1):
        lines += [
            f"## {k}. {_one_line(p.name)}",
            "",
            f"{p.method}.",
            "",
            f"Examples: {printable(_ids(p.example_ids, max_examples))}",
            "",
        ]
    return "\n".join([*lines, *tail])
