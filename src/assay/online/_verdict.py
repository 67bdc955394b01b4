"""A/B readouts judged by the same release policies as offline comparisons.

:func:`plan_policy` writes the plan's decision rule as a :class:`~assay.gates.Policy`: the
primary metric must be superior (the lower bound of its lift above zero, direction-aware) and
every guardrail non-inferior within its relative margin. :func:`decide_experiment` turns each
treatment arm's readout into a comparison (:func:`readout_comparison`), judges it with
:func:`~assay.gates.evaluate_policy`, and adds the outcomes a policy on a comparison cannot
see:

* ``sample_ratio`` (safety tier, kind ``srm``, blocking): fails when the sample-ratio χ² test
  rejects the planned split. A failed check means the assignment is broken and the numbers
  describe different populations, so the verdict is **BLOCK**, not INCONCLUSIVE: more data
  from the same broken assignment cannot settle anything; the assignment has to be repaired
  and the experiment run again.
* ``primary_family_adjusted`` (quality, kind ``multiplicity``, blocking; plan policies only,
  when the primary metric's p-value was adjusted over more than one comparison): passes when
  the adjusted p-value is below the α the policy judges at, inconclusive otherwise, so a
  marginally significant primary metric cannot SHIP when the planned multiplicity correction
  says it is not significant (the intervals the rules judge are marginal).
* one ``deviation`` outcome per deviation from the plan (:func:`check_deviations`): reported,
  not blocking, outcome ``fail``; except the deviations that would let a SHIP through on a
  looser test than planned (an unplanned early look with a fixed-horizon test, a larger α, a
  one-sided test where the plan is two-sided), which are blocking and inconclusive, so they
  turn a SHIP into **INCONCLUSIVE** (a BLOCK stays a BLOCK: a breach seen early is still a
  breach).

The verdict is then combined as the gates do: BLOCK when a blocking outcome fails, else
INCONCLUSIVE when one is inconclusive, else SHIP. The experiment's verdict is the best arm's
(SHIP over INCONCLUSIVE over BLOCK): it answers "may some treatment arm ship?".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.core import Comparison, RuleOutcome, Verdict, VerdictResult
from assay.errors import ConfigError, ParameterError
from assay.gates import Policy, PolicyRules, Rule, evaluate_policy, load_policy
from assay.online._comparison import Goal, readout_comparison
from assay.online._deviations import Analysis, Deviation, check_deviations, planned_sample
from assay.online._plan import ExperimentPlan
from assay.online._result import Readout

__all__ = [
    "ArmDecision",
    "ExperimentVerdict",
    "decide_experiment",
    "guardrail_rule",
    "plan_policy",
    "superiority_rule",
]

_RANK = {Verdict.SHIP: 0, Verdict.INCONCLUSIVE: 1, Verdict.BLOCK: 2}


def superiority_rule(metric: str) -> str:
    """Name of the plan policy's rule on the primary metric."""
    return f"{metric}_superiority"


def guardrail_rule(metric: str) -> str:
    """Name of the plan policy's rule on a guardrail."""
    return f"{metric}_non_inferiority"


def plan_policy(plan: ExperimentPlan, *, confidence: float | None = None) -> Policy:
    """The plan's decision rule as a policy, judged at ``confidence`` (default ``1 − plan.alpha``).

    Quality tier, in order: ``<primary>_superiority`` (kind ``superiority`` on the primary
    metric), then ``<guardrail>_non_inferiority`` for each guardrail (kind
    ``non_inferiority`` with ``relative_margin`` = the guardrail's margin, a share of the
    control's value). Every rule blocks. A guardrail margin outside (0, 1) is a ConfigError.
    """
    rules = [
        Rule.model_validate(
            {
                "name": superiority_rule(plan.primary_metric),
                "metric": plan.primary_metric,
                "kind": "superiority",
                "description": "primary metric of the plan: the lift must be above zero",
            }
        )
    ]
    for g in plan.guardrails:
        if not (math.isfinite(g.margin) and 0.0 < g.margin < 1.0):
            raise ConfigError(
                f"Guardrail {g.metric!r} of plan {plan.name!r}: the margin is a relative "
                f"worsening in (0, 1) (0.01 = 1%). Got {g.margin!r}."
            )
        rules.append(
            Rule.model_validate(
                {
                    "name": guardrail_rule(g.metric),
                    "metric": g.metric,
                    "kind": "non_inferiority",
                    "relative_margin": g.margin,
                    "description": f"guardrail: at most {g.margin:.2%} worse than control",
                }
            )
        )
    return Policy(
        name=f"{plan.name} (plan)",
        description=plan.decision_rule or plan.hypothesis,
        confidence=1.0 - plan.alpha if confidence is None else confidence,
        rules=PolicyRules(quality=tuple(rules)),
    )


@dataclass(frozen=True)
class ArmDecision:
    """One treatment arm against control: the comparison and its verdict."""

    treatment: str
    """The treatment arm."""
    comparison: Comparison
    """The readout as a comparison (:func:`readout_comparison`)."""
    verdict: VerdictResult
    """The policy's verdict with the sample-ratio and deviation outcomes."""


@dataclass(frozen=True)
class ExperimentVerdict:
    """Every treatment arm's verdict, the deviations from the plan, and the policy used."""

    decisions: tuple[ArmDecision, ...]
    """One per treatment arm, in the readout's order."""
    deviations: tuple[Deviation, ...]
    """Deviations of the analysis from the plan (empty without a plan)."""
    policy: Policy
    """The policy that judged the arms (the plan's, or the one given)."""
    trusted: bool
    """False when the sample-ratio check failed."""

    @property
    def best(self) -> ArmDecision:
        """The arm with the best verdict (SHIP over INCONCLUSIVE over BLOCK; first on ties)."""
        return min(self.decisions, key=lambda d: _RANK[d.verdict.verdict])

    @property
    def verdict(self) -> Verdict:
        """The best arm's verdict: whether some treatment arm may ship."""
        return self.best.verdict.verdict

    def arm(self, treatment: str) -> ArmDecision:
        """The decision for one treatment arm."""
        for d in self.decisions:
            if d.treatment == treatment:
                return d
        raise KeyError(treatment)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: verdict, per-arm comparison and verdict, deviations, policy."""
        return {
            "verdict": self.verdict.value,
            "trusted": self.trusted,
            "arms": [
                {
                    "treatment": d.treatment,
                    "verdict": d.verdict.model_dump(mode="json"),
                    "comparison": d.comparison.model_dump(mode="json"),
                }
                for d in self.decisions
            ],
            "deviations": [dataclasses.asdict(d) for d in self.deviations],
            "policy": self.policy.model_dump(mode="json"),
        }


def _share(x: float) -> str:
    return f"{100 * x:.3g}%"


def srm_outcome(readout: Readout) -> RuleOutcome:
    """The sample-ratio check as a blocking safety outcome (fails on a mismatch)."""
    s = readout.srm
    total = sum(s.observed) or 1
    observed = " / ".join(
        f"{a} {n:,} ({_share(n / total)})" for a, n in zip(s.arms, s.observed, strict=True)
    )
    planned = " / ".join(_share(p) for p in s.planned)
    split = f"observed {observed} vs planned {planned}"
    if s.mismatch:
        reason = (
            f"sample-ratio mismatch: chi-square p={s.p_value:.3g} < {s.threshold:g}; {split}. "
            "The assignment is broken, so the readout cannot be trusted and cannot ship; "
            "repair the assignment and rerun"
        )
    else:
        reason = f"chi-square p={s.p_value:.3g} ≥ {s.threshold:g}; {split}"
    return RuleOutcome(
        rule="sample_ratio",
        tier="safety",
        kind="srm",
        metric="users per arm",
        outcome="fail" if s.mismatch else "pass",
        blocking=True,
        reason=reason,
    )


def _family_outcome(comparison: Comparison, plan: ExperimentPlan) -> RuleOutcome | None:
    r = comparison.result(plan.primary_metric)
    if r.p_adjusted is None or math.isnan(r.p_adjusted):
        return None
    alpha = 1.0 - comparison.confidence  # the level the policy judges at
    ok = r.p_adjusted < alpha
    reason = (
        f"{r.metric}: p={r.p_value:.3g}, adjusted p={r.p_adjusted:.3g} ({r.adjustment}) "
        + ("<" if ok else "≥")
        + f" alpha {alpha:.6g}"
    )
    return RuleOutcome(
        rule="primary_family_adjusted",
        tier="quality",
        kind="multiplicity",
        metric=r.metric,
        outcome="pass" if ok else "inconclusive",
        blocking=True,
        reason=reason,
        to_settle=None
        if ok
        else (
            "the primary metric is not significant after the planned multiplicity "
            "adjustment; more users (or the planned horizon) would settle it"
        ),
        evidence=[r.label],
    )


def deviation_outcome(d: Deviation) -> RuleOutcome:
    """A deviation as a reported outcome (``fail``), or, when it blocks a SHIP, a blocking
    ``inconclusive`` one."""
    name = f"deviation_{d.kind}" + (f"_{d.metric}" if d.kind.endswith("_metric") else "")
    return RuleOutcome(
        rule=name,
        tier="quality",
        kind="deviation",
        metric=d.metric or "plan",
        outcome="inconclusive" if d.blocks_ship else "fail",
        blocking=d.blocks_ship,
        reason=f"deviation from the plan: {d.message} (planned: {d.planned}; actual: {d.actual})",
        to_settle=d.to_settle if d.blocks_ship else None,
    )


def _sample_outcome(text: str, final: bool, *, sequential: bool) -> RuleOutcome:
    """How much of the planned sample was read: reported, never blocking by itself (an early
    fixed-horizon look blocks through its ``early_look`` deviation)."""
    return RuleOutcome(
        rule="planned_sample",
        tier="quality",
        kind="sample",
        metric="users per arm",
        outcome="pass" if final or sequential else "inconclusive",
        blocking=False,
        reason="read " + text + (" (sequential: any look is valid)" if sequential else ""),
    )


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def combine(
    base: VerdictResult, extra_before: list[RuleOutcome], extra_after: list[RuleOutcome]
) -> VerdictResult:
    """The base verdict with more outcomes, recombined (see the module docstring)."""
    rules = [*extra_before, *base.rules, *extra_after]
    blocking = [o for o in rules if o.blocking]
    fail = [f"{o.tier} rule {o.rule!r}" for o in blocking if o.outcome == "fail"]
    unsure = [f"{o.tier} rule {o.rule!r}" for o in blocking if o.outcome == "inconclusive"]
    reported = [f"{o.rule!r}" for o in rules if not o.blocking and o.outcome == "fail"]
    if fail:
        verdict = Verdict.BLOCK
        summary = f"BLOCK: blocking {_join(fail)} {'fails' if len(fail) == 1 else 'fail'}."
    elif unsure:
        verdict = Verdict.INCONCLUSIVE
        verb = "is" if len(unsure) == 1 else "are"
        summary = f"INCONCLUSIVE: no blocking rule fails, but {_join(unsure)} {verb} inconclusive."
    else:
        verdict = Verdict.SHIP
        summary = "SHIP: every blocking rule passes" if blocking else "SHIP: no blocking rule"
        if reported:
            summary += f"; reported only: {_join(reported)}"
        summary += "."
    return VerdictResult(
        verdict=verdict,
        policy=base.policy,
        policy_digest=base.policy_digest,
        summary=summary,
        rules=rules,
    )


def decide_experiment(
    readout: Readout,
    plan: ExperimentPlan | None = None,
    *,
    policy: Policy | str | Path | Mapping[str, Any] | None = None,
    analysis: Analysis | None = None,
    goals: Mapping[str, Goal] | None = None,
) -> ExperimentVerdict:
    """Judge every treatment arm of ``readout`` with a release policy; SHIP, BLOCK or INCONCLUSIVE.

    The policy is ``policy`` (a :class:`~assay.gates.Policy`, a YAML file or text, or a
    mapping; its confidence must equal the readout's) or, without one, :func:`plan_policy` at
    the readout's confidence (a level other than the plan's is an ``alpha`` deviation).
    With a plan, deviations are checked against ``analysis`` (default:
    :meth:`Analysis.from_readout` with the plan's primary metric and no dates, which cannot
    detect an early look by date). The outcomes added to the policy's and how the verdict is
    combined are described in the module docstring.
    """
    fn = "decide_experiment"
    if plan is None and policy is None:
        raise ParameterError("policy", fn, "a policy when no plan is given", None)
    if policy is None:
        assert plan is not None
        judge = plan_policy(plan, confidence=float(readout.parameters["confidence"]))
        from_plan = True
    elif isinstance(policy, Policy):
        judge, from_plan = policy, False
    elif isinstance(policy, (str, Path, Mapping)):
        judge, from_plan = load_policy(policy), False
    else:
        raise ParameterError("policy", fn, "a Policy, a YAML file or text, or a mapping", policy)
    deviations: list[Deviation] = []
    after: list[RuleOutcome] = []
    if plan is not None:
        analysis = analysis if analysis is not None else Analysis.from_readout(readout, plan=plan)
        deviations = check_deviations(plan, analysis)
        progress = planned_sample(plan, analysis)
        if progress is not None:
            after.append(_sample_outcome(*progress, sequential=analysis.sequential))
    srm = srm_outcome(readout)
    after += [deviation_outcome(d) for d in deviations]
    decisions = []
    for treatment in readout.arms[1:]:
        comparison = readout_comparison(readout, treatment, plan=plan, goals=goals)
        base = evaluate_policy(judge, comparison)
        extra = list(after)
        if from_plan and plan is not None and _family_size(readout, plan) > 1:
            family = _family_outcome(comparison, plan)
            if family is not None:
                extra.insert(0, family)
        decisions.append(ArmDecision(treatment, comparison, combine(base, [srm], extra)))
    return ExperimentVerdict(tuple(decisions), tuple(deviations), judge, readout.trusted)


def _family_size(readout: Readout, plan: ExperimentPlan) -> int:
    """Comparisons adjusted together with the primary metric (metrics × treatment arms)."""
    family = readout.parameters.get("family") or []
    if readout.parameters.get("multiplicity") == "none" or plan.primary_metric not in family:
        return 0
    return sum(1 for r in readout.lifts if r.metric in family and not math.isnan(r.p_value))
