"""Whether a study's decision policy can ship a candidate whose effect is below the registered
minimum effect: then a SHIP does not mean the hypothesis holds, and the policy is a deviation.

A policy's rules on the primary metric (all examples, blocking) each ship above a floor on the
candidate's improvement: non-inferiority at margin m ships once the improvement's lower bound
is above −m, superiority once it is above 0; other kinds (thresholds, budgets) bound the
candidate's value, not its improvement, and set no floor. The policy is as strong as its
highest floor; below the registered minimum effect (or with no floor at all) it is weaker than
the study.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assay._util import effect_size
from assay.core import MetricComparison
from assay.governance._study import StudyPlan
from assay.governance._study_checks import StudyDeviation

__all__ = ["PolicyFloor", "in_points", "policy_floors", "signed_effect", "weak_policy"]

PolicyFloor = tuple[str, float | None]
"""A blocking rule on the primary metric: its kind and, for non-inferiority, its margin in the
metric's units (``None`` when the rule takes the suite's or the metric's default); for
superiority, its ``min_effect`` (``None`` or 0: any improvement)."""


def in_points(result: MetricComparison) -> bool:
    """Whether ``result``'s metric is written in points: both runs' estimates and intervals lie
    in [0, 1] (a proportion)."""
    bounds = (result.baseline, result.candidate)
    return all(0.0 <= v <= 1.0 for b in bounds for v in (b.estimate, b.low, b.high))


def policy_floors(rules: Sequence[Mapping[str, Any]], metric: str) -> list[PolicyFloor]:
    """A verdict's blocking rule outcomes (as JSON objects) on ``metric`` over all examples,
    as (kind, the non-inferiority margin it was judged with)."""
    return [
        (str(r["kind"]), (r.get("margins") or {}).get(metric))
        for r in rules
        if r.get("metric") == metric and r.get("slice") is None and r.get("blocking")
    ]


def signed_effect(x: float, points: bool) -> str:
    """``+1.0 point``, ``−2.5 points`` (a proportion's effect), else ``+0.01`` (its units):
    :func:`assay._util.effect_size`, the formatter of every command and report."""
    return effect_size(x, "pts" if points else "")


def _floor(kind: str, margin: float | None) -> tuple[float | None, str] | None:
    if kind == "superiority" and margin:
        return margin, "superiority by at least a minimum effect"
    if kind == "superiority":
        return 0.0, "superiority (any improvement above 0)"
    if kind == "non_inferiority":
        return (None if margin is None else -margin), "non-inferiority"
    return None


def weak_policy(
    plan: StudyPlan, policy: str, rules: Sequence[PolicyFloor], *, points: bool = False
) -> StudyDeviation | None:
    """The ``policy`` deviation (kind ``weak_policy``) when ``rules`` (the policy's blocking
    rules on the primary metric, all examples) can ship a candidate whose improvement is below
    ``plan.minimum_effect``; ``None`` when one of them requires at least that effect.
    ``points``: write effects in points (a proportion metric), else in the metric's units."""
    effect = plan.minimum_effect
    registered = f"the study registered {signed_effect(effect, points)} as the effect that matters"
    floors = [f for f in (_floor(k, m) for k, m in rules) if f is not None]
    known = [(floor, words) for floor, words in floors if floor is not None]
    if known and max(known)[0] >= effect:
        return None
    if known:
        floor, words = max(known)
        actual = words if floor == 0.0 else f"{words} of {signed_effect(floor, points)}"
        if floor < 0.0:
            actual = f"{words} at {signed_effect(floor, points)}"
    elif floors:
        actual = "non-inferiority at its default margin"
    else:
        actual = "no rule on the improvement"
    metric = plan.primary_metric
    said = f"has no rule on the improvement of {metric!r}" if not floors else f"ships on {actual}"
    return StudyDeviation(
        "weak_policy",
        f"an improvement of at least {signed_effect(effect, points)}",
        actual,
        f"policy {policy!r} {said}; {registered}",
    )
