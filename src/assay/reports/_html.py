"""The self-contained HTML report of a comparison and its verdict.

One file: inline CSS and inline SVG, no script, no external resource. Untrusted text (model
outputs, inputs, slice values, manifest values) is escaped with :func:`html.escape` and never
interpreted as markup; its control and bidirectional characters are shown as visible symbols
(``␛``, ``<U+202E>``, see :func:`assay.core.printable`).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from assay.core import Comparison, MetricComparison, RunInfo, VerdictResult
from assay.gates import ALL_METRICS, NonInferiorityParameters, Policy
from assay.reports._content import (
    RESULT_HEADERS,
    MethodIndex,
    ReportLimits,
    check_inputs,
    header_rows,
    heat_map,
    method_index,
    run_lookup,
    select_results,
)
from assay.reports._decisive import (
    against,
    deciding_evidence,
    rule_results,
    worse_slice_notes,
)
from assay.reports._format import (
    direction,
    is_operational,
    mde_text,
    metric_units,
    pvalue_text,
    slice_label,
)
from assay.reports._html_evidence import (
    coverage_section,
    errors_section,
    flips_section,
    manifest_section,
    methods_section,
    operational_section,
)
from assay.reports._html_parts import cell_difference, cell_values, e, sup, table, visible_document
from assay.reports._kind import OFFLINE, ReportKind
from assay.reports._style import CSS
from assay.reports._svg import forest_svg, heat_map_svg

__all__ = ["default_title", "render_html", "rules_table", "verdict_block"]


def default_title(comparison: Comparison) -> str:
    """``candidate vs baseline on suite``."""
    return f"{comparison.candidate_model} vs {comparison.baseline_model} on {comparison.suite_name}"


def _header(c: Comparison, title: str, runs: dict[str, RunInfo], kind: ReportKind) -> str:
    rows = header_rows(c, runs, e, kind)
    body = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows)
    return f'<h1>{e(title)}</h1><table class="meta">{body}</table>'


def verdict_block(
    comparison: Comparison, verdict: VerdictResult | None, policy: Policy | None = None
) -> str:
    """The verdict in large type, the evidence that decided it, and why nothing else did."""
    if verdict is None:
        return (
            '<section id="verdict" class="verdict v-NONE"><div class="word">NO VERDICT</div>'
            '<div class="summary">No policy was applied: this report shows the evidence '
            "without a ship decision.</div></section>"
        )
    counts = {
        o: sum(r.outcome == o for r in verdict.rules) for o in ("pass", "fail", "inconclusive")
    }
    tally = ", ".join(f"{n} {o}" for o, n in counts.items())
    v = verdict.verdict.value
    # Plain text, escaped whole: the numbers hold "<" (p < 0.001) as well.
    lead = deciding_evidence(comparison, verdict)
    items = [*lead.rules, *worse_slice_notes(comparison, verdict, policy)]
    listed = "".join(f"<li>{e(line)}</li>" for line in items)
    return (
        f'<section id="verdict" class="verdict v-{v}"><div class="word">{v}</div>'
        f'<div class="summary">{e(lead.evidence)}</div>'
        f'<div class="next"><b>Next:</b> {e(lead.next_step)}</div>'
        + (f'<ul class="why">{listed}</ul>' if listed else "")
        + f'<div class="note">Policy {e(verdict.policy)} ({e(verdict.policy_digest)}); '
        f"{len(verdict.rules)} rules: {tally}.</div></section>"
    )


def rules_table(verdict: VerdictResult) -> str:
    """Every rule's outcome in policy order."""
    rows = []
    for r in verdict.rules:
        target = e(r.metric) + (f" on {e(r.slice)}" if r.slice else "")
        rows.append(
            [
                e(r.tier),
                f"{e(r.rule)}<br><span class='note'>{e(r.kind)}</span>",
                target,
                f'<span class="o-{e(r.outcome)}">{e(r.outcome.upper())}</span>',
                "blocking" if r.blocking else "reported only",
                e(r.reason),
                e(r.to_settle) if r.to_settle else "",
            ]
        )
    classes = [
        ("blocking-fail" if r.outcome == "fail" else "blocking-open")
        if r.blocking and r.outcome != "pass"
        else ""
        for r in verdict.rules
    ]
    return table(
        ["Tier", "Rule", "Metric / slice", "Outcome", "Blocking", "Reason", "To settle"],
        rows,
        row_classes=classes,
    )


def _rules_section(verdict: VerdictResult | None) -> str:
    if verdict is None:
        return ""
    return f'<section id="rules"><h2>Rules</h2>{rules_table(verdict)}</section>'


def _margin(policy: Policy | None, metric: str, verdict: VerdictResult | None) -> float | None:
    """The margin the policy's first non-inferiority rule on ``metric`` held its overall
    result to (as the gate judged it, defaults included), else the rule's stated margin."""
    for outcome in verdict.rules if verdict else []:
        if (
            outcome.kind == "non_inferiority"
            and outcome.slice is None
            and metric in outcome.margins
        ):
            return outcome.margins[metric]
    if policy is None:
        return None
    for _, _, rule in policy.tiered():
        params = rule.parameters
        if (
            rule.slice is None
            and (
                rule.metric == metric or (rule.metric == ALL_METRICS and not is_operational(metric))
            )
            and isinstance(params, NonInferiorityParameters)
            and params.margin is not None
        ):
            return params.margin
    return None


def _forest_section(
    c: Comparison,
    shown: list[MetricComparison],
    note: str | None,
    index: MethodIndex,
    verdict: VerdictResult | None,
    policy: Policy | None,
    kind: ReportKind,
) -> str:
    def marked(outcome: str) -> list[str]:
        """The results that argue against the candidate in the blocking rules so judged."""
        rules = [r for r in (verdict.rules if verdict else []) if r.blocking]
        picked = [against(rule_results(c, r)) for r in rules if r.outcome == outcome]
        return [x.label for found in picked for x in found]

    flagged, unsettled = marked("fail"), marked("inconclusive")
    panels = [
        '<div class="chart">'
        + forest_svg(
            metric,
            list(group),
            index.ref,
            margin=_margin(policy, metric, verdict),
            flagged=flagged,
            open_labels=unsettled,
            everyone=kind.everyone,
        )
        + "</div>"
        for metric, group in groupby(shown, key=lambda r: r.metric)
    ]
    omitted = f'<p class="note">{e(note)}</p>' if note else ""
    return (
        '<section id="forest"><h2>Differences by metric and slice</h2>'
        '<p class="note">Candidate minus baseline with its interval; a filled marker means the '
        "interval excludes 0. The number in parentheses is the interval method's footnote "
        "(see Methods). A red vertical line is the policy's non-inferiority margin; rows shaded "
        f"red failed a blocking rule, amber left one open.</p>{omitted}{''.join(panels)}</section>"
    )


def results_rows(
    shown: list[MetricComparison], index: MethodIndex, kind: ReportKind = OFFLINE
) -> list[list[str]]:
    """One row per result: estimates, difference, test, p-values, MDE, notes."""
    rows = []
    units = metric_units(shown)
    for r in shown:
        mde = mde_text(r)
        p_adj = (
            e(pvalue_text(r.p_adjusted)) + sup(index, r.adjustment)
            if r.p_adjusted is not None
            else "—"
        )
        rows.append(
            [
                e(r.metric),
                e(slice_label(r, kind.everyone)),
                kind.n_cell(r.n) + (f" ({r.n_clusters:,} clusters)" if r.n_clusters else ""),
                cell_values(r, "baseline", index, units[r.metric]),
                cell_values(r, "candidate", index, units[r.metric]),
                cell_difference(r, index, units[r.metric]),
                e(direction(r)),
                e(r.test) + sup(index, r.test),
                e(pvalue_text(r.p_value, r.resamples)),
                p_adj,
                e(mde),
                e("; ".join(r.notes)),
            ]
        )
    return rows


def _results_section(
    shown: list[MetricComparison], note: str | None, index: MethodIndex, kind: ReportKind
) -> str:
    headers = [kind.n_header if h == "n" else h for h in RESULT_HEADERS]
    omitted = f'<p class="note">{e(note)}</p>' if note else ""
    return (
        '<section id="results"><h2>Results</h2>'
        f"{omitted}{table(headers, results_rows(shown, index, kind), numeric=(2, 3, 4, 5, 8, 9, 10))}"
        "</section>"
    )


def _heat_section(c: Comparison, limits: ReportLimits) -> str:
    hm = heat_map(c, limits)
    if not hm.slices:
        return (
            '<section id="heatmap"><h2>Slices</h2><p class="note">The comparison has no '
            "slice results.</p></section>"
        )
    notes = "".join(f'<p class="note">{e(n)}</p>' for n in hm.notes)
    return (
        '<section id="heatmap"><h2>Slices</h2>'
        f'{notes}<div class="chart">{heat_map_svg(hm, limits, metric_units(c.results))}</div>'
        "</section>"
    )


def render_html(
    comparison: Comparison,
    verdict: VerdictResult | None = None,
    *,
    title: str | None = None,
    runs: Iterable[RunInfo] = (),
    limits: ReportLimits | None = None,
    policy: Policy | None = None,
    kind: ReportKind = OFFLINE,
) -> str:
    """The comparison (and verdict) as one self-contained HTML page.

    The verdict leads with the evidence that decided it (the deciding rules' results, with
    their intervals and p-values), then why any slice marked worse did not block; ``policy``,
    the policy that judged, lets it recompute a no-regression rule's adjusted p-values with
    the rule's own settings.

    Sections, in order: verdict, rules, forest plot of differences, results table, slice heat
    map, flipped examples, errors, latency and cost, manifest differences, coverage, methods.
    ``runs`` may hold the two runs' :class:`~assay.core.RunInfo` for the header. ``limits``
    caps the rows shown so the page stays small whatever the comparison's size; every cap that
    applies is said on the page. Numbers come from the comparison and verdict as given: each
    interval carries a footnote to the method that produced it. ``kind`` names what was
    compared (:data:`OFFLINE` runs by default); an A/B experiment's report has no flips, no
    errors or manifest sections (an experiment's arms have neither), counts users per arm in
    its results and shows the users per arm in place of the coverage.
    """
    check_inputs("render_html", comparison, verdict)
    limits = limits or ReportLimits()
    index = method_index(comparison)
    selection = select_results(comparison, verdict, limits.result_rows)
    page_title = title or default_title(comparison)
    parts = [
        _header(comparison, page_title, run_lookup(comparison, runs), kind),
        verdict_block(comparison, verdict, policy),
        _rules_section(verdict),
        _forest_section(comparison, selection.shown, selection.note, index, verdict, policy, kind),
        _results_section(selection.shown, selection.note, index, kind),
        _heat_section(comparison, limits),
        flips_section(comparison, limits) if kind.paired else "",
        errors_section(comparison) if kind.paired else "",
        operational_section(comparison, index),
        manifest_section(comparison, limits) if kind.paired else "",
        coverage_section(comparison, kind),
        methods_section(comparison, index, kind),
    ]
    return visible_document(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(page_title)}</title><style>{CSS}</style></head><body>"
        + "".join(parts)
        + '<footer class="note">Generated by assay from the comparison and verdict records. '
        + ("Model outputs are" if kind.paired else "Names are")
        + " shown as text, never interpreted.</footer></body></html>\n"
    )
