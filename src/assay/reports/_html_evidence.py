"""HTML sections for the supporting evidence: flips, errors, latency and cost, manifests, methods."""

from __future__ import annotations

from assay.core import Comparison
from assay.reports._content import MethodIndex, ReportLimits, resampling_summary
from assay.reports._format import direction, is_operational, number, truncate
from assay.reports._html_parts import cell_interval, e, table, untrusted

__all__ = [
    "coverage_section",
    "errors_section",
    "flips_section",
    "manifest_section",
    "methods_section",
    "operational_section",
]


def flip_kind(goal: str | None, baseline: float, candidate: float) -> str:
    """``regression`` or ``improvement`` in the metric's good direction, ``change`` if unknown."""
    if goal is None or baseline == candidate:
        return "change"
    up = candidate > baseline
    return "improvement" if up == (goal == "higher") else "regression"


def flips_section(c: Comparison, limits: ReportLimits) -> str:
    """The first ``limits.flips`` flipped examples with their texts escaped and cut."""
    if not c.flips:
        return (
            '<section id="flips"><h2>Flipped examples</h2><p class="note">No example changed '
            "outcome between the runs.</p></section>"
        )
    goals = {r.metric: r.goal for r in c.results}
    shown = c.flips[: limits.flips]
    note = f"{len(shown):,} of {len(c.flips):,} flipped examples shown, largest regressions first."
    if len(shown) < len(c.flips):
        note += f" {len(c.flips) - len(shown):,} more are in the comparison record."
    cards = []
    for i, f in enumerate(shown, 1):
        kind = flip_kind(goals.get(f.metric), f.baseline_score, f.candidate_score)
        fields = (
            ("input", f.input),
            ("reference", f.reference),
            ("baseline output", f.baseline_output),
            ("candidate output", f.candidate_output),
        )
        texts = "".join(
            f'<div class="label">{label}</div><div>{untrusted(text, limits.text_chars)}</div>'
            for label, text in fields
        )
        cards.append(
            f'<div class="flip"><div class="head">{i}. {e(f.example_id)} — {e(f.metric)}: '
            f"{number(f.baseline_score, 3)} → {number(f.candidate_score, 3)} ({kind})</div>"
            f'<div class="text">{texts}</div></div>'
        )
    return (
        f'<section id="flips"><h2>Flipped examples</h2><p class="note">{e(note)} Texts are '
        f"model and data content, shown escaped, cut at {limits.text_chars:,} characters."
        f"</p>{''.join(cards)}</section>"
    )


def errors_section(c: Comparison) -> str:
    """Errors and missing scores of each run."""
    if not c.errors:
        return (
            '<section id="errors"><h2>Errors</h2><p class="note">The comparison recorded no '
            "error counts.</p></section>"
        )
    rows = []
    for role, err in c.errors.items():
        missing = ", ".join(f"{m}: {n:,}" for m, n in sorted(err.missing_scores.items()) if n)
        rows.append(
            [
                e(role),
                f"{err.records:,}",
                f"{err.errors:,}",
                f"{err.error_rate:.2%}",
                e(missing or "none"),
            ]
        )
    return (
        '<section id="errors"><h2>Errors</h2>'
        f"{table(['Run', 'Records', 'Errors', 'Error rate', 'Missing scores'], rows, numeric=(1, 2, 3))}"
        "</section>"
    )


def operational_section(c: Comparison, index: MethodIndex) -> str:
    """Latency, cost and token metrics over all examples."""
    found = [r for r in c.results if r.slice_attribute is None and is_operational(r.metric)]
    if not found:
        return (
            '<section id="latency-cost"><h2>Latency and cost</h2><p class="note">The comparison '
            "has no latency, cost or token metric.</p></section>"
        )
    rows = [
        [
            e(r.metric),
            f"{e(r.goal)} is better",
            cell_interval(r.baseline, index),
            cell_interval(r.candidate, index),
            cell_interval(r.difference, index, signed=True),
            e(direction(r)),
        ]
        for r in found
    ]
    headers = ["Metric", "Goal", "Baseline", "Candidate", "Difference", "Direction"]
    return (
        '<section id="latency-cost"><h2>Latency and cost</h2>'
        f"{table(headers, rows, numeric=(2, 3, 4))}</section>"
    )


def _value(value: object, limit: int) -> str:
    if value is None:
        return '<span class="note">absent</span>'
    shown, full = truncate(str(value), limit)
    return e(shown) + (f'<span class="note"> … ({full:,} characters)</span>' if full else "")


def manifest_section(c: Comparison, limits: ReportLimits) -> str:
    """Fields that differ between the runs' manifests."""
    diffs = c.manifest_differences
    if not diffs:
        return (
            '<section id="manifest"><h2>Manifest differences</h2><p class="note">The manifests '
            "agree on everything compared.</p></section>"
        )
    shown = diffs[: limits.manifest_rows]
    rows = [
        [
            e(d.get("path", "")),
            _value(d.get("a"), limits.value_chars),
            _value(d.get("b"), limits.value_chars),
        ]
        for d in shown
    ]
    note = (
        f'<p class="note">{len(shown):,} of {len(diffs):,} differences shown.</p>'
        if len(shown) < len(diffs)
        else ""
    )
    return (
        '<section id="manifest"><h2>Manifest differences</h2>'
        f"{note}{table(['Field', 'Baseline', 'Candidate'], rows)}</section>"
    )


def coverage_section(c: Comparison) -> str:
    """How the two runs paired up."""
    cov = c.coverage
    share = cov.shared / cov.suite_examples if cov.suite_examples else 0.0
    rows = [
        ["Examples in the suite", f"{cov.suite_examples:,}"],
        ["Paired (in both runs)", f"{cov.shared:,} ({share:.1%} of the suite)"],
        ["Only in the baseline", f"{cov.baseline_only:,}"],
        ["Only in the candidate", f"{cov.candidate_only:,}"],
    ]
    return (
        '<section id="coverage"><h2>Coverage</h2>'
        f"{table(['', 'Examples'], rows, numeric=(1,))}"
        '<p class="note">Only paired examples enter the comparison.</p></section>'
    )


def methods_section(c: Comparison, index: MethodIndex) -> str:
    """Every statistical method used, with resamples and seeds; the footnotes' targets."""
    general = "".join(f"<li>{e(m)}</li>" for m in c.methods)
    general += "".join(f"<li>Resampling: {e(line)}.</li>" for line in resampling_summary(c))
    general_html = f"<ul class='methods'>{general}</ul>" if general else ""
    notes = []
    for num, method, uses, resampling in index.entries():
        extra = f"; {e(resampling)}" if resampling else ""
        notes.append(
            f'<li id="method-{num}" value="{num}">{e(method)} '
            f'<span class="note">(used by {uses:,} estimates or tests{extra})</span></li>'
        )
    return (
        '<section id="methods"><h2>Methods</h2>'
        f"<p>All intervals are {c.confidence:.0%} intervals. Comparisons are paired by example "
        "id; a direction (better / worse) is read from the unadjusted interval of the "
        "difference and is a description, not a gate.</p>"
        f"{general_html}<h3>Methods by footnote</h3>"
        f"<ol class='methods'>{''.join(notes)}</ol></section>"
    )
