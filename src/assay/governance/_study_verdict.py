"""A study's deviations in a decision's verdict: each one a reported ``deviation`` rule outcome
(``fail``, never blocking, as an online experiment's deviations are) and one sentence added to
the summary, so whoever reads the verdict, the memo or the ledger sees them beside the evidence;
and the study's own verdict on its hypothesis (``study_hypothesis``, kind ``hypothesis``): the
primary metric's interval against the registered minimum effect.

Flags only report; they never change the verdict. A server that re-gates a decision's runs
recomputes them from the study in its ledger and requires the same flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from assay._util import decimals, format_number
from assay.core import MetricComparison, RuleOutcome, VerdictResult
from assay.governance._study import StudyPlan
from assay.governance._study_checks import StudyDeviation
from assay.governance._study_strength import in_points, signed_effect

__all__ = [
    "HYPOTHESIS_WORDS",
    "STUDY_DEVIATION_RULE",
    "STUDY_HYPOTHESIS_RULE",
    "flag_verdict",
    "hypothesis_outcome",
    "study_deviation_outcome",
]

STUDY_HYPOTHESIS_RULE = "study_hypothesis"
"""The rule name of a study's verdict on its hypothesis (kind ``hypothesis``)."""

HYPOTHESIS_WORDS = {"pass": "supported", "fail": "not supported", "inconclusive": "not settled"}
"""How a hypothesis outcome reads: ``supported``, ``not supported``, ``not settled``."""

STUDY_DEVIATION_RULE = "study_deviation_"
"""The prefix of the rule name of a study deviation's outcome (``study_deviation_policy``)."""


def study_deviation_outcome(study: str, deviation: StudyDeviation) -> RuleOutcome:
    """A study deviation as a reported (non-blocking, failed) rule outcome."""
    d = deviation
    return RuleOutcome(
        rule=f"{STUDY_DEVIATION_RULE}{d.kind}",
        tier="quality",
        kind="deviation",
        metric="plan",
        outcome="fail",
        blocking=False,
        reason=(
            f"deviation from study {study!r}: {d.message} (planned: {d.planned}; "
            f"actual: {d.actual})"
        ),
    )


class _Improvement(NamedTuple):
    estimate: float
    low: float
    high: float


def _improvement_text(iv: _Improvement, points: bool) -> str:
    """``−0.4 points [−1.0, 0.0]`` (a proportion), else ``+0.012 [+0.004, +0.020]``: the
    improvement with its interval, by :mod:`assay._util`'s formatter."""
    scale = "pts" if points else ""
    places, k = decimals(scale, iv), 100.0 if points else 1.0
    low, high = (format_number(v * k, places, signed=True) for v in (iv.low, iv.high))
    unit = " points" if points else ""
    return f"{format_number(iv.estimate * k, places, signed=True)}{unit} [{low}, {high}]"


def hypothesis_outcome(plan: StudyPlan, result: MetricComparison | None) -> RuleOutcome:
    """The study's own verdict on its hypothesis, from the primary metric's paired interval
    ``result`` (all examples): ``pass`` ("supported") when the improvement's interval lies
    entirely above the registered minimum effect, ``fail`` ("not supported") when it lies
    entirely below it, ``inconclusive`` ("not settled") otherwise or without the metric.
    Reported only, never blocking."""
    metric, effect = plan.primary_metric, plan.minimum_effect
    outcome: Literal["pass", "fail", "inconclusive"]
    if result is None:
        outcome, said = "inconclusive", f"{metric} was not compared"
    else:
        d = result.difference
        sign = 1.0 if plan.goal == "higher" else -1.0  # the improvement, in the goal's direction
        low, high = sorted((sign * d.low, sign * d.high))
        outcome = "pass" if low > effect else "fail" if high < effect else "inconclusive"
        points = in_points(result)
        said = (
            f"{metric} improved by "
            f"{_improvement_text(_Improvement(sign * d.estimate, low, high), points)} "
            f"({d.method}, {d.confidence:.0%} confidence); the study registered "
            f"{signed_effect(effect, points)} as the effect that matters"
        )
    return RuleOutcome(
        rule=STUDY_HYPOTHESIS_RULE,
        tier="quality",
        kind="hypothesis",
        metric=metric,
        outcome=outcome,
        blocking=False,
        reason=f"hypothesis of study {plan.name!r} {HYPOTHESIS_WORDS[outcome]}: {said}",
    )


def _lead(summary: str) -> str:
    return summary.rstrip().rstrip(".") + ". Study "


def flag_verdict(
    verdict: VerdictResult,
    study: str,
    deviations: Sequence[StudyDeviation],
    hypothesis: RuleOutcome | None = None,
) -> VerdictResult:
    """``verdict`` with one ``deviation`` outcome per deviation and its summary naming them
    ("… Study 'NAME': 2 deviations from the registered plan (policy, sample size)."), and
    the study's ``hypothesis`` outcome (:func:`hypothesis_outcome`) when given, named in the
    summary too ("… Hypothesis not supported."); the verdict itself is unchanged."""
    told = [] if hypothesis is None else [hypothesis]
    tail = "" if hypothesis is None else f" Hypothesis {HYPOTHESIS_WORDS[hypothesis.outcome]}."
    if not deviations:
        said = f"{study!r}: no deviation from the registered plan.{tail}"
        rules = [*verdict.rules, *told]
        return verdict.model_copy(update={"summary": _lead(verdict.summary) + said, "rules": rules})
    kinds = ", ".join(d.kind.replace("_", " ") for d in deviations)
    many = len(deviations)
    said = (
        f"{study!r}: {many} deviation{'s' if many > 1 else ''} from the registered plan "
        f"({kinds}).{tail}"
    )
    rules = [*verdict.rules, *(study_deviation_outcome(study, d) for d in deviations), *told]
    return verdict.model_copy(update={"summary": _lead(verdict.summary) + said, "rules": rules})
