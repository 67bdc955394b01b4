"""Small HTML tables for notebooks: what ``_repr_html_`` of a comparison, a verdict, a run and
a list of runs returns.

Jupyter front ends drop ``<style>`` blocks and classes they do not know, so every colour is
an inline ``style`` attribute; every piece of untrusted text (ids, names, reasons, tags) is
escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from assay._util import check_instance
from assay.core import (
    Comparison,
    Interval,
    MetricComparison,
    RunInfo,
    VerdictResult,
)
from assay.reports._content import MethodIndex, check_inputs, method_index
from assay.reports._format import direction, interval_text, pvalue_text, slice_label
from assay.reports._html_parts import cell_interval, e

__all__ = [
    "comparison_html_table",
    "run_html_table",
    "runs_html_table",
    "verdict_html_table",
]

_MAX_ROWS = 30
_MAX_RUN_METRICS = 6
GREEN, RED, AMBER, GREY = "#11612b", "#a3121f", "#8a5a00", "#555555"
#: The colour of each outcome, verdict and direction, as written into the inline styles.
COLOURS = {
    "pass": GREEN,
    "fail": RED,
    "inconclusive": AMBER,
    "SHIP": GREEN,
    "BLOCK": RED,
    "INCONCLUSIVE": AMBER,
    "better": GREEN,
    "worse": RED,
    "unclear": GREY,
}
_CELL = "border:1px solid #bbb;padding:3px 6px;vertical-align:top"
_NUM = _CELL + ";text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int]) -> str:
    # inline styles: a notebook's own stylesheet must not hide the grid or misalign numbers
    head = "".join(
        f'<th style="{_CELL};background:#eee;text-align:left">{e(h)}</th>' for h in headers
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="{_NUM if i in numeric else _CELL}">{c}</td>' for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        '<table style="border-collapse:collapse;margin:6px 0 10px">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _coloured(word: str, colour_key: str) -> str:
    colour = COLOURS.get(colour_key, GREY)
    return f'<span style="color:{colour};font-weight:bold">{e(word)}</span>'


def _difference_cell(r: MetricComparison, index: MethodIndex) -> str:
    colour = COLOURS[direction(r)]
    text = cell_interval(r.difference, index, signed=True)
    return f'<span style="color:{colour}">{text}</span>'


def _decisive_slices(comparison: Comparison) -> list[MetricComparison]:
    """Slice results whose difference interval excludes 0: regressions first, then gains,
    each by adjusted (else raw) p-value, smallest first: what a no-regression rule decides on."""
    shown = [
        r for r in comparison.results if r.slice_attribute is not None and direction(r) != "unclear"
    ]
    return sorted(
        shown,
        key=lambda r: (
            direction(r) != "worse",
            r.p_value if r.p_adjusted is None else r.p_adjusted,
        ),
    )


def comparison_html_table(comparison: Comparison) -> str:
    """The comparison's overall results and the slices whose difference excludes 0, as small
    escaped HTML tables (at most 30 rows each).

    Differences are coloured by direction (green better, red worse, grey when the interval
    holds 0, judged without multiplicity adjustment); intervals carry a footnote number and
    the methods are listed under the tables.
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
            _difference_cell(r, index),
            _coloured(direction(r), direction(r)),
            e(pvalue_text(r.p_value)),
        ]
        for r in overall[:_MAX_ROWS]
    ]
    more = (
        f"<p><em>{len(overall) - _MAX_ROWS} more metrics not shown.</em></p>"
        if len(overall) > _MAX_ROWS
        else ""
    )
    decisive = _decisive_slices(comparison)
    slice_rows = [
        [
            e(r.metric),
            e(slice_label(r)),
            f"{r.n:,}",
            cell_interval(r.baseline, index),
            cell_interval(r.candidate, index),
            _difference_cell(r, index),
            _coloured(direction(r), direction(r)),
            e(pvalue_text(r.p_value)),
            e(pvalue_text(r.p_adjusted)),
        ]
        for r in decisive[:_MAX_ROWS]
    ]
    n_slices = len(comparison.results) - len(overall)
    hidden = n_slices - len(slice_rows)
    slices = (
        "<p><strong>Slices whose difference excludes 0</strong> "
        f"({len(decisive):,} of {n_slices:,}; {hidden:,} not shown)</p>"
        + _table(
            [
                "Metric",
                "Slice",
                "n",
                "Baseline",
                "Candidate",
                "Difference",
                "Direction",
                "p",
                "p adj",
            ],
            slice_rows,
            numeric=(2, 3, 4, 5, 7, 8),
        )
        if slice_rows
        else f"<p>No slice difference excludes 0 ({n_slices:,} slice results).</p>"
    )
    shown = overall[:_MAX_ROWS] + decisive[:_MAX_ROWS]
    used = {
        index.ref(m)
        for r in shown
        for m in (r.baseline.method, r.candidate.method, r.difference.method)
    }
    notes = "; ".join(f"{num}: {e(method)}" for num, method, _, _ in index.entries() if num in used)
    caption = (
        f"<p><strong>{e(comparison.candidate_model)}</strong> vs "
        f"<strong>{e(comparison.baseline_model)}</strong> on {e(comparison.suite_name)}: "
        f"{comparison.coverage.shared:,} paired examples, {comparison.confidence:.0%} intervals."
        "</p>"
    )
    if comparison.coverage.empty_slices:
        names = ", ".join(e(label) for label in comparison.coverage.empty_slices)
        caption += f"<p>No examples in this comparison (no result): {names}.</p>"
    headers = ["Metric", "n", "Baseline", "Candidate", "Difference", "Direction", "p"]
    return (
        f"<div>{caption}{_table(headers, rows, numeric=(1, 2, 3, 4, 6))}{more}{slices}"
        f"<p><small>Methods: {notes}</small></p></div>"
    )


def verdict_html_table(verdict: VerdictResult) -> str:
    """The verdict, its summary and every rule's outcome (coloured), with the evidence each
    rule used (the labels of the comparison results: which slices decided)."""
    check_instance(
        verdict, "verdict", "verdict_html_table", VerdictResult, "an assay.core.VerdictResult"
    )
    rows = [
        [
            e(r.tier),
            f"{e(r.rule)}<br><small>{e(r.kind)}</small>",
            e(r.metric) + (f" on {e(r.slice)}" if r.slice else ""),
            _coloured(r.outcome.upper(), r.outcome),
            "blocking" if r.blocking else "reported only",
            e(r.reason),
            "<br>".join(e(label) for label in r.evidence),
            e(r.to_settle) if r.to_settle else "",
        ]
        for r in verdict.rules
    ]
    word = verdict.verdict.value
    headers = [
        "Tier",
        "Rule",
        "Metric / slice",
        "Outcome",
        "Blocking",
        "Reason",
        "Evidence",
        "To settle",
    ]
    return (
        f'<div><p><span style="color:{COLOURS[word]};font-weight:bold;font-size:1.3em">'
        f"{e(word)}</span> — {e(verdict.summary)} <small>(policy {e(verdict.policy)})</small></p>"
        f"{_table(headers, rows, numeric=())}</div>"
    )


def _summary_interval(run: RunInfo, metric: str) -> str:
    s = run.metrics[metric]
    return e(interval_text(Interval(estimate=s.estimate, low=s.low, high=s.high, method=s.method)))


def run_html_table(run: RunInfo) -> str:
    """A run: model, suite, records, and every metric with its interval, n and method."""
    check_instance(run, "run", "run_html_table", RunInfo, "an assay.core.RunInfo")
    rows = [
        [
            e(name),
            _summary_interval(run, name),
            f"{s.confidence:.0%}",
            f"{s.n:,}",
            f"{s.n_missing:,}",
            e(s.method),
        ]
        for name, s in run.metrics.items()
    ]
    tags = ", ".join(f"{e(k)}={e(v)}" for k, v in run.tags.items())
    caption = (
        f"<p><strong>{e(run.model.name)}@{e(run.model.version)}</strong> on "
        f"{e(run.suite_name)} <small>{e(run.suite_digest[:12])}</small>: run "
        f"<code>{e(run.run_id[:12])}</code>, {e(run.status)}, {run.n_records:,} records, "
        f"{run.n_examples:,} examples, {run.n_errors:,} errors, created "
        f"{e(run.created_at.strftime('%Y-%m-%d %H:%M'))} UTC"
        + (f"; tags {tags}" if tags else "")
        + ".</p>"
    )
    headers = ["Metric", "Estimate [interval]", "Confidence", "n", "Missing", "Method"]
    return f"<div>{caption}{_table(headers, rows, numeric=(1, 2, 3, 4))}</div>"


def _more(count: int, noun: str) -> str:
    return f"{count:,} more {noun}{'' if count == 1 else 's'} not shown"


def runs_html_table(runs: Sequence[RunInfo]) -> str:
    """A list of runs, one row each, with up to six metrics' estimates and intervals."""
    for run in runs:
        check_instance(run, "runs", "runs_html_table", RunInfo, "a list of assay.core.RunInfo")
    metrics = list(dict.fromkeys(m for run in runs for m in run.metrics))
    shown = metrics[:_MAX_RUN_METRICS]
    rows = [
        [
            f"<code>{e(run.run_id[:12])}</code>",
            f"{e(run.model.name)}@{e(run.model.version)}",
            e(run.suite_name),
            e(run.created_at.strftime("%Y-%m-%d %H:%M")),
            f"{run.n_records:,}",
            *[_summary_interval(run, m) if m in run.metrics else "—" for m in shown],
            ", ".join(f"{e(k)}={e(v)}" for k, v in run.tags.items()),
        ]
        for run in runs[:_MAX_ROWS]
    ]
    notes = []
    if len(runs) > _MAX_ROWS:
        notes.append(_more(len(runs) - _MAX_ROWS, "run"))
    if len(metrics) > len(shown):
        notes.append(_more(len(metrics) - len(shown), "metric"))
    more = f"<p><em>{e('; '.join(notes))}.</em></p>" if notes else ""
    headers = ["Run", "Model", "Suite", "Created (UTC)", "Records", *shown, "Tags"]
    numeric = tuple(range(4, 5 + len(shown)))
    return f"<div><p>{len(runs):,} runs</p>{_table(headers, rows, numeric)}{more}</div>"
