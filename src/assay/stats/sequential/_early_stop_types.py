"""The plan and the outcome of a planned early stop (see :mod:`assay.runners._early_stop`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from assay.errors import ParameterError

__all__ = [
    "METHOD",
    "TRUNCATION",
    "EarlyStop",
    "EarlyStopDecision",
    "EarlyStopResult",
    "Goal",
    "check_values",
    "early_stop_decision",
    "plan_parameters",
]

TRUNCATION = 0.5
METHOD = "predictable plug-in empirical bernstein confidence sequence (Waudby-Smith & Ramdas 2023)"

Goal = Literal["higher", "lower"]


class EarlyStopDecision(StrEnum):
    """How a planned early stop ended."""

    NOT_WORSE = "not_worse"
    """The whole interval for the improvement is above −margin."""
    WORSE = "worse"
    """The whole interval for the improvement is below −margin."""
    UNDECIDED = "undecided"
    """The suite ran out before the interval left −margin."""


@dataclass(frozen=True)
class EarlyStop:
    """The plan of an early-stopped evaluation; fixed before any example is evaluated."""

    metric: str
    """The suite metric the decision is about; its per-example scores must lie in ``bounds``."""
    baseline: float | Mapping[str, float]
    """A fixed reference value to beat, or a baseline run's per-example scores by example_id
    (a paired comparison; examples without a baseline score do not enter the sequence)."""
    margin: float = 0.0
    """Non-inferiority margin, in the metric's units (0: a superiority/inferiority decision)."""
    confidence: float = 0.95
    """Time-uniform confidence of the sequence; 1 − confidence bounds a wrong decision."""
    min_examples: int = 100
    """No decision before this many examples have been evaluated."""
    check_every: int = 50
    """Examples evaluated between two looks at the sequence."""
    seed: int = 0
    """Seed of the random evaluation order."""
    bounds: tuple[float, float] = (0.0, 1.0)
    """The range one per-example score is known to lie in."""
    baseline_run: str | None = None
    """The stored run the baseline scores came from (:func:`assay.early_stop_plan` sets it)."""


@dataclass(frozen=True)
class EarlyStopResult:
    """How an early-stopped evaluation ended; goes into the run's provenance."""

    decision: EarlyStopDecision
    """``not_worse``, ``worse`` or ``undecided``."""
    metric: str
    """The metric decided on."""
    goal: Goal
    """Whether higher or lower values of the metric are better."""
    n_used: int
    """Examples evaluated."""
    n_total: int
    """Examples in the suite."""
    n_observations: int
    """Examples that entered the sequence (evaluated, no error, with a baseline score)."""
    estimate: float
    """Mean of candidate − baseline over those examples (NaN when there were none)."""
    low: float
    """Lower bound of the final interval for candidate − baseline."""
    high: float
    """Upper bound of the final interval for candidate − baseline."""
    confidence: float
    """Time-uniform confidence of the interval."""
    margin: float
    """The non-inferiority margin."""
    comparison: Literal["fixed", "paired"]
    """Against a fixed baseline value, or paired with a baseline run's per-example scores."""
    method: str
    """The confidence sequence, in words."""
    parameters: dict[str, Any]
    """The plan's parameters (seed, min_examples, check_every, bounds, truncation)."""
    planned: bool = True
    """The stop followed a plan fixed in advance (not a look at a fixed-n interval)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ``provenance["early_stop"]``."""

        def num(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "decision": self.decision.value,
            "metric": self.metric,
            "goal": self.goal,
            "n_used": self.n_used,
            "n_total": self.n_total,
            "n_observations": self.n_observations,
            "estimate": num(self.estimate),
            "low": num(self.low),
            "high": num(self.high),
            "confidence": self.confidence,
            "margin": self.margin,
            "comparison": self.comparison,
            "method": self.method,
            "parameters": dict(self.parameters),
            "planned": self.planned,
        }


def early_stop_decision(low: float, high: float, margin: float, goal: Goal) -> EarlyStopDecision:
    """Classify an interval for candidate − baseline against −margin in the ``goal`` direction."""
    better_low, better_high = (low, high) if goal == "higher" else (-high, -low)
    if better_low > -margin:
        return EarlyStopDecision.NOT_WORSE
    if better_high < -margin:
        return EarlyStopDecision.WORSE
    return EarlyStopDecision.UNDECIDED


def check_values(plan: EarlyStop) -> None:
    """Refuse a plan whose margin, confidence, looks, bounds or fixed baseline are invalid."""
    lo, hi = plan.bounds
    for name, value, ok in (
        ("margin", plan.margin, math.isfinite(plan.margin) and plan.margin >= 0),
        ("confidence", plan.confidence, 0.0 < plan.confidence < 1.0),
        ("min_examples", plan.min_examples, plan.min_examples >= 1),
        ("check_every", plan.check_every, plan.check_every >= 1),
        ("bounds", plan.bounds, math.isfinite(lo) and math.isfinite(hi) and lo < hi),
    ):
        if not ok:
            expected = {
                "margin": "a finite float >= 0",
                "confidence": "a float in (0, 1)",
                "min_examples": "an integer >= 1",
                "check_every": "an integer >= 1",
                "bounds": "a pair (low, high) of finite floats with low < high",
            }[name]
            raise ParameterError(name, "EarlyStop", expected, value)
    if not isinstance(plan.baseline, Mapping) and not lo <= float(plan.baseline) <= hi:
        raise ParameterError("baseline", "EarlyStop", f"a value in [{lo:g}, {hi:g}]", plan.baseline)


def plan_parameters(plan: EarlyStop) -> dict[str, Any]:
    """The plan's settings as recorded in ``provenance["early_stop"]["parameters"]``."""
    return {
        "seed": plan.seed,
        "min_examples": plan.min_examples,
        "check_every": plan.check_every,
        "bounds": list(plan.bounds),
        "truncation": TRUNCATION,
        "baseline": None if isinstance(plan.baseline, Mapping) else float(plan.baseline),
        "baseline_run": plan.baseline_run,
    }
