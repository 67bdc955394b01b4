"""Shared machinery of the rule kinds judged one comparison result at a time.

A rule on one result (overall, or one slice) has that result's outcome. A rule on several
slices (``every:attribute``, ``every``) fails when any slice fails, is inconclusive when none
fails and any is inconclusive, and passes when every slice passes; ``to_settle`` names the
inconclusive slice that needs the most examples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from assay.core import Interval, MetricComparison
from assay.gates._registry import Outcome, RuleCase, RuleJudgement
from assay.gates._settle import POWER, SampleSizeToSettle
from assay.gates._words import about

__all__ = [
    "Judged",
    "PerResultKind",
    "gain",
    "limit_outcome",
    "settle_sentence",
    "worst",
]

_RANK: dict[Outcome, int] = {"pass": 0, "inconclusive": 1, "fail": 2}


@dataclass(frozen=True)
class Judged:
    """One result's outcome, with what would settle it (for ranking slices)."""

    label: str
    outcome: Outcome
    reason: str
    to_settle: str | None = None
    more: int = 0
    summary: str = ""


def worst(outcomes: list[Outcome]) -> Outcome:
    """fail beats inconclusive beats pass."""
    return max(outcomes, key=_RANK.__getitem__, default="pass")


def gain(result: MetricComparison) -> tuple[float, float, float]:
    """The difference oriented so that positive is better: (estimate, low, high)."""
    d = result.difference
    if result.goal == "lower":
        return -d.estimate, -d.high, -d.low
    return d.estimate, d.low, d.high


def limit_outcome(side: Literal["min", "max"], low: float, high: float, limit: float) -> Outcome:
    """A limit judged on an interval: the whole interval on the right side (bounds equal to
    the limit count as on it) passes, the whole interval on the wrong side fails."""
    if side == "min":
        return "pass" if low >= limit else "fail" if high < limit else "inconclusive"
    return "pass" if high <= limit else "fail" if low > limit else "inconclusive"


def settle_sentence(size: SampleSizeToSettle | None, what: str, *, unit: str = "examples") -> str:
    """``about 3,400 more examples (5,400 in all) would {what} with 80% power (method)``."""
    if size is None:
        return (
            "the interval gives no usable spread (unbounded, or fewer than two examples); "
            f"collect more {unit} before a sample size can be estimated"
        )
    if size.more == 0:
        return (
            f"by the normal approximation the present {size.n:,} {unit} are about enough "
            f"({size.total:,} needed to {what} with {POWER:.0%} power); the interval's method "
            f"is more conservative, so a modest number more should settle it ({size.method})"
        )
    return (
        f"about {about(size.more)} more {unit} ({size.total:,} in all) would {what} "
        f"with {size.power:.0%} power ({size.method})"
    )


def as_interval(estimate: float, low: float, high: float, confidence: float) -> Interval:
    """A core Interval from raw numbers (method left as 'derived')."""
    return Interval(estimate=estimate, low=low, high=high, confidence=confidence, method="derived")


class PerResultKind:
    """Base of kinds that judge each selected result alone and combine the outcomes."""

    uses_metric = True
    allows_slice = True
    fixed_metric: str | None = None

    judge_one: Callable[[MetricComparison, BaseModel, RuleCase], Judged]

    def judge(self, case: RuleCase) -> RuleJudgement:
        """Judge every selected result, then combine (see the module docstring)."""
        labels = tuple(r.label for r in case.results)
        if not case.results:
            return RuleJudgement(
                "pass", f"{case.metric}: the comparison has no slices; nothing to judge"
            )
        judged = [self.judge_one(r, case.parameters, case) for r in case.results]
        if len(judged) == 1:
            one = judged[0]
            return RuleJudgement(one.outcome, one.reason, one.to_settle, labels, one.summary)
        outcome = worst([j.outcome for j in judged])
        total = len(judged)
        if outcome == "pass":
            return RuleJudgement(
                "pass",
                f"all {total} slices pass",
                None,
                labels,
                f"{case.metric} passes on all {total} slices",
            )
        chosen = [j for j in judged if j.outcome == outcome]
        verb = "fail" if outcome == "fail" else "are inconclusive"
        shown = "; ".join(j.reason for j in chosen[:3])
        if len(chosen) > 3:
            shown += f"; and {len(chosen) - 3} more"
        reason = f"{len(chosen)} of {total} slices {verb}: {shown}"
        to_settle = None
        if outcome == "inconclusive":
            need = max(chosen, key=lambda j: j.more)
            to_settle = f"{need.label} (the slice needing the most): {need.to_settle}"
        summary = "; ".join(j.summary or j.reason for j in chosen[:2])
        if len(chosen) > 2:
            summary += f"; and {len(chosen) - 2} more of {total} slices"
        return RuleJudgement(outcome, reason, to_settle, labels, summary)
