"""Judging a metric the candidate's planned early stop decided on.

After a data-dependent stop, the comparison's fixed-sample interval for the stop metric no
longer has its stated coverage; the plan's confidence sequence does (it holds at every n at
once). Difference rules therefore judge that metric's overall result on the sequence's final
interval (:attr:`assay.core.Comparison.early_stop`, replayed from the records), and the
coverage rule does not count the examples the plan left unevaluated.
"""

from __future__ import annotations

from assay.core import MetricComparison, PlannedStop
from assay.gates._registry import RuleCase

__all__ = ["planned_note", "planned_result", "planned_settle", "planned_unevaluated"]


def planned_result(
    result: MetricComparison, case: RuleCase
) -> tuple[MetricComparison, PlannedStop | None]:
    """The result to judge (the sequence's interval for the stop metric overall), and the stop."""
    stop = case.comparison.early_stop
    if stop is None or result.metric != stop.metric or result.slice_attribute is not None:
        return result, None
    judged = result.model_copy(
        update={"difference": stop.difference, "n": stop.n_observations, "n_clusters": None}
    )
    return judged, stop


def planned_note(stop: PlannedStop) -> str:
    """What the reason adds when a planned stop's interval was judged."""
    return (
        f" (anytime-valid interval of the planned early stop, {stop.n_used:,} of "
        f"{stop.n_total:,} examples evaluated)"
    )


def planned_settle(stop: PlannedStop) -> str:
    """What would settle a rule left inconclusive on a planned stop's interval."""
    if stop.n_used >= stop.n_total:
        return (
            "the planned early stop used every example of the suite without deciding; more "
            "evidence needs new examples (a larger suite), not a second look at these"
        )
    return (
        f"the plan stopped on its own margin ({stop.margin:g}), which settles this rule only "
        "when the rule judges the same margin; plan the stop with this rule's margin"
    )


def planned_unevaluated(case: RuleCase) -> int:
    """Baseline examples the candidate's planned early stop left unevaluated (0 without one)."""
    stop = case.comparison.early_stop
    return 0 if stop is None else stop.unevaluated
