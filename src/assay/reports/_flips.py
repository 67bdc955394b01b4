"""Flipped examples for every format: true counts per metric and direction, and the shown ones.

The comparison lists some flips (``Comparison.flips``) and counts all of them
(``Comparison.flip_counts``). Reports state the counts ("906 examples flipped on accuracy: 305
worse, 601 better; 50 shown") and list regressions and improvements apart, each ordered by the
size of the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assay.core import Comparison, Flip
from assay.reports._content import ReportLimits

__all__ = ["FlipGroup", "flip_groups", "flip_summary", "is_regression"]


def is_regression(f: Flip, goals: Mapping[str, str]) -> bool:
    """Whether the candidate did worse on this example (by ``change``, else by the goal)."""
    if f.change != 0.0:
        return f.change < 0.0
    if f.regression:
        return True
    up = f.candidate_score > f.baseline_score
    return up != (goals.get(f.metric, "higher") == "higher")


@dataclass(frozen=True)
class FlipGroup:
    """The shown flips of one metric in one direction, largest change first."""

    metric: str
    regression: bool
    flips: list[Flip]
    total: int | None
    """All flips of this metric in this direction, when the comparison counted them."""

    @property
    def word(self) -> str:
        """``regressions`` or ``improvements``."""
        return "regressions" if self.regression else "improvements"


def flip_groups(c: Comparison, limits: ReportLimits) -> list[FlipGroup]:
    """The shown flips (the first ``limits.flips``) by metric, regressions before improvements."""
    goals = {r.metric: r.goal for r in c.results}
    counts = {fc.metric: fc for fc in c.flip_counts}
    shown = c.flips[: limits.flips]
    metrics = list(
        dict.fromkeys([*(fc.metric for fc in c.flip_counts), *(f.metric for f in shown)])
    )
    out = []
    for metric in metrics:
        for regression in (True, False):
            flips = [
                f for f in shown if f.metric == metric and is_regression(f, goals) == regression
            ]
            flips.sort(key=lambda f: -abs(f.change))
            fc = counts.get(metric)
            total = None if fc is None else (fc.worse if regression else fc.better)
            if flips or total:
                out.append(FlipGroup(metric, regression, flips, total))
    return out


def flip_summary(c: Comparison, limits: ReportLimits) -> list[str]:
    """One sentence per metric: ``906 examples flipped on accuracy: 305 worse, 601 better; 50
    shown``. Without recorded counts it says how many are listed, as a lower bound."""
    goals = {r.metric: r.goal for r in c.results}
    shown = c.flips[: limits.flips]
    lines = []
    for fc in c.flip_counts:
        k = sum(f.metric == fc.metric for f in shown)
        lines.append(
            f"{fc.total:,} examples flipped on {fc.metric}: {fc.worse:,} worse, "
            f"{fc.better:,} better; {k:,} shown."
        )
    counted = {fc.metric for fc in c.flip_counts}
    for metric in dict.fromkeys(f.metric for f in c.flips if f.metric not in counted):
        listed = [f for f in c.flips if f.metric == metric]
        worse = sum(is_regression(f, goals) for f in listed)
        k = sum(f.metric == metric for f in shown)
        lines.append(
            f"At least {len(listed):,} examples flipped on {metric} ({worse:,} worse, "
            f"{len(listed) - worse:,} better among those listed; the full count was not "
            f"recorded); {k:,} shown."
        )
    return lines
