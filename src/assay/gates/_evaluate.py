"""Judging a policy against a comparison: SHIP, BLOCK or INCONCLUSIVE.

Every rule is judged, tier by tier (safety, quality, cost) and in the policy's order; tiers do
not short-circuit, so the report always shows every rule. The verdict is BLOCK when any
blocking rule fails, else INCONCLUSIVE when any blocking rule is inconclusive, else SHIP.
Non-blocking rules are reported and never change the verdict.
"""

from __future__ import annotations

import math

from assay._util import check_instance
from assay.core import (
    Comparison,
    MetricComparison,
    RuleOutcome,
    Suite,
    Verdict,
    VerdictResult,
)
from assay.errors import GateError
from assay.gates._kinds_difference import rule_margins
from assay.gates._model import ALL_METRICS, Policy, Rule, SliceSelector, Tier
from assay.gates._registry import RuleCase, get_rule_kind
from assay.gates._words import is_operational

__all__ = ["evaluate_policy"]

_Plan = list[tuple[Tier, Rule, str, tuple[MetricComparison, ...]]]


def _metrics(comparison: Comparison) -> list[str]:
    seen: dict[str, None] = {}
    for r in comparison.results:
        seen.setdefault(r.metric, None)
    return list(seen)


def _slices_text(results: list[MetricComparison], attribute: str | None = None) -> str:
    found = sorted(
        {
            f"{r.slice_attribute}={r.slice_value}"
            for r in results
            if r.slice_attribute is not None and attribute in (None, r.slice_attribute)
        }
    )
    if not found:
        return "it has no slices"
    return "its slices: " + ", ".join(found[:30]) + (" ..." if len(found) > 30 else "")


def _select(
    comparison: Comparison, metric: str, selector: SliceSelector, where: str
) -> tuple[MetricComparison, ...]:
    """The results a rule's slice selects for one metric; GateError naming what exists."""
    of_metric = [r for r in comparison.results if r.metric == metric]
    if selector.scope == "overall":
        found = [r for r in of_metric if r.slice_attribute is None]
        if not found:
            raise GateError(f"{where}: the comparison has no overall result for {metric!r}.")
        return (found[0],)
    if selector.scope == "every":
        return tuple(r for r in of_metric if r.slice_attribute is not None)
    attributes = sorted({r.slice_attribute for r in of_metric if r.slice_attribute is not None})
    if selector.attribute not in attributes:
        known = ", ".join(attributes) if attributes else "none"
        raise GateError(
            f"{where} names slice attribute {selector.attribute!r}, which the comparison does "
            f"not have for {metric!r}. Slice attributes: {known}."
        )
    found = [r for r in of_metric if r.slice_attribute == selector.attribute]
    if selector.scope == "every_of":
        return tuple(found)
    one = [r for r in found if r.slice_value == selector.value]
    if not one:
        raise GateError(
            f"{where} names slice {selector.attribute}={selector.value}, which the comparison "
            f"does not have for {metric!r}; {_slices_text(of_metric, selector.attribute)}."
        )
    return (one[0],)


def _plan(policy: Policy, comparison: Comparison) -> _Plan:
    """Resolve every rule's metrics and slices first, reporting every problem at once."""
    metrics = _metrics(comparison)
    plan: _Plan = []
    problems: list[str] = []
    for tier, index, rule in policy.tiered():
        where = f"Rule {rule.name!r} ({tier}[{index}])"
        kind = get_rule_kind(rule.kind)
        if not kind.uses_metric:
            plan.append((tier, rule, rule.metric, ()))
            continue
        if rule.metric == ALL_METRICS:
            names = [m for m in metrics if not is_operational(m)]
            if not names:
                problems.append(f"{where}: the comparison has no metric for '*' to stand for.")
        elif rule.metric in metrics:
            names = [rule.metric]
        elif rule.if_present:
            continue
        else:
            problems.append(
                f"{where} names metric {rule.metric!r}, which the comparison does not have. "
                f"Metrics in the comparison: {', '.join(metrics) or 'none'}."
            )
            continue
        for name in names:
            try:
                plan.append((tier, rule, name, _select(comparison, name, rule.selector, where)))
            except GateError as exc:
                problems.append(str(exc))
    if problems:
        raise GateError("\n".join(problems))
    return plan


_KIND_WORDS = {
    "non_inferiority": "non-inferiority",
    "superiority": "superiority",
    "no_regression": "no regression on any slice",
    "threshold": "threshold",
    "budget": "budget",
    "max_error_rate": "error-rate limit",
    "coverage": "coverage",
}
_SHOWN = 3
# runs-level checks that pass on almost every SHIP
_ROUTINE = frozenset({"coverage", "max_error_rate"})


def _evidence(outcome: RuleOutcome, summary: str) -> str:
    """The deciding evidence of one outcome: its short form, else its reason without the colon."""
    return summary or outcome.reason.replace(": ", " ", 1)


def _kind_words(outcome: RuleOutcome) -> str:
    return _KIND_WORDS.get(outcome.kind, outcome.kind.replace("_", " "))


def _listed(items: list[str], noun: str) -> str:
    shown = "; ".join(items[:_SHOWN])
    rest = len(items) - _SHOWN
    return shown + (f"; and {rest} more {noun}{'s' if rest > 1 else ''}" if rest > 0 else "")


def _summary(verdict: Verdict, judged: list[tuple[RuleOutcome, str]]) -> str:
    """The verdict and the evidence that decided it, with numbers (rule names are in the
    table beside it): the failing blocking rules for BLOCK, the inconclusive ones for
    INCONCLUSIVE, the passing ones for SHIP (non-blocking failures added as reported only)."""
    blocking = [(o, s) for o, s in judged if o.blocking]
    if verdict is Verdict.BLOCK:
        failed = [
            f"{_evidence(o, s)} ({_kind_words(o)})" for o, s in blocking if o.outcome == "fail"
        ]
        return f"BLOCK: {_listed(failed, 'failing rule')}"
    if verdict is Verdict.INCONCLUSIVE:
        unsure = [
            f"{_evidence(o, s)} ({_kind_words(o)})"
            for o, s in blocking
            if o.outcome == "inconclusive"
        ]
        return f"INCONCLUSIVE: {_listed(unsure, 'inconclusive rule')}; no blocking rule fails"
    reported = [
        f"{_evidence(o, s)} (reported only)"
        for o, s in judged
        if not o.blocking and o.outcome == "fail"
    ]
    if not blocking:
        passed = ["the policy has no blocking rule"]
    else:
        # the evidence about the metrics decides; runs-level checks are counted, unless
        # they are all there is
        shown = [(o, s) for o, s in blocking if o.kind not in _ROUTINE][:_SHOWN] or blocking[:1]
        passed = [_evidence(o, s) for o, s in shown]
        others = [o for o, s in blocking if all(o is not x for x, _ in shown)]
        if others:
            kinds = ", ".join(dict.fromkeys(_kind_words(o) for o in others))
            verb = "rules pass" if len(others) > 1 else "rule passes"
            passed.append(f"{len(others)} more blocking {verb} ({kinds})")
    return "SHIP: " + "; ".join([*passed, *reported])


def evaluate_policy(
    policy: Policy, comparison: Comparison, *, suite: Suite | None = None
) -> VerdictResult:
    """Judge ``policy`` on ``comparison`` and return the verdict with every rule's outcome.

    Assumes the comparison's intervals are at the policy's confidence (GateError otherwise:
    compare again at that level). Every metric and slice a rule names must exist in the
    comparison (GateError naming the rule and listing what exists), except rules marked
    ``if_present``, which are left out when their metric is absent. A ``metric: "*"`` rule
    gives one outcome per non-operational metric, in the comparison's order. ``suite`` (the
    compared suite) gives the margins its metrics declare and their scorers, which a
    ``non_inferiority`` rule without a margin of its own uses (docs/policies.md).
    """
    check_instance(policy, "policy", "evaluate_policy", Policy, "a Policy")
    check_instance(comparison, "comparison", "evaluate_policy", Comparison, "a Comparison")
    if suite is not None:
        check_instance(suite, "suite", "evaluate_policy", Suite, "a Suite or None")
    specs = {m.name: m for m in suite.metrics} if suite is not None else {}
    if not math.isclose(policy.confidence, comparison.confidence, rel_tol=0.0, abs_tol=1e-9):
        raise GateError(
            f"Policy {policy.name!r} judges at {policy.confidence:.1%} confidence, but the "
            f"comparison's intervals are at {comparison.confidence:.1%}; compare again at "
            f"{policy.confidence:.1%}."
        )
    outcomes: list[RuleOutcome] = []
    summaries: list[str] = []
    for tier, rule, metric, results in _plan(policy, comparison):
        kind = get_rule_kind(rule.kind)
        case = RuleCase(rule, rule.parameters, metric, results, comparison, specs)
        judgement = kind.judge(case)
        outcomes.append(
            RuleOutcome(
                rule=rule.name,
                tier=tier,
                kind=rule.kind,
                metric=metric,
                slice=rule.selector.label,
                outcome=judgement.outcome,
                blocking=rule.blocking,
                reason=judgement.reason,
                to_settle=judgement.to_settle if judgement.outcome == "inconclusive" else None,
                evidence=list(judgement.evidence),
                margins=rule_margins(case),
            )
        )
        summaries.append(judgement.summary)
    blocking = [o.outcome for o in outcomes if o.blocking]
    if "fail" in blocking:
        verdict = Verdict.BLOCK
    elif "inconclusive" in blocking:
        verdict = Verdict.INCONCLUSIVE
    else:
        verdict = Verdict.SHIP
    return VerdictResult(
        verdict=verdict,
        policy=policy.name,
        policy_digest=policy.digest,
        summary=_summary(verdict, list(zip(outcomes, summaries, strict=True))),
        rules=outcomes,
    )
