"""The ``no_regression`` rule kind: no slice may regress significantly.

For each selected result (usually ``slice: every`` or ``every:attribute``) with at least
``min_slice_size`` paired examples, the one-sided p-value for a regression is derived from the
comparison's two-sided p-value (the paired test the comparison chose: McNemar, paired t,
bootstrap) and the sign of the difference: ``p/2`` when the difference is a worsening
(direction-aware), ``1 − p/2`` otherwise. These one-sided p-values are adjusted across the
rule's judged slices of one metric with Holm (default) or Benjamini–Hochberg
(:func:`assay.stats.adjust_pvalues`); the comparison's own ``p_adjusted`` is not used, because
the family is the rule's.

A slice fails when its adjusted p-value is below ``(1 − confidence)/2`` (0.025 at 95%: the
one-sided level of a two-sided interval, so a single slice fails exactly when its two-sided
test rejects in the direction of a regression) **and** its estimated worsening exceeds
``margin``. The rule fails when any slice fails and passes otherwise: it does not return
inconclusive. Slices with fewer than ``min_slice_size`` examples are left out of the family
and cannot fail; the reason lists them with their interval's half-width, and each raises a
:class:`~assay.errors.SmallSliceWarning` naming the slice, its n and the minimum. Where a
judged slice's bootstrap p-value cannot reach the level whatever the data (its floor, the
resamples' share expanded for its clusters: :mod:`assay.gates._p_floor`), or Holm's first step
over the floors of every judged slice cannot, the reason says so and an
:class:`~assay.errors.UnderpoweredWarning` is raised; the rule still passes.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from assay._util import check_instance
from assay.core import MetricComparison
from assay.errors import SmallSliceWarning, UnderpoweredWarning
from assay.gates._combine import gain
from assay.gates._p_floor import regression_p_floor, unreachable
from assay.gates._registry import FieldProblem, RuleCase, RuleJudgement, register_rule_kind
from assay.gates._words import p_text, scale_of
from assay.stats import adjust_pvalues

__all__ = ["NoRegression", "NoRegressionParameters", "regression_p_value"]

_METHOD_NAMES = {"holm": "Holm", "bh": "Benjamini–Hochberg"}
_SHOWN = 5


class NoRegressionParameters(BaseModel):
    """``margin`` (≥ 0), ``multiplicity`` (holm or bh), ``min_slice_size`` (≥ 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    margin: float = 0.0
    """A significant worsening must also exceed this (metric units) to fail the rule."""
    multiplicity: Literal["holm", "bh"] = "holm"
    """Adjustment across the rule's slices: Holm (family-wise) or Benjamini–Hochberg (FDR)."""
    min_slice_size: int = 30
    """Slices with fewer paired examples are reported but cannot fail the rule."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        kind = "no_regression"
        margin = data.get("margin", 0.0)
        ok = isinstance(margin, (int, float)) and not isinstance(margin, bool)
        if not ok or not math.isfinite(margin) or margin < 0.0:
            raise FieldProblem(
                "margin",
                f"The 'margin' parameter of a {kind} rule must be a number >= 0 (a worsening "
                f"it tolerates, in the metric's units). Got {margin!r}.",
            )
        method = data.get("multiplicity", "holm")
        if method not in _METHOD_NAMES:
            raise FieldProblem(
                "multiplicity",
                f"The 'multiplicity' parameter of a {kind} rule must be 'holm' or 'bh'. "
                f"Got {method!r}.",
            )
        size = data.get("min_slice_size", 30)
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise FieldProblem(
                "min_slice_size",
                f"The 'min_slice_size' parameter of a {kind} rule must be an integer >= 1. "
                f"Got {size!r}.",
            )
        return data


def regression_p_value(result: MetricComparison) -> float:
    """One-sided p-value for a worsening, from the two-sided p-value and the sign of the gain."""
    check_instance(result, "result", "regression_p_value", MetricComparison, "a MetricComparison")
    p = result.p_value if math.isfinite(result.p_value) else 1.0
    g_est, _, _ = gain(result)
    return p / 2.0 if g_est < 0.0 else 1.0 - p / 2.0


def _listing(items: list[str]) -> str:
    shown = "; ".join(items[:_SHOWN])
    return shown + (f"; and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


@register_rule_kind("no_regression")
class NoRegression:
    """No slice regresses significantly, with multiplicity control across the slices."""

    parameters = NoRegressionParameters
    uses_metric = True
    allows_slice = True
    fixed_metric = None

    def judge(self, case: RuleCase) -> RuleJudgement:
        """Judge the selected results (see the module docstring)."""
        params = case.parameters
        assert isinstance(params, NoRegressionParameters)
        labels = tuple(r.label for r in case.results)
        if not case.results:
            return RuleJudgement(
                "pass", f"{case.metric}: the comparison has no slices; nothing to judge"
            )
        sc = scale_of(case.results[0])
        judged = [r for r in case.results if r.n >= params.min_slice_size]
        small = [r for r in case.results if r.n < params.min_slice_size]
        for r in small:
            warnings.warn(
                SmallSliceWarning(
                    f"Rule {case.rule.name!r}: {r.label} has n={r.n} paired examples, fewer "
                    f"than min_slice_size={params.min_slice_size}; it is reported with its "
                    "interval but cannot fail the rule."
                ),
                stacklevel=2,
            )
        tail = ""
        if small:
            tail = "; " + _listing(
                [
                    f"{r.label} too small to judge (n={r.n}, interval width "
                    f"{sc.half_width(r.difference)})"
                    for r in small
                ]
            )
        if not judged:
            reason = (
                f"{case.metric}: no slice has n >= {params.min_slice_size}, so none can be "
                f"judged{tail}"
            )
            return RuleJudgement("pass", reason, None, labels)
        level = (1.0 - case.confidence) / 2.0
        adjusted = adjust_pvalues(
            [regression_p_value(r) for r in judged], method=params.multiplicity
        ).adjusted
        tests = f"{len(judged)} one-sided test{'' if len(judged) == 1 else 's'}"
        method = f"{_METHOD_NAMES[params.multiplicity]} over {tests}"
        beyond = f" and a worsening beyond {sc.size(params.margin)}" if params.margin else ""
        failed = [
            (r, p)
            for r, p in zip(judged, adjusted, strict=True)
            if p < level and gain(r)[0] < -params.margin
        ]
        if failed:
            failed.sort(key=lambda rp: rp[1])
            items = [f"{r.label} {sc.diffs(r.difference)} (p_adj {p_text(p)})" for r, p in failed]
            reason = (
                f"{case.metric}: {len(failed)} of {len(judged)} judged slices regress "
                f"significantly (p_adj < {level:g}{beyond}; {method}): {_listing(items)}{tail}"
            )
            summary = "; ".join(
                f"{r.label} {sc.diffs(r.difference)}, p_adj {p_text(p)}" for r, p in failed[:2]
            )
            if len(failed) > 2:
                summary += f"; and {len(failed) - 2} more slices"
            return RuleJudgement("fail", reason, None, labels, summary)
        none, note = _unreachable_note(case, judged, level, params.multiplicity == "holm")
        tail = note + tail
        best = min(range(len(judged)), key=lambda i: adjusted[i])
        slices = f"{len(judged)} judged slice{'' if len(judged) == 1 else 's'}"
        # the slice nearest to regressing, named only when one looks worse at all: with every
        # slice better, "smallest p_adj 1 on <a slice>" would read like a finding
        nearest = (
            f"; nearest: {judged[best].label}, p_adj {p_text(adjusted[best])}"
            if gain(judged[best])[0] < 0 or adjusted[best] < 0.5
            else "; no slice is worse"
        )
        reason = (
            f"{case.metric}: no significant regression on {slices} "
            f"({method} at {level:g}{beyond}{nearest}){tail}"
        )
        family = f"{_METHOD_NAMES[params.multiplicity]} over {len(judged)} slices"
        summary = f"no slice of {case.metric} regresses ({family})"
        if none:
            summary = f"no slice of {case.metric} could fail ({family}, p-value floor)"
        return RuleJudgement("pass", reason, None, labels, summary)


def _unreachable_note(
    case: RuleCase, judged: list[MetricComparison], level: float, holm: bool
) -> tuple[bool, str]:
    """What the reason adds, and a warning raises, where a judged slice could not fail whatever
    the data: its bootstrap p-value's floor (its resamples, expanded for its clusters) is at or
    above the level, or, for the whole rule, Holm's first step over the floors is."""
    none, alone = unreachable(judged, level, holm)
    if not none and not alone:
        return False, ""
    if none:
        floor = min(f for f in (regression_p_floor(r) for r in judged) if f is not None)
        k = len(judged) if holm else 1
        holm_step = f"; Holm: {k} × {floor:.2g} = {k * floor:.2g}" if k > 1 else ""
        said = (
            f"no judged slice could fail whatever the data: the smallest one-sided p-value "
            f"their bootstrap tests can give is {floor:.2g}{holm_step}, not below {level:g}; "
            "fewer, larger slices (more clusters each) would let a regression show"
        )
    else:
        said = _listing(
            [
                f"{r.label} could not fail whatever the data (its smallest one-sided p-value "
                f"is {f:.2g} >= {level:g}: {r.resamples:,} resamples"
                + (f", {r.n_clusters:,} clusters)" if r.n_clusters else ")")
                for r, f in alone
            ]
        )
    warnings.warn(UnderpoweredWarning(f"Rule {case.rule.name!r}: {said}."), stacklevel=3)
    return none, "; " + said
