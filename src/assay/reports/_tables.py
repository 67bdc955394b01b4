"""Small HTML tables for notebooks (what ``_repr_html_`` of a comparison or verdict returns)."""

from __future__ import annotations

from assay._util import check_instance
from assay.core import Comparison, VerdictResult
from assay.reports._content import check_inputs, method_index
from assay.reports._format import direction, pvalue_text
from assay.reports._html import rules_table
from assay.reports._html_parts import cell_interval, e, table

__all__ = ["comparison_html_table", "verdict_html_table"]

_MAX_ROWS = 30


def comparison_html_table(comparison: Comparison) -> str:
    """The comparison's overall results as a small escaped HTML table (at most 30 metrics).

    Intervals carry a footnote number; the methods are listed under the table.
    """
    check_inputs("comparison_html_table", comparison, None)
    index = method_index(comparison)
    overall = [r for r in comparison.results if r.slice_attribute is None]
    rows = [
        [
            e(r.metric),
            f"{r.n:,}",
            cell_interval(r.baseline, index),
            cell_interval(r.candidate, index),
            cell_interval(r.difference, index, signed=True),
            e(direction(r)),
            e(pvalue_text(r.p_value)),
        ]
        for r in overall[:_MAX_ROWS]
    ]
    more = (
        f"<p><em>{len(overall) - _MAX_ROWS} more metrics not shown.</em></p>"
        if len(overall) > _MAX_ROWS
        else ""
    )
    used = {
        m
        for r in overall[:_MAX_ROWS]
        for m in (r.baseline.method, r.candidate.method, r.difference.method)
    }
    notes = "; ".join(
        f"{num}: {e(method)}" for num, method, _, _ in index.entries() if method in used
    )
    n_slices = len(comparison.results) - len(overall)
    caption = (
        f"<p><strong>{e(comparison.candidate_model)}</strong> vs "
        f"<strong>{e(comparison.baseline_model)}</strong> on {e(comparison.suite_name)}: "
        f"{comparison.coverage.shared:,} paired examples, {comparison.confidence:.0%} intervals, "
        f"{n_slices:,} slice results not shown.</p>"
    )
    headers = ["Metric", "n", "Baseline", "Candidate", "Difference", "Direction", "p"]
    return (
        f"<div>{caption}{table(headers, rows, numeric=(1, 2, 3, 4, 6))}{more}"
        f"<p><small>Methods: {notes}</small></p></div>"
    )


def verdict_html_table(verdict: VerdictResult) -> str:
    """The verdict, its summary and every rule's outcome as a small escaped HTML table."""
    check_instance(
        verdict, "verdict", "verdict_html_table", VerdictResult, "an assay.core.VerdictResult"
    )
    return (
        f"<div><p><strong>{e(verdict.verdict.value)}</strong> — {e(verdict.summary)} "
        f"<small>(policy {e(verdict.policy)})</small></p>{rules_table(verdict)}</div>"
    )
