"""The written test plan of an online experiment, fixed before any result is seen."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assay.errors import ConfigError

__all__ = ["ExperimentPlan", "Guardrail"]

_MULTIPLICITY = ("holm", "bh", "none")
_ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True)
class Guardrail:
    """A metric that must not get worse by more than a margin."""

    metric: str
    """Metric name."""
    margin: float
    """Largest tolerated relative worsening (0.01 = 1%); the bound of the interval decides."""
    higher_is_better: bool = True
    """Direction of good: a guardrail on latency has ``higher_is_better=False``."""


@dataclass(frozen=True)
class ExperimentPlan:
    """Hypothesis, metrics, decision rule and design of an A/B test, written before it runs.

    ``to_dict`` gives plain YAML/JSON types and ``from_dict`` reads them back, so the plan can
    be stored as a study and compared with the readout later. The multiplicity ``family`` is the
    set of metrics whose p-values are adjusted together (default: the primary metric alone).
    """

    name: str
    """Short name of the experiment."""
    hypothesis: str
    """What the change should do and why, in words."""
    primary_metric: str
    """The one metric the decision rests on."""
    arms: tuple[str, ...] = ("control", "treatment")
    """Arm names, control first."""
    planned_split: tuple[float, ...] = ()
    """Planned share of units per arm (empty: equal split)."""
    mde: float = 0.0
    """Minimum effect that matters, in the primary metric's units or relative (``mde_relative``)."""
    mde_relative: bool = True
    """Whether ``mde`` is relative to the baseline."""
    alpha: float = 0.05
    """Family-wise significance level."""
    power: float = 0.8
    """Power at the MDE."""
    alternative: str = "two-sided"
    """Direction of the primary test."""
    guardrails: tuple[Guardrail, ...] = ()
    """Metrics that must not regress beyond their margins."""
    secondary_metrics: tuple[str, ...] = ()
    """Metrics read out for learning, not for the decision."""
    family: tuple[str, ...] = ()
    """Metrics adjusted together for multiplicity (empty: the primary metric only)."""
    multiplicity: str = "holm"
    """``"holm"`` (family-wise error) or ``"bh"`` (false discovery rate) or ``"none"``."""
    decision_rule: str = ""
    """When to ship, stop or extend, in words."""
    duration_days: int | None = None
    """Planned duration."""
    sample_size_per_arm: int | None = None
    """Planned units per arm."""
    daily_traffic: float | None = None
    """Expected eligible units per day."""
    cuped: bool = False
    """Whether the readout uses CUPED."""
    expected_correlation: float = 0.0
    """Pre-period correlation assumed in the design."""
    sequential: bool = False
    """Whether the test is watched with always-valid intervals."""
    tau: float | None = None
    """Mixture standard deviation of the sequential test, per-unit standard deviations."""
    srm_threshold: float = 0.001
    """Sample-ratio-mismatch p-value below which the readout is untrusted."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Anything else decided in advance."""

    def __post_init__(self) -> None:
        if not self.name or not self.primary_metric:
            raise ConfigError("An experiment plan needs a name and a primary metric.")
        if len(self.arms) < 2 or len(set(self.arms)) != len(self.arms):
            raise ConfigError(f"A plan needs at least two distinct arms. Got {self.arms!r}.")
        if self.planned_split and (
            len(self.planned_split) != len(self.arms)
            or any(not (s > 0 and math.isfinite(s)) for s in self.planned_split)
        ):
            raise ConfigError(
                f"planned_split needs one positive share per arm. Got {self.planned_split!r}."
            )
        for label, value in (("alpha", self.alpha), ("power", self.power)):
            if not 0 < value < 1:
                raise ConfigError(f"The plan's {label} must be in (0, 1). Got {value!r}.")
        if self.multiplicity not in _MULTIPLICITY:
            raise ConfigError(
                f"multiplicity must be one of {_MULTIPLICITY}. Got {self.multiplicity!r}."
            )
        if self.alternative not in _ALTERNATIVES:
            raise ConfigError(
                f"alternative must be one of {_ALTERNATIVES}. Got {self.alternative!r}."
            )
        if self.tau is not None and not self.tau > 0:
            raise ConfigError(f"tau must be positive. Got {self.tau!r}.")

    @property
    def control(self) -> str:
        """The control arm (the first)."""
        return self.arms[0]

    def metrics(self) -> tuple[str, ...]:
        """Every metric the plan names: primary, guardrails, secondary."""
        names = [self.primary_metric, *(g.metric for g in self.guardrails), *self.secondary_metrics]
        return tuple(dict.fromkeys(names))

    def to_dict(self) -> dict[str, Any]:
        """Plain types only (str, int, float, bool, None, list, dict): safe for YAML and JSON."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "guardrails":
                value = [dataclasses.asdict(g) for g in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExperimentPlan:
        """Read a plan back from :meth:`to_dict`'s form (unknown keys are an error)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"Unknown experiment-plan fields: {', '.join(unknown)}.")
        values = dict(data)
        if "guardrails" in values:
            values["guardrails"] = tuple(
                g if isinstance(g, Guardrail) else Guardrail(**g) for g in values["guardrails"]
            )
        for key in ("arms", "planned_split", "secondary_metrics", "family", "notes"):
            if key in values and values[key] is not None:
                values[key] = tuple(values[key])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ConfigError(f"Invalid experiment plan: {exc}.") from exc

    def effective_family(self) -> tuple[str, ...]:
        """The multiplicity family, defaulting to the primary metric alone."""
        return self.family or (self.primary_metric,)
