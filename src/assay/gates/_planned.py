"""Judging a metric the candidate's planned early stop decided on.

After a data-dependent stop, the comparison's fixed-sample interval for the stop metric no
longer has its stated coverage; the plan's confidence sequence does (it holds at every n at
once). Difference rules therefore judge that metric's overall result on the sequence's final
interval (:attr:`assay.core.Comparison.early_stop`).
"""

from __future__ import annotations

from assay.core import MetricComparison
from assay.gates._registry import RuleCase

__all__ = ["planned_result", "planned_unevaluated"]


def planned_result(result: MetricComparison, case: RuleCase) -> tuple[MetricComparison, str]:
    """The result to judge (the sequence's interval for the stop metric overall), and a note."""
    stop = case.comparison.early_stop
    if stop is None or result.metric != stop.metric or result.slice_attribute is not None:
        return result, ""
    judged = result.model_copy(update={"difference": stop.difference, "n": stop.n_observations})
    note = (
        f" (anytime-valid interval of the planned early stop, {stop.n_used:,} of "
        f"{stop.n_total:,} examples evaluated)"
    )
    return judged, note


def planned_unevaluated(case: RuleCase) -> int:
    """Suite examples the candidate's planned early stop left unevaluated (0 without one)."""
    stop = case.comparison.early_stop
    return 0 if stop is None else max(stop.n_total - stop.n_used, 0)
