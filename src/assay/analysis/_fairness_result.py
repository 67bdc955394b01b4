"""What a fairness analysis found: metrics by group, disparities, and checks of both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assay.stats import Estimate

__all__ = [
    "DISPARITIES",
    "GROUP_METRICS",
    "BoundsCheck",
    "Disparity",
    "FairnessResult",
    "GroupMetrics",
]

GROUP_METRICS = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "accuracy",
    "calibration_gap",
)
"""Metrics computed per group; ``calibration_gap`` (mean predicted probability minus the
observed positive rate) only when the records carry a probability."""

DISPARITIES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
)
"""Named disparities, as Fairlearn defines them, beside ``<metric>_difference`` and
``<metric>_ratio`` of every group metric."""


@dataclass(frozen=True)
class GroupMetrics:
    """One group's metrics, or why it has none."""

    group: str
    """The slice value."""
    n: int
    """Examples in the group."""
    positives: int
    """Examples whose reference is the positive label."""
    values: dict[str, Estimate]
    """Metric -> estimate with its bootstrap interval (metrics the group is too small for
    are absent; ``notes`` says why)."""
    notes: tuple[str, ...] = ()
    """Why a metric is missing (group or class too small for an interval)."""


@dataclass(frozen=True)
class Disparity:
    """A gap between groups, with its bootstrap interval over the same resamples."""

    name: str
    """``demographic_parity_difference``, ``true_positive_rate_ratio``, ..."""
    measure: Literal["difference", "ratio"]
    """Largest minus smallest group value, or smallest over largest."""
    estimate: Estimate
    """The disparity with its percentile bootstrap interval."""
    low_group: str
    """The group with the smallest value (for the named disparities: of the metric whose
    gap is largest)."""
    high_group: str
    """The group with the largest value."""
    groups: tuple[str, ...]
    """The groups compared (those large enough for an interval)."""


@dataclass(frozen=True)
class FairnessResult:
    """Group metrics and disparities of one run's predictions by one slice attribute."""

    attribute: str
    """The slice attribute whose values are the groups."""
    positive: str
    """The positive label (what counts as selected)."""
    groups: tuple[GroupMetrics, ...]
    """Every group, in sorted order, including those too small for an interval."""
    disparities: tuple[Disparity, ...]
    """Disparities over the groups large enough for an interval."""
    too_small: tuple[str, ...]
    """Groups too small for any interval: reported, never part of a disparity."""
    confidence: float
    """Confidence level of every interval."""
    method: str
    """How the intervals were made (bootstrap kind, units, resamples, seed)."""
    resamples: int
    """Bootstrap resamples."""
    seed: int | None
    """Seed of the resamples."""
    n: int
    """Examples analysed."""
    n_clusters: int | None = None
    """Clusters resampled, when the bootstrap is over clusters."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats (no probabilities, so no calibration; groups left out)."""

    def disparity(self, name: str) -> Disparity | None:
        """The disparity called ``name``, or None when no two groups allow it."""
        return next((d for d in self.disparities if d.name == name), None)


@dataclass(frozen=True)
class BoundsCheck:
    """One fairness or robustness rule judged on interval bounds."""

    rule: str
    """The rule in words, e.g. ``equalized_odds_difference <= 0.1``."""
    outcome: Literal["pass", "fail", "inconclusive"]
    """pass: the whole interval on the right side; fail: wholly on the wrong side."""
    reason: str
    """The numbers behind the outcome."""
