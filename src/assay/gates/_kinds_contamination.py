"""The ``clean_subset`` rule kind: the candidate holds up on examples the training corpus lacks.

A model that has seen part of a suite in training looks better on that part; a release that
must stand on unseen data is gated on the clean subset alone. ``assay contamination SUITE
--corpus ... --mark`` registers the suite's next version with a ``contamination`` slice
attribute (``contaminated``, ``clean``, ``undetectable``); runs on that version are compared
per slice as usual, and this kind judges the ``contamination=clean`` result (or the
``attribute`` / ``clean`` of the rule) by non-inferiority: the lower bound of the
candidate-minus-baseline gain at least ``-margin`` passes, the upper bound below it fails,
across is inconclusive. Undetectable examples are never counted as clean.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from assay.errors import GateError
from assay.gates._fields import field_problem, rule_number
from assay.gates._kinds_difference import NonInferiority, NonInferiorityParameters
from assay.gates._registry import RuleCase, RuleJudgement, register_rule_kind

__all__ = ["CleanSubset", "CleanSubsetParameters"]


class CleanSubsetParameters(BaseModel):
    """``margin`` (> 0, the metric's units) on the slice ``attribute=clean``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    margin: float
    """Largest acceptable worsening on the clean subset, in the metric's units."""
    attribute: str = "contamination"
    """The slice attribute holding each example's contamination status."""
    clean: str = "clean"
    """Its value for examples searched and not found in the corpus."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        margin = data.get("margin") if isinstance(data, dict) else None
        expected = "a positive number: the largest acceptable worsening in the metric's units"
        if margin is None or rule_number(margin, "margin", "clean_subset", expected) <= 0.0:
            raise field_problem("margin", "clean_subset", expected, margin)
        return data


@register_rule_kind("clean_subset")
class CleanSubset:
    """Non-inferiority of the candidate on the examples not found in the training corpus."""

    parameters = CleanSubsetParameters
    uses_metric = True
    allows_slice = False
    fixed_metric = None

    def judge(self, case: RuleCase) -> RuleJudgement:
        """Judge the clean slice's result (GateError when the comparison has none)."""
        params = case.parameters
        assert isinstance(params, CleanSubsetParameters)
        found = [
            r
            for r in case.comparison.results
            if r.metric == case.metric
            and r.slice_attribute == params.attribute
            and r.slice_value == params.clean
        ]
        if not found:
            raise GateError(
                f"Rule 'clean_subset' on {case.metric!r} needs the comparison's "
                f"{params.attribute}={params.clean} slice, which it does not have; mark the "
                "suite with `assay contamination SUITE --corpus FILE --mark` and compare runs "
                "on the marked version."
            )
        margin = NonInferiorityParameters(margin=params.margin)
        inner = NonInferiority().judge_one(found[0], margin, case)
        reason = f"clean subset (n={found[0].n:,}): {inner.reason}"
        return RuleJudgement(
            inner.outcome, reason, inner.to_settle, (found[0].label,), inner.summary or reason
        )
