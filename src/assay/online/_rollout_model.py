"""The rollout plan's models: steps, criteria, sizing and the plan itself (pydantic, serialisable)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assay.errors import ConfigError

__all__ = ["MetricBaseline", "RolloutCriterion", "RolloutPlan", "RolloutStep", "StepSizing"]

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class MetricBaseline(BaseModel):
    """What a metric looks like on control: needed to size a step for its margin."""

    model_config = _CONFIG

    kind: Literal["mean", "proportion"]
    """``proportion`` for a rate (its sd follows from it), ``mean`` otherwise."""
    baseline: float
    """Control's value: a rate in (0, 1), or a non-zero mean."""
    sd: float | None = None
    """Per-unit standard deviation (means only)."""

    @model_validator(mode="after")
    def _check(self) -> MetricBaseline:
        # ConfigError, not a ValueError: pydantic would wrap a ValueError in its own message.
        problem: tuple[str, str, float | None] | None = None
        if self.kind == "proportion" and not 0.0 < self.baseline < 1.0:
            problem = ("baseline", "a rate in (0, 1)", self.baseline)
        elif self.kind == "mean" and not (math.isfinite(self.baseline) and self.baseline != 0):
            problem = ("baseline", "a finite non-zero mean", self.baseline)
        elif self.kind == "mean" and (
            self.sd is None or not (math.isfinite(self.sd) and self.sd > 0)
        ):
            problem = ("sd", "a positive float for means", self.sd)
        if problem is not None:
            name, expected, got = problem
            raise ConfigError(
                f"The {name!r} parameter of MetricBaseline must be {expected}. Got {got!r}."
            )
        return self


class StepSizing(BaseModel):
    """The days one metric needs at one step."""

    model_config = _CONFIG

    metric: str
    """The metric."""
    role: Literal["guardrail", "primary"]
    """Sized for a guardrail's margin or for the primary metric's MDE."""
    effect: float
    """The absolute effect sized for, in the metric's units."""
    units: int
    """Units the step needs, treatment and control together."""
    days: int
    """Days to reach them at the step's traffic."""
    method: str
    """The power calculation, in words."""


class RolloutCriterion(BaseModel):
    """One entry or rollback criterion, tied to a gate rule where there is one."""

    model_config = _CONFIG

    rule: str
    """Rule name: a rule of :func:`assay.online.plan_policy`, ``sample_ratio``, ``error_rate``,
    ``duration`` or ``offline_gates``."""
    kind: str
    """``superiority``, ``non_inferiority``, ``srm``, ``max_error_rate``, ``duration``,
    ``verdict`` or ``monitor``."""
    metric: str | None = None
    """The metric judged, when there is one."""
    text: str
    """The criterion in words."""


class RolloutStep(BaseModel):
    """One stage of the rollout."""

    model_config = _CONFIG

    stage: Literal["shadow", "canary", "ramp", "full"]
    """Shadow (mirrored, nothing served), canary (the first share), ramp, full."""
    name: str
    """``shadow``, ``canary 1%``, ``ramp 20%``, ``full 100%``."""
    traffic_share: float
    """Share of traffic served the treatment (0 for shadow)."""
    min_days: int | None
    """Minimum duration; ``None`` for full rollout (no concurrent control to size by)."""
    sized_by: str | None = None
    """The metric whose sizing set the duration (``None``: the floor or shadow days)."""
    sizing: list[StepSizing] = Field(default_factory=list)
    """Days each sized metric needs at this step."""
    entry: list[RolloutCriterion] = Field(default_factory=list)
    """What must hold to enter this step."""
    rollback: list[RolloutCriterion] = Field(default_factory=list)
    """What sends traffic back to control while in this step."""
    notes: list[str] = Field(default_factory=list)
    """Caveats."""


class RolloutPlan(BaseModel):
    """Shadow → canary → ramp → full for one treatment arm of an experiment plan."""

    model_config = _CONFIG

    experiment: str
    """The experiment plan's name."""
    control: str
    """The control arm."""
    treatment: str
    """The arm rolled out."""
    daily_traffic: float
    """Eligible units per day."""
    alpha: float
    """Significance level of every gate (the plan's)."""
    power: float
    """Power each step is sized for (the plan's)."""
    sequential: bool
    """Whether gates are read with always-valid intervals (continuous monitoring allowed)."""
    max_error_rate: float
    """Serving error rate above which the treatment is rolled back."""
    srm_threshold: float
    """Sample-ratio p-value below which a step is untrusted and rolled back."""
    baselines: dict[str, MetricBaseline] = Field(default_factory=dict)
    """Control's values used to size the guardrails."""
    steps: list[RolloutStep]
    """The stages, in order."""
    method: str
    """How durations were computed."""
    notes: list[str] = Field(default_factory=list)
    """Caveats (guardrails not sized, ...)."""

    @property
    def total_min_days(self) -> int:
        """Sum of the steps' minimum durations (full rollout excluded)."""
        return sum(s.min_days or 0 for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        return self.model_dump(mode="json")
