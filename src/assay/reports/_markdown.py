"""The comparison (and verdict) as GitHub-flavoured Markdown: the HTML report's content in tables.

The forest plot becomes the results table and the heat map a table of differences with marks.
Untrusted text is escaped for Markdown (:func:`assay.reports._md_parts.md`) or fenced.
"""

from __future__ import annotations

from collections.abc import Iterable

from assay.core import Comparison, RunInfo, VerdictResult, printable
from assay.gates import Policy
from assay.reports._content import (
    RESULT_HEADERS,
    MethodIndex,
    ReportLimits,
    check_inputs,
    header_rows,
    heat_map,
    is_small,
    method_index,
    resampling_summary,
    run_lookup,
    select_results,
)
from assay.reports._decisive import deciding_evidence, worse_slice_notes
from assay.reports._flips import flip_groups, flip_summary
from assay.reports._format import (
    diff_number,
    diff_text,
    direction,
    is_operational,
    mde_text,
    metric_units,
    number,
    pvalue_text,
    slice_label,
    stored_text,
    units_of,
    values_text,
)
from assay.reports._html import default_title
from assay.reports._kind import OFFLINE, ReportKind
from assay.reports._md_parts import fenced, mark, md, md_table

__all__ = ["md_rules_table", "render_markdown"]

_ARROW = {"better": " ▲", "worse": " ▼", "unclear": ""}


def _header(c: Comparison, title: str, runs: dict[str, RunInfo], kind: ReportKind) -> list[str]:
    rows = header_rows(c, runs, md, kind)
    return [f"# {md(title)}", "", md_table(["", ""], rows)]


def _verdict(c: Comparison, verdict: VerdictResult | None, policy: Policy | None) -> list[str]:
    if verdict is None:
        return [
            "## Verdict: NO VERDICT",
            "",
            "No policy was applied: this report shows the evidence without a ship decision.",
        ]
    counts = {
        o: sum(r.outcome == o for r in verdict.rules) for o in ("pass", "fail", "inconclusive")
    }
    tally = ", ".join(f"{n} {o}" for o, n in counts.items())
    lead = deciding_evidence(c, verdict, md)
    why = [*lead.rules, *worse_slice_notes(c, verdict, policy, md)]
    return [
        f"## Verdict: **{verdict.verdict.value}**",
        "",
        f"**{lead.evidence}**",
        "",
        f"Next: {lead.next_step}",
        *(["", *(f"- {line}" for line in why)] if why else []),
        "",
        f"Policy {md(verdict.policy)} ({md(verdict.policy_digest)}); {len(verdict.rules)} rules: "
        f"{tally}.",
    ]


def md_rules_table(verdict: VerdictResult) -> str:
    """Every rule's outcome in policy order, as a Markdown table."""
    rows = [
        [
            md(r.tier),
            f"{md(r.rule)} ({md(r.kind)})",
            md(r.metric) + (f" on {md(r.slice)}" if r.slice else ""),
            f"**{r.outcome.upper()}**",
            "blocking" if r.blocking else "reported only",
            md(r.reason),
            md(r.to_settle) if r.to_settle else "",
        ]
        for r in verdict.rules
    ]
    return md_table(
        ["Tier", "Rule", "Metric / slice", "Outcome", "Blocking", "Reason", "To settle"], rows
    )


def _results(
    c: Comparison,
    verdict: VerdictResult | None,
    limits: ReportLimits,
    index: MethodIndex,
    kind: ReportKind,
) -> list[str]:
    sel = select_results(c, verdict, limits.result_rows)
    rows = []
    units = metric_units(sel.shown)
    for r in sel.shown:
        u = units[r.metric]
        p_adj = (
            pvalue_text(r.p_adjusted) + mark(index, r.adjustment)
            if r.p_adjusted is not None
            else "—"
        )
        rows.append(
            [
                md(r.metric),
                md(slice_label(r, kind.everyone)),
                kind.n_cell(r.n),
                values_text(r.baseline, u) + mark(index, r.baseline.method),
                values_text(r.candidate, u) + mark(index, r.candidate.method),
                diff_text(r.difference, u) + mark(index, r.difference.method),
                direction(r),
                md(r.test) + mark(index, r.test),
                pvalue_text(r.p_value, r.resamples),
                p_adj,
                mde_text(r),
                md("; ".join(r.notes)),
            ]
        )
    headers = [kind.n_header if h == "n" else h for h in RESULT_HEADERS]
    out = [
        "## Results",
        "",
        "Candidate minus baseline with its interval; superscripts are "
        "method footnotes (see Methods).",
    ]
    if sel.note:
        out += ["", f"_{sel.note}_"]
    return [*out, "", md_table(headers, rows, right=(2, 3, 4, 5, 8, 9, 10))]


def _slices(c: Comparison, limits: ReportLimits) -> list[str]:
    hm = heat_map(c, limits)
    if not hm.slices:
        return ["## Slices", "", "The comparison has no slice results."]
    rows = []
    units = metric_units(c.results)
    for key in hm.slices:
        small = hm.sizes.get(key, 0) < limits.small_slice
        cells = [
            f"{md(key[0])}={md(key[1])}",
            f"{hm.sizes.get(key, 0):,}" + (" †" if small else ""),
        ]
        for m in hm.metrics:
            r = hm.cells.get((*key, m))
            if r is None:
                cells.append("—")
                continue
            cells.append(
                diff_number(r.difference, units[m], max_decimals=3)
                + _ARROW[direction(r)]
                + (" †" if is_small(r, limits) else "")
            )
        rows.append(cells)
    out = [
        "## Slices",
        "",
        "Difference, candidate − baseline: percentage points for proportions, ms for "
        "latency, otherwise the metric's own units. ▲ better / ▼ worse for the "
        "candidate in the metric's good direction, interval excluding 0; † small slice "
        f"(n < {limits.small_slice}), judged by its width only.",
    ]
    out += [f"_{n}_" for n in hm.notes]
    headers = ["Slice", "n", *(md(m) for m in hm.metrics)]
    return [*out, "", md_table(headers, rows, right=tuple(range(1, len(headers))))]


def _flips(c: Comparison, limits: ReportLimits) -> list[str]:
    out = ["## Flipped examples", ""]
    if not c.flips and not c.flip_counts:
        return [*out, "No example changed outcome between the runs."]
    out += [f"- {md(line)}" for line in flip_summary(c, limits)]
    out += [
        "",
        f"_Regressions and improvements are listed apart, largest change first. Texts are "
        f"model and data content, cut at {limits.text_chars:,} characters._",
    ]
    for group in flip_groups(c, limits):
        total = f" of {group.total:,}" if group.total is not None else ""
        out += ["", f"### {md(group.metric)}: {len(group.flips):,} {group.word} shown{total}"]
        for i, f in enumerate(group.flips, 1):
            out += [
                "",
                f"#### {i}. {md(f.example_id)}: {number(f.baseline_score, 3)} → "
                f"{number(f.candidate_score, 3)} (change {number(f.change, 3, signed=True)})",
            ]
            for label, text in (
                ("Input", stored_text(f.input)),
                ("Reference", stored_text(f.reference)),
                ("Baseline output", f.baseline_output),
                ("Candidate output", f.candidate_output),
            ):
                out += ["", f"**{label}**", "", fenced(text, limits.text_chars)]
    return out


def _errors(c: Comparison) -> list[str]:
    out = ["## Errors", ""]
    if c.errors:
        rows = [
            [
                md(role),
                f"{e.records:,}",
                f"{e.errors:,}",
                f"{e.error_rate:.2%}",
                md(
                    ", ".join(f"{m}: {n:,}" for m, n in sorted(e.missing_scores.items()) if n)
                    or "none"
                ),
            ]
            for role, e in c.errors.items()
        ]
        out.append(
            md_table(
                ["Run", "Records", "Errors", "Error rate", "Missing scores"], rows, right=(1, 2, 3)
            )
        )
    else:
        out.append("The comparison recorded no error counts.")
    return out


def _manifest(c: Comparison, limits: ReportLimits) -> list[str]:
    out = ["## Manifest differences", ""]
    diffs = c.manifest_differences
    if diffs:
        shown = diffs[: limits.manifest_rows]
        if len(shown) < len(diffs):
            out += [f"_{len(shown):,} of {len(diffs):,} differences shown._", ""]
        rows = [
            [md(d.get("path", "")), _value(d.get("a"), limits), _value(d.get("b"), limits)]
            for d in shown
        ]
        out.append(md_table(["Field", "Baseline", "Candidate"], rows))
    else:
        out.append("The manifests agree on everything compared.")
    return out


def _evidence(
    c: Comparison, limits: ReportLimits, index: MethodIndex, kind: ReportKind
) -> list[str]:
    # an experiment's arms have no error counts and no manifests: those sections are a run's
    out = _errors(c) if kind.paired else []
    out += [*([""] if out else []), "## Latency and cost", ""]
    ops = [r for r in c.results if r.slice_attribute is None and is_operational(r.metric)]
    if ops:
        rows = [
            [
                md(r.metric),
                f"{r.goal} is better",
                values_text(r.baseline, units_of(r)) + mark(index, r.baseline.method),
                values_text(r.candidate, units_of(r)) + mark(index, r.candidate.method),
                diff_text(r.difference, units_of(r)) + mark(index, r.difference.method),
                direction(r),
            ]
            for r in ops
        ]
        out.append(
            md_table(
                ["Metric", "Goal", "Baseline", "Candidate", "Difference", "Direction"],
                rows,
                right=(2, 3, 4),
            )
        )
    else:
        out.append("The comparison has no latency, cost or token metric.")
    if not kind.paired:
        return [*out, "", *group_lines(kind)]
    out += ["", *_manifest(c, limits)]
    cov = c.coverage
    share = cov.shared / cov.suite_examples if cov.suite_examples else 0.0
    out += [
        "",
        "## Coverage",
        "",
        md_table(
            ["", "Examples"],
            [
                ["Examples in the suite", f"{cov.suite_examples:,}"],
                ["Paired (in both runs)", f"{cov.shared:,} ({share:.1%} of the suite)"],
                ["Only in the baseline", f"{cov.baseline_only:,}"],
                ["Only in the candidate", f"{cov.candidate_only:,}"],
            ],
            right=(1,),
        ),
        "",
        "Only paired examples enter the comparison.",
    ]
    if cov.empty_slices:
        names = ", ".join(md(s) for s in cov.empty_slices)
        out += ["", f"No examples in this comparison (no result): {names}."]
    return out


def _value(value: object, limits: ReportLimits) -> str:
    if value is None:
        return "_absent_"
    text = str(value)
    if len(text) > limits.value_chars:
        return md(text[: limits.value_chars]) + f" … ({len(text):,} characters)"
    return md(text)


def group_lines(kind: ReportKind) -> list[str]:
    """Units per group (users per arm) with how the groups relate, for unpaired comparisons."""
    unit = kind.unit.capitalize()
    return [
        f"## {unit}s per {kind.group}",
        "",
        md_table(
            [kind.group.capitalize(), f"{unit}s"],
            [[md(name), f"{n:,}"] for name, n in kind.group_sizes],
            right=(1,),
        ),
        "",
        f"{kind.basis}.",
    ]


def methods_lines(c: Comparison, index: MethodIndex, kind: ReportKind = OFFLINE) -> list[str]:
    """The Methods section: general methods, then the numbered footnotes."""
    out = [
        "## Methods",
        "",
        f"All intervals are {c.confidence:.0%} intervals. {kind.basis}; a direction (better / "
        "worse) is read from the unadjusted interval of the difference and is a description, "
        "not a gate.",
    ]
    general = [f"- {md(m)}" for m in c.methods]
    general += [f"- Resampling: {line}." for line in resampling_summary(c)]
    if general:
        out += ["", *general]
    out += ["", "Methods by footnote:", ""]
    for num, method, uses, resampling in index.entries():
        extra = f"; {resampling}" if resampling else ""
        out.append(f"{num}. {md(method)} (used by {uses:,} estimates or tests{extra})")
    return out


def render_markdown(
    comparison: Comparison,
    verdict: VerdictResult | None = None,
    *,
    title: str | None = None,
    runs: Iterable[RunInfo] = (),
    limits: ReportLimits | None = None,
    policy: Policy | None = None,
    kind: ReportKind = OFFLINE,
) -> str:
    """The comparison (and verdict) as GitHub-flavoured Markdown, in the HTML report's order.

    Same content and caps as :func:`render_html`, with the forest plot as the results table
    and the heat map as a table of differences. Numbers come from the comparison and verdict as
    given; each interval is followed by its method's footnote number. ``kind`` as in
    :func:`render_html`.
    """
    check_inputs("render_markdown", comparison, verdict)
    limits = limits or ReportLimits()
    index = method_index(comparison)
    page_title = title or default_title(comparison)
    lines = _header(comparison, page_title, run_lookup(comparison, runs), kind)
    lines += ["", *_verdict(comparison, verdict, policy)]
    if verdict is not None:
        lines += ["", "## Rules", "", md_rules_table(verdict)]
    lines += ["", *_results(comparison, verdict, limits, index, kind)]
    lines += ["", *_slices(comparison, limits)]
    if kind.paired:  # unpaired groups have no unit seen under both: nothing can flip
        lines += ["", *_flips(comparison, limits)]
    lines += ["", *_evidence(comparison, limits, index, kind)]
    lines += ["", *methods_lines(comparison, index, kind)]
    # Untrusted text went through md() or a fence; this keeps one that missed both visible.
    return printable("\n".join(lines) + "\n")
