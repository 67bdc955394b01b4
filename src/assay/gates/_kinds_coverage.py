"""The ``coverage`` rule kind: the candidate was scored on the examples the baseline was.

A run that silently drops examples (the hard ones, say) is compared only on what it kept and
looks better than it is; failures must be records with an error, never missing rows. Coverage
is a count, not an estimate, so the rule passes or fails, never inconclusive. Examples a
planned early stop left unevaluated (:attr:`assay.core.Comparison.early_stop`) were never
meant to be run and do not count as missing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from assay.gates._fields import field_problem, rule_number
from assay.gates._planned import planned_unevaluated
from assay.gates._registry import RuleCase, RuleJudgement, register_rule_kind

__all__ = ["Coverage", "CoverageParameters"]


class CoverageParameters(BaseModel):
    """``max_missing``: the largest acceptable share of the baseline's examples the candidate lacks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_missing: float = 0.0
    """Largest acceptable share, in [0, 1) (0 = the candidate has every example)."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        value = data.get("max_missing", 0.0) if isinstance(data, dict) else 0.0
        expected = "a share in [0, 1) (0.01 = 1%)"
        if not 0.0 <= rule_number(value, "max_missing", "coverage", expected) < 1.0:
            raise field_problem("max_missing", "coverage", expected, value)
        return data


@register_rule_kind("coverage")
class Coverage:
    """The candidate has scores for (nearly) every example the baseline has."""

    parameters = CoverageParameters
    uses_metric = False
    allows_slice = False
    fixed_metric = "coverage"

    def judge(self, case: RuleCase) -> RuleJudgement:
        """Fail when the share of baseline examples missing from the candidate exceeds the limit."""
        params = case.parameters
        assert isinstance(params, CoverageParameters)
        cov = case.comparison.coverage
        base = cov.shared + cov.baseline_only
        planned = min(planned_unevaluated(case), cov.baseline_only)  # exact, from the replay
        lacking = cov.baseline_only - planned
        missing = lacking / base if base else 0.0
        limit = f"{params.max_missing:.1%}"
        by_plan = (
            f"; its planned early stop left {planned:,} unevaluated, which is not missing"
            if planned
            else ""
        )
        if missing <= params.max_missing:
            reason = (
                f"the candidate has {cov.shared:,} of the baseline's {base:,} examples"
                f"{by_plan} ({missing:.1%} missing{' otherwise' if planned else ''}), within the "
                f"{limit} allowed"
            )
            summary = f"{missing:.1%} of the baseline's examples missing"
            return RuleJudgement("pass", reason, None, ("coverage",), summary)
        reason = (
            f"the candidate lacks {lacking:,} of the baseline's {base:,} examples"
            f"{by_plan} ({missing:.1%} missing{' otherwise' if planned else ''}), more than the "
            f"{limit} allowed; a run must "
            "record failures as errors, not drop them"
        )
        if case.comparison.early_stop is None and case.comparison.early_stop_note:
            reason += "; the candidate's planned early stop is not used (see the methods)"
        summary = f"the candidate lacks {lacking:,} of the baseline's {base:,} examples"
        return RuleJudgement("fail", reason, None, ("coverage",), summary)
