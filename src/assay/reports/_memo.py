"""The decision memo: evidence-derived Markdown with marked places for the human parts.

Everything outside a ``> ✍️ TO BE WRITTEN BY …`` block is generated from the comparison and
the verdict; the marked blocks are for the decision owner and the reviewers.
"""

from __future__ import annotations

from collections.abc import Sequence

from assay.core import Comparison, MetricComparison, Verdict, VerdictResult, printable
from assay.errors import ParameterError
from assay.gates import Policy
from assay.reports._content import (
    MethodIndex,
    ReportLimits,
    check_inputs,
    header_rows,
    is_small,
    method_index,
    slice_directions,
)
from assay.reports._decisive import DecidingEvidence, deciding_evidence, worse_slice_notes
from assay.reports._flips import flip_summary
from assay.reports._format import (
    Units,
    diff_text,
    direction,
    is_operational,
    metric_units,
    plural,
    pvalue_text,
    units_of,
    values_text,
)
from assay.reports._html import default_title
from assay.reports._kind import OFFLINE, ReportKind
from assay.reports._markdown import md_rules_table, methods_lines
from assay.reports._md_parts import mark, md, md_table
from assay.reports._memo_plan import PLACEHOLDER, rollout, rule_target, todo, would_change

__all__ = ["render_memo"]

_SLICE_LIST = 10
"""Slices named per metric and direction in the tradeoffs; the rest are counted."""


def _options(
    c: Comparison, v: VerdictResult, options: Sequence[str], kind: ReportKind
) -> list[str]:
    blocking_fail = [r for r in v.rules if r.blocking and r.outcome == "fail"]
    open_rules = [r for r in v.rules if r.outcome == "inconclusive"]
    ship = {
        Verdict.SHIP: "Every blocking rule passed.",
        Verdict.BLOCK: f"{plural(len(blocking_fail), 'blocking rule')} failed: "
        + ", ".join(md(r.rule) for r in blocking_fail)
        + ".",
        Verdict.INCONCLUSIVE: "No blocking rule failed, but the evidence does not settle "
        + ", ".join(md(r.rule) for r in open_rules)
        + ".",
    }[v.verdict]
    keep = (
        "Forgoes the gains listed under Tradeoffs."
        if v.verdict == Verdict.SHIP
        else "The current model stays; no new risk is taken."
        if kind.paired
        else f"{kind.group.capitalize()} {md(c.baseline_run)} stays; no new risk is taken."
    )
    larger = (
        "a larger or more targeted evaluation"
        if kind.paired
        else f"more {kind.unit}s or a longer {kind.whole}"
    )
    failed = [r for r in v.rules if r.blocking and r.outcome == "fail"]
    if failed:  # more evidence on an open rule cannot undo a failed blocking rule
        more = (
            f"Not a way out: {len(failed)} blocking rule{'' if len(failed) == 1 else 's'} "
            "failed on the evidence already in hand."
        )
    elif open_rules:
        more = (
            f"{len(open_rules)} rule{' is' if len(open_rules) == 1 else 's are'} inconclusive; "
            "see *What would change this recommendation* for the evidence that would settle "
            f"{'it' if len(open_rules) == 1 else 'them'}."
        )
    else:
        more = "Every rule reached a conclusion; more evidence is not needed by the policy."
    rows = [
        ["Ship the candidate", md(c.candidate_model), ship],
        ["Keep the baseline", md(c.baseline_model), keep],
        ["Collect more evidence", larger, more],
    ]
    rows += [[md(o), "named by the decision owner", "not assessed by the policy"] for o in options]
    return [
        "## 2. Options considered",
        "",
        md_table(["Option", "Means", "What the evidence says"], rows),
        "",
        todo("THE DECISION OWNER", "other options, and why each was kept or dropped."),
    ]


def _evidence(c: Comparison, mi: MethodIndex, kind: ReportKind) -> list[str]:
    overall = [r for r in c.results if r.slice_attribute is None]
    overall.sort(key=lambda r: is_operational(r.metric))
    rows = [
        [
            md(r.metric),
            f"{r.goal} is better",
            kind.n_cell(r.n),
            values_text(r.baseline, units_of(r)) + mark(mi, r.baseline.method),
            values_text(r.candidate, units_of(r)) + mark(mi, r.candidate.method),
            diff_text(r.difference, units_of(r)) + mark(mi, r.difference.method),
            direction(r),
            (
                pvalue_text(r.p_adjusted)
                if r.p_adjusted is not None
                else pvalue_text(r.p_value, r.resamples)
            )
            + mark(mi, r.adjustment if r.p_adjusted is not None else r.test),
        ]
        for r in overall
    ]
    cov = c.coverage
    if kind.paired:
        base = (
            f"Coverage: {cov.shared:,} of {cov.suite_examples:,} suite examples paired "
            f"({cov.baseline_only:,} only in the baseline, {cov.candidate_only:,} only in the "
            "candidate)."
        )
        if cov.empty_slices:
            names = ", ".join(md(s) for s in cov.empty_slices)
            base += f" No examples in this comparison, so no result: {names}."
    else:
        sizes = ", ".join(f"{md(name)} {n:,}" for name, n in kind.group_sizes)
        base = f"{kind.unit.capitalize()}s per {kind.group}: {sizes}; {kind.basis.lower()}."
    # unpaired groups have no unit seen under both: nothing can flip
    flips = (flip_summary(c, ReportLimits()) or ["No example flipped."]) if kind.paired else []
    errs = "; ".join(
        f"{md(role)}: {e.errors:,} errors in {e.records:,} records ({e.error_rate:.2%})"
        for role, e in c.errors.items()
    )
    return [
        "## 3. Evidence",
        "",
        f"{kind.everyone.capitalize()}, {c.confidence:.0%} intervals, candidate minus baseline; superscripts "
        "are method footnotes (see Methods at the end).",
        "",
        md_table(
            [
                "Metric",
                "Goal",
                kind.n_header,
                "Baseline",
                "Candidate",
                "Difference",
                "Direction",
                "p",
            ],
            rows,
            right=(2, 3, 4, 5, 7),
        ),
        "",
        # an experiment's arms have no error counts: that is a run's
        f"{base} Errors: {errs or 'not recorded'}." if kind.paired else base,
        *([""] if flips else []),
        *(f"- {md(line)}" for line in flips),
    ]


def _slice_list(rs: list[MetricComparison], units: Units) -> str:
    rs = sorted(rs, key=lambda r: -abs(r.difference.estimate))
    parts = [
        f"{md(r.slice_attribute)}={md(r.slice_value)} ({diff_text(r.difference, units)}"
        + (f", small slice: n={r.n:,})" if is_small(r, ReportLimits()) else ")")
        for r in rs[:_SLICE_LIST]
    ]
    more = f" and {len(rs) - _SLICE_LIST} more" if len(rs) > _SLICE_LIST else ""
    return "; ".join(parts) + more if parts else "none"


def _tradeoffs(c: Comparison) -> list[str]:
    overall = [r for r in c.results if r.slice_attribute is None]
    out = ["## 4. Tradeoffs", "", "### Quality, latency and cost", ""]
    for kind, pick in (("Quality", False), ("Latency and cost", True)):
        group = [r for r in overall if is_operational(r.metric) == pick]
        if not group:
            out.append(f"- {kind}: no metric in this comparison.")
            continue
        words = {
            w: [md(r.metric) for r in group if direction(r) == w]
            for w in ("better", "worse", "unclear")
        }
        out.append(
            f"- {kind}: better on {', '.join(words['better']) or 'none'}; worse on "
            f"{', '.join(words['worse']) or 'none'}; unclear on {', '.join(words['unclear']) or 'none'}."
        )
    out += ["", "### Slice by slice", ""]
    groups = slice_directions(c.results)
    units = metric_units(c.results)
    if not groups:
        out.append("The comparison has no slice results.")
    for metric, g in groups.items():
        out += [
            f"- **{md(metric)}**: gains on {_slice_list(g['better'], units[metric])}. Losses on "
            f"{_slice_list(g['worse'], units[metric])}. Unclear on {plural(len(g['unclear']), 'slice')}."
        ]
    return [
        *out,
        "",
        todo(
            "THE DECISION OWNER",
            "how these tradeoffs are weighed for the "
            "users and slices that matter most, and which losses are acceptable.",
        ),
    ]


def _safety(v: VerdictResult, kind: ReportKind) -> list[str]:
    rules = [r for r in v.rules if r.tier == "safety"]
    out = ["## 5. Safety implications", ""]
    if not rules:
        out.append("The policy has no safety-tier rule: this evidence says nothing about safety.")
    else:
        failed = [r for r in rules if r.outcome == "fail"]
        unsettled = [r for r in rules if r.outcome == "inconclusive"]
        if failed:
            out.append(
                f"{plural(len(failed), 'safety rule')} failed: "
                + "; ".join(md(r.reason) for r in failed)
                + "."
            )
        elif unsettled:
            out.append(f"No safety rule failed; {len(unsettled)} could not be settled.")
        else:
            out.append(
                "The safety rule passed."
                if len(rules) == 1
                else f"All {len(rules)} safety rules passed."
            )
        out += [
            "",
            md_table(
                ["Rule", "Metric / slice", "Outcome", "Blocking", "Reason"],
                [
                    [
                        md(r.rule),
                        rule_target(r),
                        f"**{r.outcome.upper()}**",
                        "blocking" if r.blocking else "reported only",
                        md(r.reason),
                    ]
                    for r in rules
                ],
            ),
        ]
    return [
        *out,
        "",
        todo(
            "THE SAFETY REVIEWER",
            f"risks this {'evaluation' if kind.paired else kind.whole} does not measure, "
            "and whether the safety evidence is sufficient for this launch.",
        ),
    ]


def _recommendation(v: VerdictResult, lead: DecidingEvidence, notes: list[str]) -> list[str]:
    fails = [r for r in v.rules if r.blocking and r.outcome == "fail"]
    soft = [r for r in v.rules if not r.blocking and r.outcome == "fail"]
    text = {
        Verdict.SHIP: "**Ship the candidate** through the staged rollout below: every blocking rule passed.",
        Verdict.BLOCK: f"**Keep the baseline**: {plural(len(fails), 'blocking rule')} failed.",
        Verdict.INCONCLUSIVE: "**Collect more evidence** before deciding: no blocking rule failed, "
        "but not every blocking rule could be settled.",
    }[v.verdict]
    out = [
        "## 6. Recommendation",
        "",
        f"Derived from the verdict ({v.verdict.value}, policy {md(v.policy)}): {text}",
        "",
        *(f"- {line}" for line in lead.rules),
        *(f"- {line}" for line in notes),
    ]
    if soft:
        out += [
            "",
            "Reported-only rules that failed (watch them): "
            + "; ".join(md(r.reason) for r in soft)
            + ".",
        ]
    return [
        *out,
        "",
        todo(
            "THE DECISION OWNER",
            "the decision taken, and the reasons if it departs from this recommendation.",
        ),
    ]


def render_memo(
    comparison: Comparison,
    verdict: VerdictResult,
    *,
    question: str | None = None,
    options: Sequence[str] | None = None,
    title: str | None = None,
    policy: Policy | None = None,
    kind: ReportKind = OFFLINE,
) -> str:
    """A decision memo in Markdown, generated from a comparison and its verdict.

    It opens with three plain lines: the decision, the evidence that decided it, and what
    happens next.

    Sections: question, options considered, evidence, tradeoffs, safety implications,
    recommendation (derived from the verdict), what would change it (from ``to_settle`` and
    inconclusive rules), a rollout and rollback plan skeleton (entry criteria are the blocking
    rules; rollback criteria the baseline's value moved by the policy's margin, or the
    policy's limit, in the metric's units; no plan at all for a blocked candidate), sign-off
    and methods. ``policy`` (the :class:`~assay.gates.Policy` that judged) gives the margins;
    without it the rollback criteria name the baseline's value and the rule. Human parts start with
    ``> ✍️ TO BE WRITTEN BY``. Numbers come from the comparison as given, with method
    footnotes. ``kind`` as in :func:`~assay.reports.render_html`: an A/B experiment's memo
    speaks of users and arms and has no flips or coverage.
    """
    check_inputs("render_memo", comparison, verdict, verdict_required=True)
    opts = list(options or [])
    if not all(isinstance(o, str) for o in opts):
        raise ParameterError("options", "render_memo", "a sequence of strings", options)
    c, v = comparison, verdict
    mi = method_index(c)
    name = title or default_title(c)
    lead = deciding_evidence(c, v, md)
    notes = worse_slice_notes(c, v, policy, md)
    decision = {
        Verdict.SHIP: f"ship {c.candidate_model} in place of {c.baseline_model}",
        Verdict.BLOCK: f"do not ship {c.candidate_model}; keep {c.baseline_model}",
        Verdict.INCONCLUSIVE: f"not yet: the evidence does not settle {c.candidate_model}",
    }[v.verdict]
    lines = [
        f"# Decision memo: {md(name)}",
        "",
        f"**Decision: {v.verdict.value}**, {md(decision)}.  ",
        f"**Evidence:** {lead.evidence}.  ",
        f"**Next:** {lead.next_step}",
        "",
        md_table(
            ["", ""],
            [
                [
                    "Verdict",
                    f"**{v.verdict.value}** (policy {md(v.policy)}, {md(v.policy_digest)})",
                ],
                *header_rows(c, {}, md, kind)[:3],
                ["Evidence compared", md(c.created_at.isoformat(timespec="seconds"))],
            ],
        ),
        "",
        f"Parts starting with “{PLACEHOLDER}” are for people to write; the rest is generated "
        "from the evidence.",
        "",
        "## 1. Question",
        "",
        md(question)
        if question
        else todo(
            "THE DECISION OWNER", "the question this decision answers, for whom, and by when."
        ),
        "",
        todo("THE DECISION OWNER", "context: why this change, what users will notice."),
        "",
        *_options(c, v, opts, kind),
        "",
        *_evidence(c, mi, kind),
        "",
        *_tradeoffs(c),
        "",
        *_safety(v, kind),
        "",
        *_recommendation(v, lead, notes),
        "",
        *would_change(c, v),
        "",
        *rollout(c, v, policy, why_not=lead.next_step),
        "",
        "## 9. Sign-off",
        "",
        md_table(
            ["Role", "Name", "Decision", "Date", "Note"],
            [
                [role, "✍️", "✍️", "✍️", "✍️"]
                for role in ("decision owner", "safety", "privacy", "product")
            ],
        ),
        "",
        "## Rules",
        "",
        md_rules_table(v),
        "",
        *methods_lines(c, mi, kind),
    ]
    # Untrusted text went through md() or a fence; this keeps one that missed both visible.
    return printable("\n".join(lines) + "\n")
