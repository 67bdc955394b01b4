"""The evidence behind a verdict, in plain words: what decided it and why nothing else did.

Every format (HTML, Markdown, memo, CI summary) leads with these lines, so a reader sees the
numbers that decided before the names of the rules. They are built from the rules' outcomes and
the comparison's results, never from the verdict's summary sentence. Each function takes the
format's escaping (``esc``) and applies it to every untrusted piece (names, labels, reasons)
and to nothing else, so the numbers read plainly (``p < 0.001``) in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assay.core import Comparison, MetricComparison, RuleOutcome, Verdict, VerdictResult
from assay.gates import NoRegressionParameters, Policy, Rule, regression_p_value
from assay.reports._format import diff_text, direction, plural, pvalue_text, units_of
from assay.stats import adjust_pvalues

__all__ = [
    "DecidingEvidence",
    "against",
    "deciding_evidence",
    "policy_rule",
    "rule_results",
    "worse_slice_notes",
]

_SHOWN = 3
"""Results named per deciding rule; the rest are counted."""

_METHOD = {"holm": "Holm", "bh": "Benjamini–Hochberg"}

Escape = Callable[[str], str]
"""How a format escapes untrusted text (``md``, HTML escaping, or ``str`` for plain text)."""


def policy_rule(policy: Policy | None, name: str) -> Rule | None:
    """The policy's rule called ``name``, when a policy is at hand."""
    if policy is None:
        return None
    return next((rule for _, _, rule in policy.tiered() if rule.name == name), None)


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


def _p(r: MetricComparison) -> tuple[str, float | None]:
    if r.p_adjusted is not None:
        return "p_adj", r.p_adjusted
    return "p", r.p_value


def result_evidence(r: MetricComparison, esc: Escape = str) -> str:
    """``accuracy on language=de −22.2 points [−34.3, −9.1], p_adj 0.004``."""
    name, p = _p(r)
    resamples = r.resamples if name == "p" else None
    shown = f"{diff_text(r.difference, units_of(r))}, {name} {pvalue_text(p, resamples)}"
    return f"{esc(r.label)} {shown}"


def against(results: list[MetricComparison]) -> list[MetricComparison]:
    """The results that argue against the candidate first, the most certain first."""
    worse = [r for r in results if direction(r) == "worse"]
    pool = worse or results
    return sorted(pool, key=lambda r: (_p(r)[1] if _p(r)[1] is not None else 1.0, r.label))


def _for(results: list[MetricComparison]) -> list[MetricComparison]:
    overall = [r for r in results if r.slice_attribute is None]
    return overall or results


def _named(results: list[MetricComparison], esc: Escape) -> str:
    parts = [result_evidence(r, esc) for r in results[:_SHOWN]]
    more = len(results) - _SHOWN
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class DecidingEvidence:
    """The lines that lead every report of a verdict."""

    verdict: str
    """``SHIP``, ``BLOCK`` or ``INCONCLUSIVE``."""
    evidence: str
    """``accuracy on language=de −22.2 points [−34.3, −9.1], p_adj 0.004 (fails rule …)``."""
    rules: list[str]
    """One line per deciding rule: its outcome, whether it blocks, its reason."""
    deciding: list[RuleOutcome]
    """The rules that decided (blocking failures, open blocking rules, or the passes)."""
    next_step: str
    """What happens next, in one sentence."""

    @property
    def headline(self) -> str:
        """``BLOCK: `` and the evidence."""
        return f"{self.verdict}: {self.evidence}"


def deciding_evidence(c: Comparison, v: VerdictResult, esc: Escape = str) -> DecidingEvidence:
    """The deciding rules of ``v`` with the comparison's numbers for each, untrusted text
    escaped with ``esc``."""
    blocking = [r for r in v.rules if r.blocking]
    if v.verdict == Verdict.BLOCK:
        deciding = [r for r in blocking if r.outcome == "fail"]
        pick = against
    elif v.verdict == Verdict.INCONCLUSIVE:
        deciding = [r for r in blocking if r.outcome == "inconclusive"]
        pick = against
    else:
        deciding = [r for r in blocking if r.outcome == "pass"]
        pick = _for
    ranked = []
    for rule in deciding:
        found = pick(rule_results(c, rule))
        shown = _named(found, esc) if found else f"{esc(rule.metric)}: {esc(rule.reason)}"
        verb = {"fail": "fails", "inconclusive": "does not settle", "pass": "passes"}[rule.outcome]
        overall = any(r.slice_attribute is None for r in found)
        ranked.append(((not found, not overall), f"{shown} ({verb} rule {esc(rule.rule)})"))
    # Rules judged on the comparison's results speak first (a coverage check has none); for
    # SHIP, the overall results (the slices are in the rule lines below).
    ranked.sort(key=lambda t: t[0])
    if v.verdict == Verdict.SHIP and any(not k[1] for k, _ in ranked):
        ranked = [(k, t) for k, t in ranked if not k[1]]
    evidence = [text for _, text in ranked]
    word = v.verdict.value
    more = f"; and {plural(len(deciding) - 2, 'more blocking rule')}" if len(deciding) > 2 else ""
    if not deciding:
        head = "the policy has no blocking rule"
    elif v.verdict == Verdict.SHIP:
        n = len(deciding)
        head = f"all {n} blocking rule{'s' if n != 1 else ''} passed; " + "; ".join(evidence[:2])
    else:
        head = "; ".join(evidence[:2]) + more
    lines = []
    for rule in deciding:
        state = {"fail": "failed", "inconclusive": "is not settled", "pass": "passed"}
        line = f"{esc(rule.rule)} ({rule.tier}, blocking) {state[rule.outcome]}: {esc(rule.reason)}"
        if rule.outcome == "inconclusive" and rule.to_settle:
            line += f". To settle: {esc(rule.to_settle)}"
        lines.append(line)
    cand, base = esc(c.candidate_model), esc(c.baseline_model)
    nxt = {
        Verdict.SHIP: f"{cand} may replace {base} through a staged "
        "rollout, after sign-off, rolled back if a guardrail is crossed.",
        Verdict.BLOCK: f"{cand} must not ship; {base} stays. To ship, "
        + "; ".join(f"{esc(r.rule)} must pass on new evidence" for r in deciding[:3])
        + ".",
        Verdict.INCONCLUSIVE: f"{c.candidate_model} does not ship yet; collect the evidence "
        "that settles " + ", ".join(r.rule for r in deciding[:3]) + ", then gate again.",
    }[v.verdict]
    return DecidingEvidence(word, head, lines, deciding, nxt)


def _covers(rule: RuleOutcome, r: MetricComparison) -> bool:
    if r.label in rule.evidence:
        return True
    if rule.metric != r.metric or r.slice_attribute is None:
        return False
    target = rule.slice or ""
    return target in (
        f"{r.slice_attribute}={r.slice_value}",
        f"every slice of {r.slice_attribute}",
        "every slice",
    )


def _holm_p(
    c: Comparison, rule: RuleOutcome, r: MetricComparison, policy: Policy | None
) -> tuple[float, str] | None:
    """The adjusted one-sided p-value a no_regression rule gave ``r``, recomputed."""
    found = policy_rule(policy, rule.rule)
    params = found.parameters if found is not None else NoRegressionParameters()
    assert isinstance(params, NoRegressionParameters)
    judged = [x for x in rule_results(c, rule) if x.n >= params.min_slice_size]
    labels = [x.label for x in judged]
    if r.label not in labels:
        return None
    adjusted = adjust_pvalues(
        [regression_p_value(x) for x in judged], method=params.multiplicity
    ).adjusted
    p = float(adjusted[labels.index(r.label)])
    return (
        p,
        f"{_METHOD[params.multiplicity]} over {len(judged)} slice{'s' if len(judged) != 1 else ''}",
    )


def worse_slice_notes(
    c: Comparison, v: VerdictResult, policy: Policy | None = None, esc: Escape = str
) -> list[str]:
    """For a verdict that is not BLOCK: why each slice marked worse did not block, untrusted
    text escaped with ``esc``."""
    if v.verdict == Verdict.BLOCK:
        return []
    out = []
    for r in c.results:
        if r.slice_attribute is None or direction(r) != "worse":
            continue
        rules = [rule for rule in v.rules if _covers(rule, r)]
        shown = f"{esc(r.label)} is marked worse ({diff_text(r.difference, units_of(r))})"
        blocking = [rule for rule in rules if rule.blocking]
        if not rules:
            out.append(f"{shown} but no rule of the policy judges this slice.")
            continue
        if not blocking:
            names = ", ".join(esc(rule.rule) for rule in rules)
            out.append(f"{shown} but its rule ({names}) is reported only.")
            continue
        rule = blocking[0]
        if rule.kind == "no_regression":
            holm = _holm_p(c, rule, r, policy)
            if holm is None:
                why = f"too small for rule {esc(rule.rule)} to judge (n={r.n:,})"
            else:
                p, family = holm
                why = f"not significant after {family}, p_adj {pvalue_text(p)}"
        elif rule.outcome == "pass":
            why = f"within what rule {esc(rule.rule)} allows: {esc(rule.reason)}"
        else:
            why = f"rule {esc(rule.rule)} is {rule.outcome}: {esc(rule.reason)}"
        out.append(f"{shown} but did not block: {why}.")
    return out
