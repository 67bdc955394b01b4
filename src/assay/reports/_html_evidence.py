"""HTML sections for the supporting evidence: flips, errors, latency and cost, manifests, methods."""

from __future__ import annotations

from assay.core import Comparison, Flip
from assay.reports._content import MethodIndex, ReportLimits, resampling_summary
from assay.reports._flips import flip_groups, flip_summary
from assay.reports._format import direction, is_operational, number, stored_text, truncate
from assay.reports._html_parts import cell_difference, cell_values, e, table, untrusted
from assay.reports._kind import OFFLINE, ReportKind

__all__ = [
    "coverage_section",
    "errors_section",
    "flips_section",
    "manifest_section",
    "methods_section",
    "operational_section",
]


def _flip_card(i: int, f: Flip, limits: ReportLimits) -> str:
    fields = (
        ("input", stored_text(f.input)),
        ("reference", stored_text(f.reference)),
        ("baseline output", f.baseline_output),
        ("candidate output", f.candidate_output),
    )
    texts = "".join(
        f'<div class="label">{label}</div><div>{untrusted(text, limits.text_chars)}</div>'
        for label, text in fields
    )
    return (
        f'<div class="flip"><div class="head">{i}. {e(f.example_id)}: '
        f"{number(f.baseline_score, 3)} → {number(f.candidate_score, 3)} "
        f"(change {number(f.change, 3, signed=True)})</div>"
        f'<div class="text">{texts}</div></div>'
    )


def flips_section(c: Comparison, limits: ReportLimits) -> str:
    """Counts per metric and direction, then the shown flips folded by metric and direction.

    Radio buttons and CSS (no script) let the reader show regressions or improvements only.
    """
    if not c.flips and not c.flip_counts:
        return (
            '<section id="flips"><h2>Flipped examples</h2><p class="note">No example changed '
            "outcome between the runs.</p></section>"
        )
    counts = "".join(f"<li>{e(line)}</li>" for line in flip_summary(c, limits))
    groups = []
    for g in flip_groups(c, limits):
        total = f" of {g.total:,}" if g.total is not None else ""
        cards = "".join(_flip_card(i, f, limits) for i, f in enumerate(g.flips, 1))
        kind = "worse" if g.regression else "better"
        groups.append(
            f'<details class="flips-{kind}"><summary>{e(g.metric)}: {len(g.flips):,} '
            f"{g.word} shown{total}</summary>{cards}</details>"
        )
    filters = "".join(
        f'<input type="radio" name="flip-filter" id="flip-{key}"{" checked" if key == "all" else ""}>'
        f'<label for="flip-{key}">{label}</label>'
        for key, label in (
            ("all", "All"),
            ("worse", "Regressions only"),
            ("better", "Improvements only"),
        )
    )
    return (
        f'<section id="flips"><h2>Flipped examples</h2><ul class="counts">{counts}</ul>'
        '<p class="note">Regressions and improvements are listed apart, largest change first. '
        f"Texts are model and data content, shown escaped, cut at {limits.text_chars:,} "
        f'characters.</p><div class="flip-filter">{filters}'
        f'<div class="flip-groups">{"".join(groups)}</div></div></section>'
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
            cell_values(r, "baseline", index),
            cell_values(r, "candidate", index),
            cell_difference(r, index),
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


def coverage_section(c: Comparison, kind: ReportKind = OFFLINE) -> str:
    """How the two runs paired up; for unpaired groups, the units in each group."""
    if not kind.paired:
        return _groups_section(kind)
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
        '<p class="note">Only paired examples enter the comparison.</p>'
        f"{_empty_slices(cov.empty_slices)}</section>"
    )


def _empty_slices(labels: list[str]) -> str:
    if not labels:
        return ""
    names = ", ".join(e(s) for s in labels)
    return f'<p class="note empty-slices">No examples in this comparison (no result): {names}.</p>'


def _groups_section(kind: ReportKind) -> str:
    unit, group = kind.unit.capitalize(), kind.group.capitalize()
    rows = [[e(name), f"{n:,}"] for name, n in kind.group_sizes]
    return (
        f'<section id="coverage"><h2>{unit}s per {kind.group}</h2>'
        f"{table([group, f'{unit}s'], rows, numeric=(1,))}"
        f'<p class="note">{e(kind.basis)}.</p></section>'
    )


def methods_section(c: Comparison, index: MethodIndex, kind: ReportKind = OFFLINE) -> str:
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
        f"<p>All intervals are {c.confidence:.0%} intervals. {e(kind.basis)}; a direction (better / worse) is read from the unadjusted interval of the "
        "difference and is a description, not a gate.</p>"
        f"{general_html}<h3>Methods by footnote</h3>"
        f"<ol class='methods'>{''.join(notes)}</ol></section>"
    )
