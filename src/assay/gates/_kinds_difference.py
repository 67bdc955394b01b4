"""Rule kinds on the paired difference: non-inferiority and superiority.

Both are direction-aware. With ``d = [low, high]`` the interval of candidate minus baseline,
the *gain* is ``d`` for a metric where higher is better and ``−d = [−high, −low]`` where lower
is better, so positive always means the candidate is better.

* ``non_inferiority`` (margin m > 0, absolute in the metric's units, or ``relative_margin``
  r ∈ (0, 1) giving m = r·|baseline estimate|, or neither: the metric's default, from the
  suite or the metric's scale, :mod:`assay.gates._margins`): pass when the gain's lower bound ≥ −m (for a
  lower-is-better metric: the difference's upper bound ≤ +m), fail when the gain's upper bound
  < −m (the difference's lower bound > +m), inconclusive otherwise.
* ``superiority`` (``min_effect`` δ ≥ 0, absolute in the metric's units, default 0): pass when
  the gain's lower bound > δ, fail when the gain's upper bound ≤ δ (the whole interval at or
  on the wrong side of δ), inconclusive when the interval contains δ in its interior or
  touches it from the better side (low ≤ δ < high). With δ > 0 the rule is "better by at
  least δ": a study's minimum effect that matters, judged on bounds like every other kind.

For a candidate stopped early by plan against the compared baseline, both judge the stop
metric's overall result on the plan's confidence sequence (:mod:`assay.gates._planned`); a
``relative_margin`` is then a share of the baseline run's mean over all its examples, as
when the plan was made (the comparison's baseline estimate covers only the evaluated ones).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from assay.core import MetricComparison
from assay.gates._combine import Judged, PerResultKind, gain, settle_sentence
from assay.gates._fields import field_problem, rule_number
from assay.gates._margins import margin_of
from assay.gates._planned import planned_note, planned_result, planned_settle
from assay.gates._registry import FieldProblem, Outcome, RuleCase, register_rule_kind
from assay.gates._settle import sample_size_to_settle
from assay.gates._words import Scale, scale_of

__all__ = [
    "NonInferiority",
    "NonInferiorityParameters",
    "Superiority",
    "SuperiorityParameters",
]

_PARAMS = ConfigDict(frozen=True, extra="forbid")


def paired_binary(result: MetricComparison) -> bool:
    """Whether the result's test is McNemar's (paired 0/1 outcomes)."""
    return "mcnemar" in result.test.lower()


def _label(result: MetricComparison) -> str:
    return result.label + (" (lower is better)" if result.goal == "lower" else "")


class NonInferiorityParameters(BaseModel):
    """``margin`` (absolute, > 0) or ``relative_margin`` (share of the baseline, in (0, 1)); with
    neither, the metric's default (:mod:`assay.gates._margins`)."""

    model_config = _PARAMS

    margin: float | None = None
    """Largest acceptable worsening, in the metric's units (0.01 = 1 point on a 0–1 metric)."""
    relative_margin: float | None = None
    """Largest acceptable worsening as a share of the baseline's estimate (0.02 = 2%)."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        kind = "non_inferiority"
        margin, relative = data.get("margin"), data.get("relative_margin")
        if margin is not None and relative is not None:
            raise FieldProblem("relative_margin", "give 'margin' or 'relative_margin', not both.")
        if margin is not None:
            expected = "a positive number: the largest acceptable worsening in the metric's units"
            if rule_number(margin, "margin", kind, expected) <= 0.0:
                raise field_problem("margin", kind, expected, margin)
        if relative is not None:
            expected = "a float in (0, 1): a share of the baseline's estimate"
            if not 0.0 < rule_number(relative, "relative_margin", kind, expected) < 1.0:
                raise field_problem("relative_margin", kind, expected, relative)
        return data


@register_rule_kind("non_inferiority")
class NonInferiority(PerResultKind):
    """The candidate is not worse than the baseline by more than a margin."""

    parameters = NonInferiorityParameters

    def judge_one(self, result: MetricComparison, params: BaseModel, case: RuleCase) -> Judged:
        """Judge one result on the gain's interval (see the module docstring)."""
        assert isinstance(params, NonInferiorityParameters)
        result, planned = planned_result(result, case)
        sc = scale_of(result)
        margin = margin_of(
            params.margin, params.relative_margin, result, planned, case.metric_specs, sc
        )
        m, note = margin.size, margin.note
        _, g_low, g_high = gain(result)
        higher = result.goal == "higher"
        bound = -m if higher else m
        outcome: Outcome
        if g_low >= -m:
            outcome, side = "pass", "at or above" if higher else "at or below"
        elif g_high < -m:
            outcome, side = "fail", "below" if higher else "above"
        else:
            outcome, side = "inconclusive", "across"
        where = side if outcome == "inconclusive" else f"entirely {side}"
        reason = (
            f"{_label(result)}: {sc.diffs(result.difference)}, {where} the "
            f"{sc.margin(bound)} margin{note}{planned_note(planned) if planned else ''}"
        )
        declared = note if note == " declared by the suite" else ""
        summary = (
            f"{_label(result)} {sc.diffs(result.difference)} {side} the {sc.margin(bound)} "
            f"margin{declared}"
        )
        if outcome != "inconclusive":
            return Judged(result.label, outcome, reason, summary=summary)
        if planned is not None:
            return Judged(result.label, outcome, reason, planned_settle(planned), 0, summary)
        settle, more = _non_inferiority_settle(result, m, sc)
        return Judged(result.label, outcome, reason, settle, more, summary)


def _non_inferiority_settle(result: MetricComparison, m: float, sc: Scale) -> tuple[str, int]:
    """What would settle an inconclusive non-inferiority result, true wherever the observed
    difference lies: at or above 0, between the margin and 0, on it, or beyond it."""
    g_est = gain(result)[0]
    word = "drop" if result.goal == "higher" else "rise"
    observed = sc.diff(result.difference.estimate)
    binary = paired_binary(result)
    if g_est == -m:
        return (
            f"the observed difference ({observed}) lies on the {sc.size(m)} margin: more "
            "examples are as likely to fail the rule as to pass it, and no sample size "
            "can be promised to settle it",
            0,
        )
    if g_est < -m:
        size = sample_size_to_settle(result.difference, result.n, -m - g_est, paired_binary=binary)
        what = (
            f"show the interval entirely beyond the {sc.size(m)} margin if the true difference "
            "is the observed one"
        )
        lead = (
            f"the observed difference ({observed}) is already beyond the {sc.size(m)} margin, "
            "so more examples are more likely to fail the rule than to pass it: "
        )
        return lead + settle_sentence(size, what), size.more if size else 0
    if g_est >= 0.0:
        size = sample_size_to_settle(result.difference, result.n, m, paired_binary=binary)
        what = f"rule out a {sc.size(m)} {word} if the candidate is truly no worse"
    else:
        size = sample_size_to_settle(result.difference, result.n, g_est + m, paired_binary=binary)
        what = (
            f"rule out a {sc.size(m)} {word} if the true difference is the observed {observed} "
            "(inside the margin, so the interval must narrow to fit between it and the margin)"
        )
    return settle_sentence(size, what), size.more if size else 0


class SuperiorityParameters(BaseModel):
    """``min_effect`` (≥ 0): the improvement the candidate must show beyond doubt."""

    model_config = _PARAMS

    min_effect: float | None = None
    """Smallest improvement that counts, in the metric's units (0.02 = 2 points on a 0–1
    metric); left out (or 0), plain superiority (any improvement). Left out, it is not in the
    policy's definition, so a policy written before it existed keeps its digest."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        effect = data.get("min_effect")
        if effect is not None:
            expected = "a number ≥ 0: the smallest improvement that counts, in the metric's units"
            if not rule_number(effect, "min_effect", "superiority", expected) >= 0.0:
                raise field_problem("min_effect", "superiority", expected, effect)
        return data


@register_rule_kind("superiority")
class Superiority(PerResultKind):
    """The candidate is better than the baseline."""

    parameters = SuperiorityParameters

    def judge_one(self, result: MetricComparison, params: BaseModel, case: RuleCase) -> Judged:
        """Judge one result on the gain's interval (see the module docstring)."""
        assert isinstance(params, SuperiorityParameters)
        result, planned = planned_result(result, case)
        sc = scale_of(result)
        effect = params.min_effect or 0.0
        g_est, g_low, g_high = gain(result)
        higher = result.goal == "higher"
        outcome: Outcome
        if effect == 0.0:
            above, below, across = "above zero", "below zero", "the interval includes zero"
        else:
            bound = sc.margin(effect if higher else -effect)
            above, below = f"above the {bound} minimum effect", f"below the {bound} minimum effect"
            across = f"the interval includes the {bound} minimum effect"
        if g_low > effect:
            outcome, where = "pass", f"entirely {above if higher else below}"
        elif g_high <= effect:
            outcome = "fail"
            where = f"entirely at or {below if higher else above}"
        else:
            outcome, where = "inconclusive", across
        reason = f"{_label(result)}: {sc.diffs(result.difference)}, {where}"
        summary = f"{_label(result)} {sc.diffs(result.difference)}, {where}"
        if planned is not None:
            reason += planned_note(planned)
        if outcome != "inconclusive":
            return Judged(result.label, outcome, reason, summary=summary)
        if planned is not None:
            return Judged(result.label, outcome, reason, planned_settle(planned), 0, summary)
        if g_est <= effect:
            shown = sc.diff(result.difference.estimate)
            settle = (
                f"the observed difference ({shown}) does not favour the candidate; more "
                "examples are unlikely to show superiority"
                if effect == 0.0
                else f"the observed difference ({shown}) is not beyond the {sc.size(effect)} "
                "minimum effect; more examples are unlikely to show an improvement that large"
            )
            return Judged(result.label, outcome, reason, settle, 0, summary)
        size = sample_size_to_settle(
            result.difference, result.n, g_est - effect, paired_binary=paired_binary(result)
        )
        what = f"detect an improvement of the observed size ({sc.diff(result.difference.estimate)})"
        if effect != 0.0:
            what += f" beyond the {sc.size(effect)} minimum effect"
        more = size.more if size else 0
        return Judged(result.label, outcome, reason, settle_sentence(size, what), more, summary)


def rule_margins(case: RuleCase) -> dict[str, float]:
    """The margin each result of a non-inferiority rule is judged with, by result label, or
    a superiority rule's minimum effect when it has one (empty for other kinds and plain
    superiority): what a memo's rollback line, a chart's margin line and a study's check of
    its decision rule read."""
    params = case.parameters
    if isinstance(params, SuperiorityParameters):
        effect = params.min_effect or 0.0
        return {} if effect == 0.0 else {r.label: effect for r in case.results}
    if not isinstance(params, NonInferiorityParameters):
        return {}
    out: dict[str, float] = {}
    for original in case.results:
        result, planned = planned_result(original, case)
        found = margin_of(
            params.margin,
            params.relative_margin,
            result,
            planned,
            case.metric_specs,
            scale_of(result),
        )
        out[original.label] = found.size
    return out
