"""The readout of an online experiment, and its JSON-ready form."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from assay.online._aggregate import Winsorization
from assay.stats import BayesianLift, LiftResult, SampleRatioResult

__all__ = ["Readout", "jsonable"]


def jsonable(value: Any) -> Any:
    """Plain JSON/YAML types: dataclasses to dicts, NaN to None, infinities to strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, LiftResult):
            out["significant"] = value.significant
        return out
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float) or hasattr(value, "__float__"):
        v = float(value)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    return str(value)


@dataclass(frozen=True)
class Readout:
    """Every treatment arm against control on every metric, with the checks that qualify it."""

    lifts: tuple[LiftResult, ...]
    """One result per metric and treatment arm, metrics in input order."""
    arms: tuple[str, ...]
    """Arm names, control first as read (first appearance unless ``control`` named another)."""
    control: str
    """The control arm."""
    n_by_arm: dict[str, int]
    """Units per arm used for the sample-ratio check."""
    srm: SampleRatioResult
    """Sample-ratio-mismatch test against the planned split."""
    trusted: bool
    """False when a check failed (sample-ratio mismatch): do not act on the numbers."""
    warnings: tuple[str, ...]
    """Why the readout is untrusted, and other caveats."""
    source: str
    """``"sufficient statistics"`` or ``"unit-level rows"``."""
    parameters: dict[str, Any]
    """Every setting used: confidence, alternative, CUPED, sequential tau, multiplicity, ..."""
    bayesian: tuple[BayesianLift, ...] = ()
    """Bayesian readout of each relative lift, when asked for."""
    winsorization: tuple[Winsorization, ...] = ()
    """Outlier caps applied before summing (unit-level rows only)."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Other facts worth showing (metrics read without CUPED, ...)."""

    def lift(self, metric: str, treatment: str | None = None) -> LiftResult:
        """The result for ``metric`` (and ``treatment``, required with several treatment arms)."""
        found = [r for r in self.lifts if r.metric == metric and treatment in (None, r.treatment)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} results for metric={metric!r}, treatment={treatment!r}")
        return found[0]

    def to_dict(self) -> dict[str, Any]:
        """The complete readout as plain JSON/YAML types (NaN as null, infinities as strings)."""
        out: dict[str, Any] = jsonable(self)
        return out
