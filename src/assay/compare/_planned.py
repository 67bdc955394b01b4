"""A candidate's planned early stop, read from its manifest, for the comparison and its gates.

A run stopped early by plan (``assay.evaluate(..., early_stop=...)``) records the plan and
its outcome in ``manifest.provenance["early_stop"]``. It belongs to a comparison only when
the plan was paired with that comparison's baseline run (``parameters.baseline_run``) and its
time-uniform confidence is the comparison's; otherwise the comparison has no planned stop and
its methods say why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from assay.core import Interval, PlannedStop, Run, RunInfo

__all__ = ["planned_stop"]


def planned_stop(
    baseline: RunInfo | Run, candidate: RunInfo | Run, confidence: float
) -> tuple[PlannedStop | None, list[str]]:
    """The candidate's planned stop against ``baseline``, and the methods lines that say so."""
    if not isinstance(candidate, Run):
        return None, []
    stop = candidate.manifest.provenance.get("early_stop")
    if not isinstance(stop, Mapping) or not stop.get("planned"):
        return None, []
    given = stop.get("parameters")
    params: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    metric = str(stop.get("metric"))
    where = (
        f"The candidate stopped early by plan on {metric} after {_count(stop.get('n_used'))} "
        f"of {_count(stop.get('n_total'))} examples"
    )
    if stop.get("comparison") != "paired" or params.get("baseline_run") != baseline.run_id:
        return None, [
            f"{where}, but its plan was not paired with this baseline run, so the fixed-sample "
            "intervals below assume no data-dependent stop."
        ]
    if not math.isclose(float(stop.get("confidence", math.nan)), confidence):
        return None, [
            f"{where}, with a {stop.get('confidence')} confidence sequence; the comparison is at "
            f"{confidence}, so the fixed-sample intervals below are used."
        ]
    low, high = _bound(stop.get("low"), -math.inf), _bound(stop.get("high"), math.inf)
    planned = PlannedStop(
        metric=metric,
        decision=stop["decision"],
        n_used=int(stop["n_used"]),
        n_total=int(stop["n_total"]),
        n_observations=int(stop["n_observations"]),
        difference=Interval(
            estimate=_bound(stop.get("estimate"), math.nan),
            low=low,
            high=high,
            confidence=confidence,
            method=str(stop.get("method", "confidence sequence")),
        ),
        margin=float(stop.get("margin", 0.0)),
    )
    line = (
        f"{where} (decision: {planned.decision}; seed {params.get('seed')}, a look every "
        f"{params.get('check_every')} from {params.get('min_examples')} on). Gates judge "
        f"{metric}'s overall difference on the plan's anytime-valid {planned.difference.method}, "
        "and count the examples the stop left unevaluated as planned, not missing."
    )
    return planned, [line]


def _bound(value: Any, missing: float) -> float:
    return missing if value is None else float(value)


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)
