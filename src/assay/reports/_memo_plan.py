"""Shared pieces of the decision memo: the placeholder marker, rule lookups, and the plan.

The rollout plan's entry criteria are the policy's blocking rules; its rollback criteria are
the guardrails: the bound each guarded metric's candidate interval supports, and the
candidate's error rate in the evaluation.
"""

from __future__ import annotations

from assay.core import Comparison, MetricComparison, RuleOutcome, Verdict, VerdictResult
from assay.reports._format import decimals_for, direction, mde_text, number
from assay.reports._md_parts import md, md_table

__all__ = ["PLACEHOLDER", "rollout", "rule_results", "rule_target", "todo", "would_change"]

PLACEHOLDER = "✍️ TO BE WRITTEN BY"
"""The marker that starts every human part of a memo."""


def todo(who: str, what: str) -> str:
    """A marked place for a person (``who``) to write ``what``."""
    return f"> {PLACEHOLDER} {who}: {what}"


def rule_target(r: RuleOutcome) -> str:
    """``metric`` or ``metric on slice``, escaped for Markdown."""
    return md(r.metric) + (f" on {md(r.slice)}" if r.slice else "")


def rule_results(c: Comparison, rule: RuleOutcome) -> list[MetricComparison]:
    """The comparison results a rule used: its evidence labels, else its metric and slice."""
    by_label = {r.label: r for r in c.results}
    found = [by_label[label] for label in rule.evidence if label in by_label]
    if found:
        return found
    attr, _, value = (rule.slice or "").partition("=")
    for r in c.results:
        if r.metric != rule.metric:
            continue
        if rule.slice is None and r.slice_attribute is None:
            return [r]
        if value and (r.slice_attribute, r.slice_value) == (attr, value):
            return [r]
    return []


def would_change(c: Comparison, v: VerdictResult) -> list[str]:
    out = ["## 7. What would change this recommendation", ""]
    for r in v.rules:
        if r.outcome == "inconclusive":
            settle = md(r.to_settle) if r.to_settle else "more evidence on this rule"
            out.append(
                f"- {md(r.rule)} ({rule_target(r)}) is inconclusive: {md(r.reason)} To settle: {settle}"
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


def rollout(c: Comparison, v: VerdictResult) -> list[str]:
    gates = [r for r in v.rules if r.blocking]
    guards = []
    for r in v.rules:
        if not (r.blocking or r.tier in ("safety", "cost")):
            continue
        for res in rule_results(c, r):
            iv = res.candidate
            bad = iv.low if res.goal == "higher" else iv.high
            word = "below" if res.goal == "higher" else "above"
            bound = number(bad, decimals_for(iv.low, iv.high, iv.estimate))
            guards.append(
                f"- {md(res.label)} ({md(r.rule)}, {r.tier}): roll back if the live value "
                f"is {word} {bound}, the {'lower' if res.goal == 'higher' else 'upper'} "
                "bound this evaluation supports for the candidate."
            )
    err = c.errors.get("candidate")
    if err is not None:
        guards.append(
            f"- error rate: roll back if live errors exceed {err.error_rate:.2%}, the "
            "candidate's rate in this evaluation."
        )
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
    return [
        "## 8. Rollout and rollback plan",
        "",
        md_table(["Stage", "Traffic", "Entry criteria (gates)", "Minimum duration", "Owner"], rows),
        "",
        "Rollback criteria (guardrails), at every stage:",
        "",
        *(guards or ["- No guardrail rule in the policy: define rollback criteria below."]),
        "",
        todo(
            "THE DECISION OWNER",
            "traffic shares, durations, owners, on-call, and the rollback "
            "procedure (who switches back, how fast).",
        ),
    ]
