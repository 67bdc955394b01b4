"""What a study's evidence says against its registered plan: deviations, futility and state.

A deviation is a fact about how the study was run, not a judgement of its data: the runs were
evaluated on another suite version than registered, the decision used another policy or did
not judge the primary metric, fewer examples than planned were read, more looks were taken
than the stopping rule allows, or the decision came after the deadline. Online studies take
their deviations from :func:`assay.online.check_deviations` instead (the workflow converts
them); nothing here repeats that machinery.

Futility is judged on an anytime-valid confidence sequence of the per-example improvement
(candidate − baseline, signed so that positive is better), so it may be read at every look:
when even its upper bound is below the minimum effect that matters, more data cannot show
that effect at the sequence's confidence, and the study should stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np

from assay._util import check_choice, check_number, check_probability
from assay.errors import ParameterError
from assay.governance._study import StudyRegistration
from assay.stats.sequential import (
    paired_empirical_bernstein_confidence_sequence,
    paired_normal_mixture_confidence_sequence,
)

__all__ = [
    "STUDY_STATES",
    "Futility",
    "StudyDeviation",
    "StudyState",
    "futility",
    "offline_deviations",
    "overdue",
    "study_state",
]

StudyState = Literal["planned", "running", "decided", "killed"]
STUDY_STATES: tuple[StudyState, ...] = ("planned", "running", "decided", "killed")
"""A study's states: registered only, runs attached, a decision attached, killed."""


@dataclass(frozen=True)
class StudyDeviation:
    """One difference between a study's registered plan and what was done."""

    kind: str
    """``primary_metric``, ``policy``, ``suite``, ``sample_size``, ``looks``, ``deadline``;
    for an online study, the kind :func:`assay.online.check_deviations` reported."""
    planned: str
    """What the plan said."""
    actual: str
    """What was done."""
    message: str
    """The deviation in words."""


def offline_deviations(
    registration: StudyRegistration,
    *,
    run_suites: Sequence[tuple[str, str]] = (),
    n: int | None = None,
    looks: int = 0,
    metrics: Sequence[str] | None = None,
    policy: tuple[str, str] | None = None,
    decided_on: date | None = None,
) -> list[StudyDeviation]:
    """Every deviation of an offline study's evidence from its registration.

    ``run_suites``: (run id, suite digest) of each run used; ``n``: paired examples read for
    the primary metric; ``looks``: candidate runs read against the baseline; ``metrics``: the
    metrics the decision judged (``None`` before a decision); ``policy``: (name, digest) of the
    decision's policy; ``decided_on``: the decision's day. A study not decided by its deadline
    is flagged by :func:`overdue`, not here.
    """
    plan, out = registration.plan, []

    def add(kind: str, planned: str, actual: str, message: str) -> None:
        out.append(StudyDeviation(kind, planned, actual, message))

    registered = set(registration.suite_digests.values())
    for run_id, suite in run_suites:
        if suite not in registered:
            add(
                "suite",
                ", ".join(d[:12] for d in sorted(registered)),
                suite[:12],
                f"run {run_id[:12]} was evaluated on suite version {suite[:12]}, not a "
                "registered one; its evidence is not the planned evidence",
            )
    if metrics is not None and plan.primary_metric not in metrics:
        add(
            "primary_metric",
            plan.primary_metric,
            ", ".join(metrics) or "none",
            f"the decision did not judge the registered primary metric {plan.primary_metric!r}",
        )
    if policy is not None and policy[1] != registration.policy_digest:
        add(
            "policy",
            f"{registration.policy_name} ({registration.policy_digest[:12]})",
            f"{policy[0]} ({policy[1][:12]})",
            f"the decision used policy {policy[0]!r}, not the registered "
            f"{registration.policy_name!r} (or the registered policy was changed)",
        )
    planned_n = registration.sample_size.planned
    if n is not None and n < planned_n and (metrics is not None or looks > 0):
        add(
            "sample_size",
            f"{planned_n:,} examples",
            f"{n:,} examples",
            f"{n:,} paired examples read, {100 * n / planned_n:.3g}% of the planned "
            f"{planned_n:,}"
            + (
                "; a fixed-n study read early"
                if plan.stopping_rule.kind == "fixed"
                else "; allowed by the sequential stopping rule only with anytime-valid bounds"
            ),
        )
    allowed = plan.stopping_rule.max_looks
    if looks > allowed:
        add(
            "looks",
            f"at most {allowed} look{'s' if allowed > 1 else ''}",
            f"{looks} looks",
            f"{looks} candidate runs were read against the baseline; the "
            f"{plan.stopping_rule.kind} stopping rule allows {allowed}",
        )
    if decided_on is not None and decided_on > plan.deadline:
        add(
            "deadline",
            plan.deadline.isoformat(),
            decided_on.isoformat(),
            f"decided on {decided_on.isoformat()}, after the registered deadline "
            f"{plan.deadline.isoformat()}",
        )
    return out


@dataclass(frozen=True)
class Futility:
    """The anytime-valid reading of a study's evidence against its minimum effect."""

    outcome: Literal["stop", "effect shown", "continue"]
    """``stop``: the upper bound is below the minimum effect; ``effect shown``: the lower
    bound is at or above it; ``continue``: the sequence still contains it."""
    estimate: float
    """Mean improvement (positive: the candidate is better)."""
    low: float
    """Lower bound of the confidence sequence at the last look."""
    high: float
    """Upper bound of the confidence sequence at the last look."""
    n: int
    """Paired examples read."""
    confidence: float
    """Time-uniform confidence."""
    method: str
    """The confidence sequence, in words."""
    minimum_effect: float
    """The registered effect that matters."""

    @property
    def message(self) -> str:
        """The reading in words."""
        bounds = f"[{self.low:+.4g}, {self.high:+.4g}]"
        level = f"{100 * self.confidence:g}% confidence sequence ({self.method})"
        if self.outcome == "stop":
            return (
                f"even the upper bound of the {level} of the improvement, {bounds}, is below "
                f"the effect that matters ({self.minimum_effect:g}): stop"
            )
        if self.outcome == "effect shown":
            return (
                f"the lower bound of the {level} of the improvement, {bounds}, reaches the "
                f"effect that matters ({self.minimum_effect:g})"
            )
        return (
            f"the {level} of the improvement, {bounds}, still contains the effect that "
            f"matters ({self.minimum_effect:g}): continue"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, with the message."""
        return {**self.__dict__, "message": self.message}


def futility(
    baseline: Any,
    candidate: Any,
    *,
    minimum_effect: float,
    goal: Literal["higher", "lower"] = "higher",
    confidence: float = 0.95,
) -> Futility:
    """Judge the per-example scores of both runs (paired, in evaluation order) on a confidence
    sequence: the predictable plug-in empirical-Bernstein sequence when every score is in
    [0, 1] (valid at every n), else the normal mixture with estimated σ (asymptotically valid;
    tuned for the number of pairs seen)."""
    effect = check_number(minimum_effect, "minimum_effect", "futility", low=0.0, low_open=True)
    check_choice(goal, "goal", "futility", ("higher", "lower"))
    check_probability(confidence, "confidence", "futility")
    base = np.asarray(baseline, dtype=np.float64)
    cand = np.asarray(candidate, dtype=np.float64)
    if base.ndim != 1 or base.shape != cand.shape or base.size == 0:
        raise ParameterError(
            "candidate", "futility", f"{base.size} scores paired with the baseline's", cand.size
        )
    unit = bool(np.all((base >= 0) & (base <= 1) & (cand >= 0) & (cand <= 1)))
    bounds = (0.0, 1.0)
    if goal == "lower":  # improvement is a decrease: flip both so that higher is better
        base, cand, bounds = -base, -cand, (-1.0, 0.0)
    if unit:
        cs = paired_empirical_bernstein_confidence_sequence(
            base, cand, confidence=confidence, bounds=bounds
        )
    else:
        tuned = max(int(base.size), 2)
        cs = paired_normal_mixture_confidence_sequence(
            base, cand, confidence=confidence, tuned_for_n=tuned
        )
    final = cs.final
    outcome: Literal["stop", "effect shown", "continue"] = "continue"
    if final.high < effect:
        outcome = "stop"
    elif final.low >= effect:
        outcome = "effect shown"
    return Futility(
        outcome=outcome,
        estimate=final.estimate,
        low=final.low,
        high=final.high,
        n=int(base.size),
        confidence=cs.confidence,
        method=cs.method,
        minimum_effect=effect,
    )


def study_state(events: Sequence[dict[str, Any]]) -> StudyState:
    """The state that a study's ``study_event`` payloads (oldest first) put it in."""
    if any(e.get("event") == "kill" for e in events):
        return "killed"
    if any(e.get("event") == "attach" and "decision" in e for e in events):
        return "decided"
    if any(e.get("event") == "attach" and "run" in e for e in events):
        return "running"
    return "planned"


def overdue(registration: StudyRegistration, state: StudyState, today: date) -> bool:
    """Whether a study still open (planned or running) is past its deadline."""
    return state in ("planned", "running") and today > registration.plan.deadline
