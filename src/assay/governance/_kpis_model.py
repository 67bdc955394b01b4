"""What the team KPIs are made of: rates with their counts and Wilson intervals, and the
inputs the store provides (reproduction checks of runs, the cost columns of runs)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from assay.stats import proportion_interval

__all__ = ["CostField", "Rate", "RunCheck", "RunCost", "rate"]

CheckStatus = Literal["reproduced", "failed", "not checked"]
WILSON = "Wilson score interval"


@dataclass(frozen=True)
class Rate:
    """numerator / denominator with its Wilson score interval."""

    numerator: int
    denominator: int
    estimate: float
    low: float
    high: float
    confidence: float
    method: str = WILSON

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)

    def text(self) -> str:
        """``75.0% [40.9%, 92.9%] (6 of 8)``."""
        return (
            f"{self.estimate:.1%} [{self.low:.1%}, {self.high:.1%}] "
            f"({self.numerator} of {self.denominator})"
        )


def rate(numerator: int, denominator: int, confidence: float) -> Rate | None:
    """The rate with its Wilson interval; ``None`` when there is nothing to divide by."""
    if denominator == 0:
        return None
    iv = proportion_interval(numerator, denominator, method="wilson", confidence=confidence)
    return Rate(numerator, denominator, iv.estimate, iv.low, iv.high, confidence)


@dataclass(frozen=True)
class RunCheck:
    """Whether one run reproduced when its model ran again (``assay reproduce``)."""

    run_id: str
    status: CheckStatus
    """``reproduced``, ``failed`` (it ran again and did not agree) or ``not checked`` (its
    model cannot run again here: an HTTP endpoint, a fitted estimator, an ingested log)."""
    reason: str
    """The reproduction's summary, or why it was not checked."""


@dataclass(frozen=True)
class CostField:
    """Totals of one of a run's operational record columns."""

    total: float
    records: int
    """Records with a value."""


@dataclass(frozen=True)
class RunCost:
    """The operational columns of one run's records (``cost``, ``tokens_in``, ``tokens_out``,
    ``latency_ms``): totals over the records that have a value, ``None`` when none has."""

    run_id: str
    created_at: datetime
    n_records: int
    fields: dict[str, CostField | None]
