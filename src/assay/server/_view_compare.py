"""One comparison as dashboard HTML: forest plots and the results table of the reports
(intervals, adjusted p-values), the 2×2 of paired outcomes with links to its examples, and the
manifest difference (all fields, or only those that differ)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from typing import TYPE_CHECKING

from assay.reports import RESULT_HEADERS, forest_svg, method_index, methods_section, results_rows
from assay.server._layout import e, table
from assay.server._view_flips import Kind, Quadrant

if TYPE_CHECKING:
    from assay.core import Comparison, Run

__all__ = ["comparison_body", "flatten", "manifest_table"]

ExampleLink = Callable[[str, Kind], str] | None
"""Builds the URL of a 2×2 cell's examples (metric, kind); None: no links (static copy)."""


def flatten(value: object, prefix: str = "") -> dict[str, object]:
    """Nested mappings as ``a.b.c`` → leaf value."""
    out: dict[str, object] = {}
    if isinstance(value, dict) and value:
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    else:
        out[prefix] = value
    return out


def manifest_table(base: Run, cand: Run, *, only_differences: bool) -> tuple[str, int]:
    """The two manifests field by field, and how many fields differ."""
    a = flatten(base.manifest.model_dump(mode="json"))
    b = flatten(cand.manifest.model_dump(mode="json"))
    rows, differing = [], 0
    for path in sorted(set(a) | set(b)):
        va, vb = a.get(path, "—"), b.get(path, "—")
        differs = va != vb
        differing += differs
        if only_differences and not differs:
            continue
        mark = '<span class="differs">≠</span>' if differs else ""
        rows.append([f"{e(path)} {mark}", e(va), e(vb)])
    return table(["Field", "Baseline", "Candidate"], rows, cls="manifest"), differing


def _cell(q: Quadrant, kind: Kind, count: int | None, link: ExampleLink) -> str:
    if count is None:
        return "—"
    text = f'<span class="n n-{kind}">{count:,}</span>'
    if link is None or count == 0:
        return text
    return f'<a href="{e(link(q.metric, kind))}">{text}</a>'


def flips_table(quads: list[Quadrant], link: ExampleLink) -> str:
    """Per metric: improved, regressed, both right, both wrong (or unchanged)."""
    rows = [
        [
            e(q.metric),
            _cell(q, "improved", q.improved, link),
            _cell(q, "regressed", q.regressed, link),
            _cell(q, "both_right", q.both_right, link),
            _cell(q, "both_wrong", q.both_wrong, link),
            _cell(q, "unchanged", q.unchanged, link) if q.both_right is None else "",
        ]
        for q in quads
    ]
    return table(
        ["Metric", "Improved", "Regressed", "Both right", "Both wrong", "Unchanged"],
        rows,
        numeric=(1, 2, 3, 4, 5),
        cls="flips2x2",
    )


def comparison_body(
    c: Comparison,
    quads: list[Quadrant],
    manifest_html: str,
    *,
    link: ExampleLink,
    anchor: str = "c1",
) -> str:
    """The forest plot, results table, 2×2 of flips and manifest section of ``c``."""
    index = method_index(c)
    panels = "".join(
        '<div class="chart">' + forest_svg(metric, list(group), index.ref) + "</div>"
        for metric, group in groupby(c.results, key=lambda r: r.metric)
    )
    results = table(
        list(RESULT_HEADERS),
        results_rows(c.results, index),
        numeric=(2, 3, 4, 5, 8, 9, 10),
        cls="results",
    )
    cov = c.coverage
    coverage = (
        f'<p class="note">{cov.shared:,} shared examples ({cov.baseline_only:,} only in the '
        f"baseline, {cov.candidate_only:,} only in the candidate); {c.confidence:.0%} intervals."
        "</p>"
    )
    return (
        f'<section id="{e(anchor)}-forest" class="forest"><h3>Differences by metric and slice</h3>'
        '<p class="note">Candidate minus baseline with its interval; a filled marker means the '
        f"interval excludes 0.</p>{coverage}{panels}</section>"
        f'<section id="{e(anchor)}-results"><h3>Results by slice</h3>{results}</section>'
        f'<section id="{e(anchor)}-flips"><h3>Paired outcomes</h3>'
        '<p class="note">Examples both runs scored, by how the candidate did against the '
        f"baseline.</p>{flips_table(quads, link)}</section>"
        f'<section id="{e(anchor)}-manifest"><h3>Manifest</h3>{manifest_html}</section>'
        + methods_section(c, index).replace('id="methods"', f'id="{e(anchor)}-methods"', 1)
    )
