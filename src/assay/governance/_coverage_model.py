"""What a scenario coverage check reports: each scenario's share, status and slices, and the
slices too small for their precision target (computed by :mod:`._coverage`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "PRECISION_METHOD",
    "CoverageReport",
    "ScenarioCoverage",
    "ScenarioStatus",
    "SliceCoverage",
    "SuiteFacts",
]

ScenarioStatus = Literal["covered", "too small", "no examples", "uncovered"]
PRECISION_METHOD = (
    "needed n: smallest n whose t interval at the stated confidence is at most ± the target "
    "half-width (assay.stats.interval_sample_size), at the planning proportion (0.5 when not "
    "given) or the stated sd; with clusters the cluster is the unit (design effect n / "
    "clusters: examples of a cluster taken as fully correlated, as a clustered interval "
    "with G - 1 degrees of freedom allows at worst)"
)


@dataclass(frozen=True)
class SuiteFacts:
    """What coverage needs to know about a stored suite (its newest version)."""

    name: str
    digest: str
    metric_names: tuple[str, ...]
    slice_names: tuple[str, ...]
    n_examples: int
    n_clusters: int | None
    """Distinct clusters of the whole suite (``None`` when it has none)."""
    slices: Mapping[tuple[str, str], tuple[int, int | None]]
    """(attribute, value) → (examples, distinct clusters or ``None``), as stored."""


@dataclass(frozen=True)
class SliceCoverage:
    """One mapping of a scenario, checked against the stored examples."""

    scenario: str
    suite: str
    suite_digest: str
    attribute: str | None
    value: str | None
    metric: str
    n: int
    """Stored examples in the slice (the whole suite when ``attribute`` is ``None``)."""
    n_clusters: int | None
    """Distinct clusters among them (an example without one is its own), when the suite has
    clusters."""
    half_width: float
    """The target: the widest useful half-width."""
    half_width_now: float
    """The half-width the slice's units give (``inf`` below two)."""
    needed_n: int
    """Units (clusters when the suite has them, else examples) needed for the target."""
    planning: str
    """The planning value the sizes assume (``proportion 0.5`` or ``sd 1.2``)."""

    @property
    def unit(self) -> str:
        """``clusters`` when the suite has clusters (the unit of its intervals), else
        ``examples``."""
        return "examples" if self.n_clusters is None else "clusters"

    @property
    def units(self) -> int:
        """The independent units of the slice: its clusters, or its examples."""
        return self.n if self.n_clusters is None else self.n_clusters

    @property
    def design_effect(self) -> float:
        """Examples per unit, ``n / units`` (1 without clusters or examples)."""
        return self.n / self.units if self.units else 1.0

    @property
    def useful(self) -> bool:
        """Whether the slice has at least ``needed_n`` units."""
        return self.units >= self.needed_n

    @property
    def label(self) -> str:
        """``suite`` or ``suite: attribute=value``."""
        return (
            self.suite if self.attribute is None else f"{self.suite}: {self.attribute}={self.value}"
        )

    def width_text(self, half_width: float) -> str:
        """A half-width as users read it: ``±5.0 pts`` for a proportion, ``±0.2`` in the
        metric's units otherwise, ``none`` when n is too small for any interval."""
        if half_width == float("inf"):
            return "none"
        if self.planning.startswith("proportion"):
            return f"±{100 * half_width:.1f} pts"
        return f"±{half_width:.3g}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (an infinite half-width as ``None``)."""
        now = self.half_width_now
        return {
            "suite": self.suite,
            "suite_digest": self.suite_digest,
            "slice": None if self.attribute is None else f"{self.attribute}={self.value}",
            "metric": self.metric,
            "n": self.n,
            "n_clusters": self.n_clusters,
            "unit": self.unit,
            "design_effect": self.design_effect,
            "half_width_target": self.half_width,
            "half_width_now": None if now == float("inf") else now,
            "needed_n": self.needed_n,
            "useful": self.useful,
            "planning": self.planning,
        }


@dataclass(frozen=True)
class ScenarioCoverage:
    """A scenario, its share of the total weight and what covers it."""

    name: str
    weight: float
    share: float
    """weight / total weight."""
    owner: str
    status: ScenarioStatus
    """``covered`` (a mapped slice is large enough), ``too small`` (examples, but no slice
    reaches the target), ``no examples`` (mapped slices hold none) or ``uncovered`` (nothing
    mapped)."""
    slices: tuple[SliceCoverage, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "name": self.name,
            "weight": self.weight,
            "share": self.share,
            "owner": self.owner,
            "status": self.status,
            "slices": [s.to_dict() for s in self.slices],
        }


@dataclass(frozen=True)
class CoverageReport:
    """Scenario coverage of a registry against the stored suites."""

    source: str
    confidence: float
    total_weight: float
    covered_share: float
    """Weight share of scenarios with at least one stored example (covered or too small)."""
    useful_share: float
    """Weight share of scenarios with a slice large enough for the target."""
    scenarios: tuple[ScenarioCoverage, ...]
    method: str = PRECISION_METHOD

    def with_status(self, *statuses: ScenarioStatus) -> list[ScenarioCoverage]:
        """The scenarios in any of ``statuses``, in registry order."""
        return [s for s in self.scenarios if s.status in statuses]

    @property
    def too_small(self) -> list[SliceCoverage]:
        """Mapped slices with examples but fewer than their target needs."""
        return [c for s in self.scenarios for c in s.slices if c.n > 0 and not c.useful]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "registry": self.source,
            "confidence": self.confidence,
            "total_weight": self.total_weight,
            "weights": "shares are weight / total weight; an unmapped scenario's weight counts "
            "as uncovered",
            "covered_share": self.covered_share,
            "useful_share": self.useful_share,
            "uncovered": [s.name for s in self.with_status("uncovered", "no examples")],
            "too_small": [dict(c.to_dict(), scenario=c.scenario) for c in self.too_small],
            "scenarios": [s.to_dict() for s in self.scenarios],
            "method": self.method,
        }
