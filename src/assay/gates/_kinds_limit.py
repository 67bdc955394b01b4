"""Rule kinds that hold a value to a limit: threshold, budget and max_error_rate.

A limit is judged on an interval: the whole interval on the right side passes (a bound equal
to the limit counts as on the right side), the whole interval on the wrong side fails, and
an interval across the limit is inconclusive.

* ``threshold`` (``min`` and/or ``max``): on the candidate's interval for the metric.
* ``budget`` (``max`` and/or ``max_increase``): ``max`` on the candidate's interval (a latency
  quantile in ms, a cost); ``max_increase`` (0.10 = +10%) on the relative increase over the
  baseline, whose interval is the paired difference's interval divided by the baseline's
  estimate (the baseline's own uncertainty is not propagated a second time).
* ``max_error_rate`` (``max``): on the candidate's share of errored records
  (``Comparison.errors["candidate"]``), with a Wilson interval
  (:func:`assay.stats.proportion_interval`) at the comparison's confidence. What would settle
  it is the fewest records at which that same interval, at the observed rate, clears ``max``
  (:func:`records_to_settle_error_rate`), not a power calculation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from assay.core import Interval, MetricComparison
from assay.errors import GateError
from assay.gates._combine import (
    Judged,
    PerResultKind,
    as_interval,
    limit_outcome,
    settle_sentence,
    worst,
)
from assay.gates._fields import field_problem, rule_number
from assay.gates._registry import FieldProblem, Outcome, RuleCase, RuleJudgement, register_rule_kind
from assay.gates._settle import records_to_settle_error_rate, sample_size_to_settle
from assay.gates._words import Scale, percent_change, scale_of
from assay.stats import proportion_interval

__all__ = [
    "Budget",
    "BudgetParameters",
    "MaxErrorRate",
    "MaxErrorRateParameters",
    "Threshold",
    "ThresholdParameters",
]

_PARAMS = ConfigDict(frozen=True, extra="forbid")
_WORDS = {
    ("min", "pass"): "entirely at or above",
    ("min", "fail"): "entirely below",
    ("max", "pass"): "entirely at or below",
    ("max", "fail"): "entirely above",
}


def _number(data: Any, field: str, kind: str, expected: str) -> float | None:
    value = data.get(field) if isinstance(data, dict) else None
    if value is None:
        return None
    return rule_number(value, field, kind, expected)


def _need_one(data: Any, kind: str, fields: tuple[str, str]) -> None:
    if not isinstance(data, dict) or all(data.get(f) is None for f in fields):
        raise FieldProblem(fields[0], f"a {kind} rule needs {fields[0]!r} or {fields[1]!r}.")


def _where(side: Literal["min", "max"], outcome: Outcome) -> str:
    return _WORDS.get((side, outcome), "across")


def _limits(
    iv: Interval,
    n: int,
    sc: Scale,
    limits: list[tuple[Literal["min", "max"], float, str]],
    subject: str,
) -> tuple[Outcome, str, str | None, int]:
    """Judge ``iv`` against each (side, limit, noun); the phrase, and what would settle it."""
    outcomes: list[Outcome] = []
    phrases = []
    settle, more = None, 0
    for side, limit, noun in limits:
        outcome = limit_outcome(side, iv.low, iv.high, limit)
        outcomes.append(outcome)
        phrases.append(f"{_where(side, outcome)} the {sc.value(limit)} {noun}")
        if outcome == "inconclusive" and settle is None:
            distance = iv.estimate - limit
            relation = "at or above" if side == "min" else "at or below"
            if distance == 0.0:
                settle = (
                    "the estimate sits on the limit; no number of examples is sure to settle it"
                )
            else:
                size = sample_size_to_settle(iv, n, distance)
                what = (
                    f"settle whether {subject} is {relation} {sc.value(limit)} if its true value "
                    f"is the observed {sc.value(iv.estimate)}"
                )
                settle, more = settle_sentence(size, what), size.more if size else 0
    return worst(outcomes), " and ".join(phrases), settle, more


def _error_rate_settle(errors: int, records: int, limit: float, iv: Interval, sc: Scale) -> str:
    """What would settle an error rate, sized with the rule's own Wilson interval."""
    held = "no errors continue" if errors == 0 else f"the observed {sc.value(iv.estimate)} holds"
    relation = "at or below" if iv.estimate < limit else "above"
    if iv.estimate == limit:
        return "the error rate sits on the limit; no number of records is sure to settle it"
    total = records_to_settle_error_rate(errors, records, limit, iv.confidence)
    if total is None:
        return (
            f"the error rate sits so close to the {sc.value(limit)} maximum that no practical "
            "number of records would settle it"
        )
    return (
        f"{total - records:,} more records ({total:,} in all) would show the error rate "
        f"{relation} the {sc.value(limit)} maximum if {held} (the smallest count at which "
        "the rule's Wilson interval clears it)"
    )


class ThresholdParameters(BaseModel):
    """``min`` and/or ``max`` on the candidate's estimate, in the metric's units."""

    model_config = _PARAMS

    min: float | None = None
    """The candidate's value must be at least this."""
    max: float | None = None
    """The candidate's value must be at most this."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        _need_one(data, "threshold", ("min", "max"))
        low = _number(data, "min", "threshold", "a finite number")
        high = _number(data, "max", "threshold", "a finite number")
        if low is not None and high is not None and low > high:
            raise FieldProblem("max", f"must be at least 'min' ({low}). Got {high}.")
        return data


@register_rule_kind("threshold")
class Threshold(PerResultKind):
    """The candidate's value is within limits."""

    parameters = ThresholdParameters

    def judge_one(self, result: MetricComparison, params: BaseModel, case: RuleCase) -> Judged:
        """Judge the candidate's interval against ``min`` / ``max``."""
        assert isinstance(params, ThresholdParameters)
        sc = scale_of(result)
        limits: list[tuple[Literal["min", "max"], float, str]] = []
        if params.min is not None:
            limits.append(("min", params.min, "minimum"))
        if params.max is not None:
            limits.append(("max", params.max, "maximum"))
        c = result.candidate
        outcome, phrase, settle, more = _limits(c, result.n, sc, limits, result.label)
        reason = f"{result.label}: {sc.values(c)}, {phrase}"
        return Judged(result.label, outcome, reason, settle, more)


class BudgetParameters(BaseModel):
    """``max`` on the candidate's value and/or ``max_increase`` over the baseline."""

    model_config = _PARAMS

    max: float | None = None
    """Largest acceptable value (ms for latency quantiles, currency for cost)."""
    max_increase: float | None = None
    """Largest acceptable relative increase over the baseline (0.10 = +10%)."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        _need_one(data, "budget", ("max", "max_increase"))
        _number(data, "max", "budget", "a finite number")
        increase = _number(data, "max_increase", "budget", "a number > -1 (0.10 = +10%)")
        if increase is not None and increase <= -1.0:
            raise field_problem("max_increase", "budget", "a number > -1 (0.10 = +10%)", increase)
        return data


@register_rule_kind("budget")
class Budget(PerResultKind):
    """Latency or cost stays within a budget."""

    parameters = BudgetParameters

    def judge_one(self, result: MetricComparison, params: BaseModel, case: RuleCase) -> Judged:
        """Judge ``max`` on the candidate and ``max_increase`` on the relative difference."""
        assert isinstance(params, BudgetParameters)
        sc = scale_of(result)
        outcomes: list[Outcome] = []
        parts, settle, more = [], None, 0
        if params.max is not None:
            c = result.candidate
            o, phrase, settle, more = _limits(
                c, result.n, sc, [("max", params.max, "budget")], result.label
            )
            outcomes.append(o)
            parts.append(f"{sc.values(c)}, {phrase}")
        if params.max_increase is not None:
            base = result.baseline.estimate
            if not base > 0.0:
                raise GateError(
                    f"{result.label}: a 'max_increase' budget needs a positive baseline "
                    f"estimate. Got {base!r}."
                )
            d = result.difference
            rel = as_interval(d.estimate / base, d.low / base, d.high / base, d.confidence)
            o = limit_outcome("max", rel.low, rel.high, params.max_increase)
            outcomes.append(o)
            bounds = f"[{percent_change(rel.low)}, {percent_change(rel.high)}]"
            # the change in the metric's units first; the relative change is the rule's measure
            parts.append(
                f"{sc.diffs(d)} over the baseline's {sc.value(base)} "
                f"({percent_change(rel.estimate)} {bounds}), {_where('max', o)} the "
                f"{percent_change(params.max_increase)} allowed increase "
                f"({sc.diff(params.max_increase * base)})"
            )
            if o == "inconclusive" and settle is None:
                distance = d.estimate - params.max_increase * base
                size = sample_size_to_settle(d, result.n, distance)
                what = (
                    "settle whether the increase is at most "
                    f"{percent_change(params.max_increase)} if its true value is the observed "
                    f"{percent_change(rel.estimate)}"
                )
                settle, more = settle_sentence(size, what), size.more if size else 0
        outcome = worst(outcomes)
        reason = f"{result.label}: " + "; ".join(parts)
        return Judged(
            result.label, outcome, reason, settle if outcome == "inconclusive" else None, more
        )


class MaxErrorRateParameters(BaseModel):
    """``max``: the largest acceptable share of errored records, in [0, 1)."""

    model_config = _PARAMS

    max: float
    """Largest acceptable error rate (0.05 = 5%)."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        expected = "a share in [0, 1) (0.05 = 5%)"
        value = _number(data, "max", "max_error_rate", expected)
        if value is None:
            raise FieldProblem("max", "a max_error_rate rule needs 'max' (0.05 = 5%).")
        if not 0.0 <= value < 1.0:
            raise field_problem("max", "max_error_rate", expected, value)
        return data


@register_rule_kind("max_error_rate")
class MaxErrorRate:
    """The candidate's model calls fail no more often than a limit."""

    parameters = MaxErrorRateParameters
    uses_metric = False
    allows_slice = False
    fixed_metric = "error_rate"

    def judge(self, case: RuleCase) -> RuleJudgement:
        """Judge the Wilson interval of errors / records of the candidate against ``max``."""
        params = case.parameters
        assert isinstance(params, MaxErrorRateParameters)
        errors = case.comparison.errors.get("candidate")
        if errors is None or errors.records == 0:
            raise GateError(
                f"Rule {case.rule.name!r} needs the candidate's error counts, but the "
                "comparison has no records for the candidate in 'errors'."
            )
        est = proportion_interval(
            errors.errors, errors.records, method="wilson", confidence=case.confidence
        )
        iv = as_interval(est.estimate, est.low, est.high, est.confidence)
        sc = Scale(True)
        outcome = limit_outcome("max", iv.low, iv.high, params.max)
        phrase = f"{_where('max', outcome)} the {sc.value(params.max)} maximum"
        settle = None
        if outcome == "inconclusive":
            settle = _error_rate_settle(errors.errors, errors.records, params.max, iv, sc)
        reason = (
            f"error rate of the candidate: {sc.values(iv)} ({errors.errors:,} of "
            f"{errors.records:,} records, Wilson interval), {phrase}"
        )
        summary = f"error rate {sc.values(iv)} {phrase.removeprefix('entirely ')}"
        return RuleJudgement(outcome, reason, settle, ("errors: candidate",), summary)
