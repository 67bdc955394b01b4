"""Shared pieces of the decision memo: the placeholder marker, rule lookups, and the plan.

The rollout plan exists only for a candidate that may ship. Its entry criteria are the
policy's blocking rules; its rollback criteria are tied to what the policy protects, in the
metric's units: the baseline's estimate moved by the rule's margin (non-inferiority,
no-regression), the policy's own limit (threshold, budget, error rate), or the baseline itself
(superiority). Without the policy at hand the memo says the margin is the rule's and names the
baseline's value only.
"""

from __future__ import annotations

from assay.core import Comparison, MetricComparison, RuleOutcome, Verdict, VerdictResult
from assay.gates import (
    BudgetParameters,
    MaxErrorRateParameters,
    NonInferiorityParameters,
    NoRegressionParameters,
    Policy,
    ThresholdParameters,
)
from assay.reports._decisive import policy_rule, rule_results
from assay.reports._format import (
    MINUS,
    Units,
    direction,
    mde_text,
    number,
    units_of,
    value_text,
)
from assay.reports._md_parts import md, md_table

__all__ = ["PLACEHOLDER", "rollout", "rule_target", "todo", "would_change"]

PLACEHOLDER = "✍️ TO BE WRITTEN BY"
"""The marker that starts every human part of a memo."""


def todo(who: str, what: str) -> str:
    """A marked place for a person (``who``) to write ``what``."""
    return f"> {PLACEHOLDER} {who}: {what}"


def rule_target(r: RuleOutcome) -> str:
    """``metric`` or ``metric on slice``, escaped for Markdown."""
    return md(r.metric) + (f" on {md(r.slice)}" if r.slice else "")


def would_change(c: Comparison, v: VerdictResult) -> list[str]:
    out = ["## 7. What would change this recommendation", ""]
    for r in v.rules:
        if r.outcome == "inconclusive":
            settle = md(r.to_settle) if r.to_settle else "more evidence on this rule"
            out.append(
                f"- {md(r.rule)} ({rule_target(r)}) is inconclusive: {md(r.reason)}. To settle: {settle}."
            )
        elif r.outcome == "fail" and r.blocking:
            out.append(
                f"- {md(r.rule)} ({rule_target(r)}) would have to pass on new evidence: {md(r.reason)}"
            )
    if v.verdict == Verdict.SHIP:
        out.append("- A guardrail of the rollout plan below failing in shadow, canary or ramp.")
    for res in c.results:
        if res.slice_attribute is None and res.mde is not None and direction(res) == "unclear":
            out.append(
                f"- {md(res.metric)}: the interval includes 0; this sample detects effects of "
                f"about {mde_text(res)} or more (minimum detectable effect)."
            )
    if len(out) == 2:
        out.append("- Nothing in the policy is open; only new evidence would change it.")
    return out


def _size(m: float, u: Units) -> str:
    """A margin as an adjective: ``1.0-point``, ``25 ms``, ``0.02``."""
    if u.percent:
        return f"{number(m * 100, 1)}-point"
    return number(m, 3) + (f" {u.unit}" if u.unit else "")


def _crossing(res: MetricComparison, limit: float, why: str, u: Units) -> str:
    word = "falls below" if res.goal == "higher" else "rises above"
    return f"- {md(res.label)}: roll back if it {word} {value_text(limit, u)} ({why})."


def _margin_line(res: MetricComparison, m: float | None, rule: RuleOutcome) -> str:
    u, base = units_of(res), res.baseline.estimate
    sign = MINUS if res.goal == "higher" else "+"
    if m is None:
        word = "falls below" if res.goal == "higher" else "rises above"
        return (
            f"- {md(res.label)}: roll back if it {word} the baseline's "
            f"{value_text(base, u)} by more than the margin of rule {md(rule.rule)}."
        )
    limit = base - m if res.goal == "higher" else base + m
    if m == 0:
        # no margin: a single live reading under the baseline is noise on a small slice; the
        # criterion is the rule's own test, as the gate applied it
        word = "below" if res.goal == "higher" else "above"
        return (
            f"- {md(res.label)}: roll back if live data show it significantly {word} the "
            f"baseline's {value_text(base, u)} (rule {md(rule.rule)}'s one-sided test, as the "
            f"gate applied it; not on one reading {word} it)."
        )
    else:
        why = f"baseline {value_text(base, u)} {sign} the {_size(m, u)} margin of rule {md(rule.rule)}"
    return _crossing(res, limit, why, u)


def _guardrails(c: Comparison, rule: RuleOutcome, policy: Policy | None) -> list[str]:
    """Rollback lines for one blocking rule, in the metric's units."""
    found = policy_rule(policy, rule.rule)
    params = found.parameters if found is not None else None
    if rule.kind == "max_error_rate":
        err = c.errors.get("candidate")
        seen = f"{err.error_rate:.2%} in this evaluation" if err is not None else "not recorded"
        if isinstance(params, MaxErrorRateParameters):
            return [
                f"- error rate: roll back if live errors rise above {params.max:.1%} of "
                f"requests (the maximum of rule {md(rule.rule)}; {seen})."
            ]
        return [
            f"- error rate: roll back if it rises above the maximum of rule {md(rule.rule)} ({seen})."
        ]
    if rule.kind == "coverage":
        return []
    out = []
    for res in rule_results(c, rule):
        u = units_of(res)
        if isinstance(params, NonInferiorityParameters):
            m = rule.margins.get(res.label, params.margin)
            if m is None and params.relative_margin is not None:
                m = params.relative_margin * abs(res.baseline.estimate)
            out.append(_margin_line(res, m, rule))
        elif isinstance(params, NoRegressionParameters):
            out.append(_margin_line(res, params.margin, rule))
        elif rule.kind == "superiority":
            out.append(_margin_line(res, 0.0, rule))
        elif isinstance(params, ThresholdParameters):
            limit = params.min if res.goal == "higher" else params.max
            if limit is not None:
                out.append(_crossing(res, limit, f"the limit of rule {md(rule.rule)}", u))
        elif isinstance(params, BudgetParameters):
            limits = []
            if params.max is not None:
                limits.append((params.max, f"the budget of rule {md(rule.rule)}"))
            if params.max_increase is not None and res.baseline.estimate > 0:
                limits.append(
                    (
                        res.baseline.estimate * (1 + params.max_increase),
                        f"baseline {value_text(res.baseline.estimate, u)} + the "
                        f"{params.max_increase:.0%} increase rule {md(rule.rule)} allows",
                    )
                )
            if limits:
                out.append(_crossing(res, *min(limits), u))
        else:
            out.append(_margin_line(res, None, rule))
    return out


def rollout(
    c: Comparison, v: VerdictResult, policy: Policy | None = None, *, why_not: str = ""
) -> list[str]:
    """Section 8: the staged plan and its rollback criteria, or why there is none."""
    if v.verdict == Verdict.BLOCK:
        return [
            "## 8. No rollout",
            "",
            f"The candidate must not ship, so this memo has no rollout plan. {why_not}",
        ]
    gates = [r for r in v.rules if r.blocking]
    guards = [line for r in gates for line in _guardrails(c, r, policy)]
    watch = [
        f"- {md(r.metric)}{f' on {md(r.slice)}' if r.slice else ''}: rule {md(r.rule)} is "
        f"reported only ({r.outcome}): watch it, it does not trigger a rollback."
        for r in v.rules
        if not r.blocking
    ]
    entry = "; ".join(f"{md(r.rule)} passes" for r in gates) or "no blocking rule in the policy"
    rows = [
        [
            "Shadow",
            "0% served (mirrored traffic)",
            f"verdict SHIP on policy {md(v.policy)}: {entry}",
            "✍️",
            "✍️",
        ],
        ["Canary", "✍️ (e.g. 1–5%)", "shadow shows no guardrail breach", "✍️", "✍️"],
        ["Ramp", "✍️ (e.g. 25–50%)", "canary guardrails hold for the minimum duration", "✍️", "✍️"],
        ["Full", "100%", "ramp guardrails hold; sign-off below complete", "✍️", "✍️"],
    ]
    intro = []
    if v.verdict == Verdict.INCONCLUSIVE:
        intro = [
            "This plan applies only once the open rules are settled in the candidate's "
            "favour (section 7); until then the candidate does not ship.",
            "",
        ]
    return [
        "## 8. Rollout and rollback plan",
        "",
        *intro,
        md_table(["Stage", "Traffic", "Entry criteria (gates)", "Minimum duration", "Owner"], rows),
        "",
        "Rollback criteria (guardrails), measured on live traffic at every stage (metrics that "
        "need references, on a labelled sample of it); each limit is the baseline's value "
        "moved by the policy's margin, or the policy's own limit, and is crossed when the live "
        "interval lies beyond it, as the gate judged:",
        "",
        *(guards or ["- No blocking rule in the policy: define rollback criteria below."]),
        *(["", "Watched, not rollback criteria:", "", *watch] if watch else []),
        "",
        todo(
            "THE DECISION OWNER",
            "traffic shares, durations, owners, on-call, and the rollback "
            "procedure (who switches back, how fast).",
        ),
    ]
