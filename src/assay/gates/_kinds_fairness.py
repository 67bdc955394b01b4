"""Fairness rule kinds over the groups of one slice attribute: worst_group and max_disparity.

Both judge the candidate's interval in each group of a rule's ``slice: every:ATTRIBUTE``
(a group is a slice value). A group whose interval is unbounded or that has fewer than
``min_n`` examples is too small: it is named in the reason and not judged with the others
nor counted in the disparity's interval. An unjudged group leaves the rule unsettled, so
the outcome is at most inconclusive ("more examples in" it), and it fails when the small
group's own finite interval is already wholly on the wrong side (below ``min`` for
worst_group; further than ``max`` from a judged group's interval for max_disparity).
``ignore_small_groups: true`` opts out: small groups are then only named, with "ignored" in
the reason.

* ``worst_group`` (``min`` for a higher-is-better metric, ``max`` for a lower-is-better
  one): every group's interval at or above ``min`` passes, a group's interval wholly below
  fails, anything else is inconclusive.
* ``max_disparity`` (``max``): the largest minus the smallest group estimate. Its
  interval is simultaneous over every pair of groups: groups are disjoint sets of
  examples, so each pair's difference has the standard error sqrt(se_a² + se_b²), each
  se read from the group's interval by the normal approximation, and the pairs share a
  Bonferroni-adjusted critical value. Lower bound max(0, max |d| - z·se), upper bound
  max(|d| + z·se); pass when the upper bound is at or below ``max``, fail when the lower
  bound is above it. Bootstrap intervals of every disparity of one run (selection rate,
  true- and false-positive rates, equalised odds) are :func:`assay.analysis.group_fairness`.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from assay.core import MetricComparison
from assay.errors import GateError
from assay.gates._combine import limit_outcome, settle_sentence
from assay.gates._fields import field_problem, rule_number
from assay.gates._registry import (
    FieldProblem,
    Outcome,
    RuleCase,
    RuleJudgement,
    register_rule_kind,
)
from assay.gates._settle import sample_size_to_settle
from assay.stats import scipy_stats

__all__ = ["MaxDisparity", "MaxDisparityParameters", "WorstGroup", "WorstGroupParameters"]

_PARAMS = ConfigDict(frozen=True, extra="forbid")


def _min_n(data: Any, kind: str) -> None:
    value = data.get("min_n", 30) if isinstance(data, dict) else 30
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise field_problem("min_n", kind, "an integer >= 2", value)


class WorstGroupParameters(BaseModel):
    """``min`` (or ``max`` for a lower-is-better metric) every group must reach."""

    model_config = _PARAMS

    min: float | None = None
    """Least acceptable value of the worst group (higher-is-better metrics)."""
    max: float | None = None
    """Largest acceptable value of the worst group (lower-is-better metrics)."""
    min_n: int = 30
    """Groups with fewer examples are too small to judge."""
    ignore_small_groups: bool = False
    """Let a rule pass although a group was too small to judge (named as ignored)."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        given = [f for f in ("min", "max") if isinstance(data, dict) and data.get(f) is not None]
        if len(given) != 1:
            raise FieldProblem("min", "a worst_group rule needs one of 'min' or 'max'.")
        rule_number(data[given[0]], given[0], "worst_group", "a number")
        _min_n(data, "worst_group")
        return data


class MaxDisparityParameters(BaseModel):
    """``max``: the largest acceptable gap between the best and the worst group."""

    model_config = _PARAMS

    max: float
    """Largest acceptable best-minus-worst difference, in the metric's units."""
    min_n: int = 30
    """Groups with fewer examples are too small to count."""
    ignore_small_groups: bool = False
    """Let a rule pass although a group was too small to count (named as ignored)."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        value = data.get("max") if isinstance(data, dict) else None
        if value is None:
            raise FieldProblem("max", "a max_disparity rule needs 'max'.")
        if rule_number(value, "max", "max_disparity", "a number >= 0") < 0:
            raise field_problem("max", "max_disparity", "a number >= 0", value)
        _min_n(data, "max_disparity")
        return data


def _groups(
    case: RuleCase, min_n: int, kind: str
) -> tuple[list[MetricComparison], list[MetricComparison]]:
    if case.rule.selector.scope != "every_of":
        raise GateError(
            f"Rule {case.rule.name!r}: a {kind} rule compares the groups of one attribute; "
            "write its slice as every:ATTRIBUTE."
        )
    judged: list[MetricComparison] = []
    small: list[MetricComparison] = []
    for r in case.results:
        (judged if r.n >= min_n and _finite(r) else small).append(r)
    return judged, small


def _finite(r: MetricComparison) -> bool:
    return math.isfinite(r.candidate.low) and math.isfinite(r.candidate.high)


def _small_text(small: list[MetricComparison], ignored: bool = False) -> str:
    if not small:
        return ""
    names = ", ".join(f"{r.slice_value} (n={r.n})" for r in small)
    return f"; too small to judge: {names}" + (" (ignored: ignore_small_groups)" if ignored else "")


def _with_small(
    outcome: Outcome,
    settle: str | None,
    small: list[MetricComparison],
    failing: list[MetricComparison],
    ignored: bool,
) -> tuple[Outcome, str | None, str]:
    """The outcome once the unjudged groups are counted (module docstring), its settle
    sentence and the words added to the reason."""
    if not small or ignored:
        return outcome, settle, _small_text(small, ignored)
    if failing:
        names = ", ".join(str(r.slice_value) for r in failing)
        return "fail", None, _small_text(small) + f"; {names} wholly on the wrong side all the same"
    if outcome == "pass":
        names = ", ".join(str(r.slice_value) for r in small)
        return "inconclusive", f"more examples in {names}", _small_text(small) + " (not settled)"
    return outcome, settle, _small_text(small)


@register_rule_kind("worst_group")
class WorstGroup:
    """The worst group's metric is at least ``min`` (or at most ``max``)."""

    parameters = WorstGroupParameters
    uses_metric = True
    allows_slice = True
    fixed_metric = None

    def judge(self, case: RuleCase) -> RuleJudgement:
        """Judge every group's candidate interval against the limit."""
        p = case.parameters
        assert isinstance(p, WorstGroupParameters)
        judged, small = _groups(case, p.min_n, "worst_group")
        ignore = p.ignore_small_groups
        side: Literal["min", "max"] = "min" if p.min is not None else "max"
        limit = p.min if p.min is not None else p.max
        assert limit is not None
        labels = tuple(r.label for r in judged)
        if not judged:
            return RuleJudgement(
                "inconclusive",
                f"{case.metric}: no group is large enough to judge{_small_text(small, ignore)}",
                "more examples in every group",
                labels,
            )
        pick = min if side == "min" else max
        worst = pick(judged, key=lambda r: r.candidate.estimate)
        outcomes = [limit_outcome(side, r.candidate.low, r.candidate.high, limit) for r in judged]
        outcome: Outcome = (
            "fail"
            if "fail" in outcomes
            else "inconclusive"
            if "inconclusive" in outcomes
            else "pass"
        )
        iv = worst.candidate
        word = "at least" if side == "min" else "at most"
        reason = (
            f"{case.metric}: worst group {worst.slice_attribute}={worst.slice_value} "
            f"{iv.estimate:.4g} [{iv.low:.4g}, {iv.high:.4g}] (n={worst.n:,}); every group must be "
            f"{word} {limit:g}: {outcomes.count('pass')} of {len(judged)} groups wholly so"
        )
        settle = None
        if outcome == "inconclusive":
            open_group = next(
                r for r, o in zip(judged, outcomes, strict=True) if o == "inconclusive"
            )
            size = sample_size_to_settle(
                open_group.candidate, open_group.n, open_group.candidate.estimate - limit
            )
            settle = f"{open_group.label}: " + settle_sentence(
                size, f"settle whether it is {word} {limit:g}"
            )
        failing = [
            r
            for r in small
            if _finite(r)
            and limit_outcome(side, r.candidate.low, r.candidate.high, limit) == "fail"
        ]
        outcome, settle, tail = _with_small(outcome, settle, small, failing, ignore)
        reason += tail
        return RuleJudgement(outcome, reason, settle, labels, reason.split(": ", 1)[1][:120])


@register_rule_kind("max_disparity")
class MaxDisparity:
    """The gap between the best and the worst group is at most ``max``."""

    parameters = MaxDisparityParameters
    uses_metric = True
    allows_slice = True
    fixed_metric = None

    def judge(self, case: RuleCase) -> RuleJudgement:
        """Judge the simultaneous interval of the largest gap against ``max``."""
        p = case.parameters
        assert isinstance(p, MaxDisparityParameters)
        judged, small = _groups(case, p.min_n, "max_disparity")
        ignore = p.ignore_small_groups
        labels = tuple(r.label for r in judged)
        if len(judged) < 2:
            return RuleJudgement(
                "inconclusive",
                f"{case.metric}: fewer than two groups are large enough to compare"
                f"{_small_text(small, ignore)}",
                "more examples in the small groups",
                labels,
            )
        conf = case.confidence
        z_one = float(scipy_stats.norm.ppf(0.5 + conf / 2.0))
        pairs = list(combinations(judged, 2))
        z = float(scipy_stats.norm.ppf(1.0 - (1.0 - conf) / (2.0 * len(pairs))))
        low, high = 0.0, 0.0
        for a, b in pairs:
            d = abs(a.candidate.estimate - b.candidate.estimate)
            se = math.hypot(*((r.candidate.high - r.candidate.low) / (2 * z_one) for r in (a, b)))
            low, high = max(low, d - z * se), max(high, d + z * se)
        ranked = sorted(judged, key=lambda r: r.candidate.estimate)
        worst, best = ranked[0], ranked[-1]
        gap = best.candidate.estimate - worst.candidate.estimate
        outcome = limit_outcome("max", low, high, p.max)
        reason = (
            f"{case.metric}: {best.slice_value} {best.candidate.estimate:.4g} vs {worst.slice_value} "
            f"{worst.candidate.estimate:.4g}, a gap of {gap:.4g} [{low:.4g}, {high:.4g}] "
            f"(simultaneous over {len(pairs)} pair(s) of {len(judged)} groups, normal "
            f"approximation, Bonferroni) against at most {p.max:g}"
        )
        settle = (
            "more examples in the groups with the widest intervals"
            if outcome == "inconclusive"
            else None
        )
        failing = [
            r
            for r in small
            if _finite(r)
            and any(
                max(r.candidate.low - o.candidate.high, o.candidate.low - r.candidate.high) > p.max
                for o in judged
            )
        ]
        outcome, settle, tail = _with_small(outcome, settle, small, failing, ignore)
        reason += tail
        summary = f"{case.metric} gap {gap:.4g} [{low:.4g}, {high:.4g}] vs at most {p.max:g}"
        return RuleJudgement(outcome, reason, settle, labels, summary)
