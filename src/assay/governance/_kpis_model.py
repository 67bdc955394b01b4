"""What the team KPIs are made of: rates with their counts and Wilson intervals, the inputs
the store provides (reproduction checks of runs, the cost columns of runs) and the report."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from assay.stats import proportion_interval

__all__ = [
    "CostField",
    "CycleTime",
    "KpiReport",
    "Rate",
    "ReproducedDecision",
    "RunCheck",
    "RunCost",
    "StudyCycle",
    "WeekOutcomes",
    "rate",
]

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


@dataclass(frozen=True)
class ReproducedDecision:
    """A SHIP decision and the reproduction checks of its runs."""

    decision_id: str
    title: str
    status: str
    """``reproduced``, ``failed`` or ``not checked``."""
    runs: tuple[RunCheck, ...]


@dataclass(frozen=True)
class StudyCycle:
    """One study from registration to its first decision."""

    study: str
    registered_at: datetime
    decided_at: datetime
    decision: str
    registered_hashed: bool = False
    """Whether ``registered_at`` is a time inside the registration's hashed payload (else the
    ledger's ``recorded_at``, which the hash chain does not cover)."""
    decided_hashed: bool = True
    """Whether ``decided_at`` is the decision's ``created_at``, hashed in its ledger entry
    (else the ``recorded_at`` of the attach entry, when the decision is not stored)."""

    @property
    def days(self) -> float:
        """Elapsed days."""
        return (self.decided_at - self.registered_at) / timedelta(days=1)


@dataclass(frozen=True)
class CycleTime:
    """Decision cycle time over the studies decided (in days)."""

    studies: tuple[StudyCycle, ...]
    open: int
    """Studies registered with no decision attached and not killed."""
    killed: int
    """Studies killed before any decision was attached."""

    def times(self) -> str:
        """Which times the cycle times use, and whether the ledger's hashes cover them."""
        if not self.studies:
            return "no study was decided"
        registered = sum(s.registered_hashed for s in self.studies)
        decided = sum(s.decided_hashed for s in self.studies)
        n = len(self.studies)
        return (
            f"decided: the decision's created_at, hashed in its ledger entry ({decided} of {n}"
            f"{'' if decided == n else '; the rest the attach entry recorded_at, not hashed'}); "
            f"registered: {registered} of {n} from a time in the hashed registration payload"
            + (
                ""
                if registered == n
                else ", the rest the ledger's recorded_at of the registration, not hashed "
                "(editable without the chain showing it): the payload holds no time"
            )
        )

    @property
    def n(self) -> int:
        """Studies decided."""
        return len(self.studies)

    def summary(self) -> dict[str, float] | None:
        """Median, minimum and maximum in days; ``None`` when no study was decided."""
        days = [s.days for s in self.studies]
        if not days:
            return None
        return {"median": statistics.median(days), "min": min(days), "max": max(days)}


@dataclass(frozen=True)
class WeekOutcomes:
    """Gate outcomes of the decisions made in one ISO week."""

    week: str
    ship: int = 0
    block: int = 0
    inconclusive: int = 0


@dataclass(frozen=True)
class KpiReport:
    """The team KPIs over a period."""

    since: datetime | None
    confidence: float
    n_decisions: int
    """Decisions made in the period."""
    reproducibility: Rate | None
    reproduced: tuple[ReproducedDecision, ...]
    cycle_time: CycleTime
    caught_by_gates: Rate | None
    """BLOCK decisions over BLOCK decisions plus challenged SHIP decisions."""
    blocked: tuple[str, ...]
    challenged: tuple[str, ...]
    overridden: int
    """BLOCK decisions shipped anyway by an ``override`` approval."""
    weeks: tuple[WeekOutcomes, ...]
    costs: tuple[RunCost, ...]
    cost_totals: dict[str, CostField | None] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """No decision was made in the period."""
        return self.n_decisions == 0

    def failures(self) -> list[ReproducedDecision]:
        """SHIP decisions with a run that did not reproduce."""
        return [d for d in self.reproduced if d.status == "failed"]
