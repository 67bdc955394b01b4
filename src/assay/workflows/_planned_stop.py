"""A candidate's planned early stop, checked against the records, for its comparison's gates.

A run stopped early by plan records the plan and its outcome in
``manifest.provenance["early_stop"]``. Before a comparison uses it, the stop is replayed from
the records: the baseline run's per-example scores, the suite's examples in the seeded order,
the candidate's scores. The stop is used only when the replay evaluates exactly the examples
the candidate has records for and stops where the run did; the interval comes from the
replay. Otherwise the comparison has no planned stop and a methods line says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.core import Comparison, Interval, PlannedStop, Run, Suite
from assay.errors import AssayError
from assay.metrics import get_metric

__all__ = ["attach_planned_stop", "example_scores", "stop_metric_problem"]


def example_scores(records: pa.Table, metric: str) -> dict[str, float]:
    """Per-example score of ``metric``: the mean over samples, errored records left out."""
    ok = records.filter(pc.is_null(records.column("error")))
    table = ok.select(["example_id", metric]).filter(pc.is_finite(ok.column(metric)))
    means = table.group_by("example_id").aggregate([(metric, "mean")])
    ids = means.column("example_id").to_pylist()
    values = means.column(f"{metric}_mean").to_pylist()
    return {str(i): float(v) for i, v in zip(ids, values, strict=True)}


def stop_metric_problem(suite: Suite, metric: str, clustered: bool) -> str | None:
    """Why a planned stop on ``metric`` of ``suite`` cannot stand for it (``None``: it can)."""
    spec = next((m for m in suite.metrics if m.name == metric), None)
    if spec is None:
        return f"{metric!r} is not a metric of suite {suite.name!r}"
    if spec.aggregate != "mean" and not get_metric(spec.aggregate).is_mean:
        return (
            f"{metric!r} aggregates as {spec.aggregate!r}, not as a mean of per-example scores, "
            "so a sequence for the mean says nothing about it"
        )
    if clustered:
        return (
            f"suite {suite.name!r} has clustered examples, and the sequence treats examples as "
            "independent draws"
        )
    return None


def attach_planned_stop(
    comparison: Comparison,
    baseline: Run,
    baseline_records: pa.Table,
    candidate: Run,
    candidate_records: pa.Table,
    suite: Suite,
    example_ids: Callable[[], list[str]],
) -> Comparison:
    """``comparison`` with the candidate's checked planned stop, or with a line saying why not.

    ``example_ids`` gives the suite's example ids, in any row order (called only for a run
    with a planned stop).
    """
    stop = candidate.manifest.provenance.get("early_stop")
    if not isinstance(stop, Mapping) or not stop.get("planned"):
        return comparison
    try:
        planned, line = _check(
            stop, comparison, baseline, baseline_records, candidate_records, suite, example_ids
        )
    except (KeyError, TypeError, ValueError, AssayError) as exc:
        planned, line = (
            None,
            (
                f"its recorded plan cannot be replayed ({type(exc).__name__}: {exc}); evaluate the "
                "candidate on the whole suite, or again with a plan from assay.early_stop_plan"
            ),
        )
    used, total = stop.get("n_used"), stop.get("n_total")
    where = f"The candidate stopped early by plan on {stop.get('metric')}"
    if isinstance(used, int) and isinstance(total, int):
        where += f" after {used:,} of {total:,} examples"
    if planned is None:
        text = (
            f"{where}, but the stop is not used: {line}. The fixed-sample intervals assume no "
            "data-dependent stop, and the examples it left unevaluated count as missing."
        )
    else:
        text = f"{where}. {line}"
    return comparison.model_copy(
        update={
            "early_stop": planned,
            "early_stop_note": text,
            "methods": [*comparison.methods, text],
        }
    )


def _check(
    stop: Mapping[str, Any],
    comparison: Comparison,
    baseline: Run,
    baseline_records: pa.Table,
    candidate_records: pa.Table,
    suite: Suite,
    example_ids: Callable[[], list[str]],
) -> tuple[PlannedStop | None, str]:
    # the runners (HTTP clients, adapters) load only for a run that was stopped by plan
    from assay.runners import EarlyStop, evaluation_order, replay_early_stop

    params: Mapping[str, Any] = stop["parameters"]
    paired_with = params.get("baseline_run")
    if stop.get("comparison") != "paired":
        return None, (
            "its plan compared with a fixed value, not with a baseline run; plan the stop "
            "against a stored baseline run (assay.early_stop_plan, assay run --early-stop)"
        )
    if paired_with is None:
        return None, (
            "its plan does not record which baseline run it was paired with; plan the stop "
            "with assay.early_stop_plan (or set EarlyStop.baseline_run)"
        )
    if paired_with != baseline.run_id:
        return None, (
            f"its plan was paired with baseline run {str(paired_with)[:12]}, not with this one; "
            "compare with that run to use the stop"
        )
    confidence = float(stop["confidence"])
    if not math.isclose(confidence, comparison.confidence):
        return None, (
            f"its sequence has confidence {confidence:g} and the comparison "
            f"{comparison.confidence:g}; compare at {confidence:g} (assay gate or assay report "
            f"with the policy the plan came from, or compare_runs(confidence={confidence:g}))"
        )
    metric = str(stop["metric"])
    clustered = candidate_records.column("cluster").null_count < candidate_records.num_rows
    problem = stop_metric_problem(suite, metric, clustered)
    if problem is not None:
        return None, problem
    ids = example_ids()
    if len(ids) != int(stop["n_total"]):
        return None, f"the suite has {len(ids):,} examples, not the {stop['n_total']} it planned on"
    goal = next(m.goal for m in suite.metrics if m.name == metric)
    low, high = (float(b) for b in params["bounds"])
    base_scores = example_scores(baseline_records, metric)
    if not base_scores:
        return None, f"the baseline run has no scored record of {metric!r} to pair with"
    if (pc.max(candidate_records.column("sample_index")).as_py() or 0) > 0:
        return None, "the candidate has repeated samples, and a planned stop takes one"
    errored = pc.is_valid(candidate_records.column("error")).to_numpy(zero_copy_only=False)
    scores = candidate_records.column(metric).to_numpy(zero_copy_only=False).astype(np.float64)
    recorded = candidate_records.column("example_id").to_pylist()
    by_id = {
        e: (math.nan if bad else float(v))
        for e, v, bad in zip(recorded, scores, errored, strict=True)
    }
    outside = [
        v for v in (*base_scores.values(), *by_id.values()) if not low <= v <= high
    ]  # NaN compares false, so errored records are not counted here
    if any(math.isfinite(v) for v in outside):
        return None, (
            f"some {metric!r} scores lie outside the plan's bounds [{low:g}, {high:g}], for "
            "which the sequence holds"
        )
    plan = EarlyStop(
        metric=metric,
        baseline=base_scores,
        margin=float(stop["margin"]),
        confidence=confidence,
        min_examples=int(params["min_examples"]),
        check_every=int(params["check_every"]),
        seed=int(params["seed"]),
        bounds=(low, high),
        baseline_run=str(paired_with),
    )
    order = [ids[i] for i in evaluation_order(plan.seed, ids)]
    recorded_set, planned_set = set(recorded), set(order[: int(stop["n_used"])])
    if recorded_set != planned_set:
        return None, (
            f"the plan's first {len(planned_set):,} examples in its seeded order are not the "
            f"candidate's: it lacks {len(planned_set - recorded_set):,} of them and has "
            f"{len(recorded_set - planned_set):,} others (records dropped or added after the "
            "run); evaluate the candidate again"
        )
    result, evaluated = replay_early_stop(plan, ids, by_id, goal)
    if result.n_used != len(planned_set) or result.decision.value != stop.get("decision"):
        return None, (
            f"replayed from the records, the plan stops {result.decision.value} after "
            f"{result.n_used:,} examples, not {stop.get('decision')} after "
            f"{len(planned_set):,} as the run recorded (scores changed after the stop); "
            "evaluate the candidate again"
        )
    in_suite = set(baseline_records.column("example_id").to_pylist()) & set(ids)
    unevaluated = len(in_suite - set(evaluated))
    planned = PlannedStop(
        metric=metric,
        decision=result.decision.value,
        n_used=result.n_used,
        n_total=result.n_total,
        n_observations=result.n_observations,
        difference=Interval(
            estimate=result.estimate,
            low=result.low,
            high=result.high,
            confidence=confidence,
            method=result.method,
        ),
        margin=plan.margin,
        unevaluated=unevaluated,
        baseline_mean=float(np.mean(list(base_scores.values()))),
    )
    line = (
        f"Replayed from both runs' records (seed {plan.seed}, a look every {plan.check_every} "
        f"from {plan.min_examples} on), it decides {result.decision.value}. Gates judge "
        f"{metric}'s overall difference on its anytime-valid {result.method} "
        f"[{result.low:+.4g}, {result.high:+.4g}], and the {unevaluated:,} baseline examples "
        "it left unevaluated are planned, not missing."
    )
    return planned, line
