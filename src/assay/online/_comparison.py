"""An A/B readout as an :class:`assay.core.Comparison`, so release policies can judge it.

Control is the baseline and one treatment arm the candidate; each metric becomes one
:class:`~assay.core.MetricComparison` whose numbers are the readout's own (no statistic is
recomputed): the arms' values with their intervals, the absolute lift with its interval (the
always-valid one when the readout is sequential), the lift's p-value and its
multiplicity-adjusted p-value. Units are randomised to independent arms, never matched across
them: ``n`` is the units of the two arms compared, and the coverage counts those units as
"shared" so that coverage rules see every unit; reports render such a comparison with
:func:`assay.reports.experiment_kind`, which speaks of users per arm instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from statistics import NormalDist
from typing import Literal

from assay._util import MINUS
from assay.core import Comparison, Coverage, Interval, MetricComparison, digest
from assay.errors import ParameterError
from assay.online._plan import ExperimentPlan
from assay.online._result import Readout
from assay.stats import Estimate, LiftResult

__all__ = ["metric_goals", "readout_comparison"]

Goal = Literal["higher", "lower"]
MDE_POWER = 0.8
"""Power of the minimum detectable effect reported with each fixed-horizon result."""


def metric_goals(
    readout: Readout,
    plan: ExperimentPlan | None = None,
    goals: Mapping[str, Goal] | None = None,
) -> dict[str, Goal]:
    """Whether higher or lower is better, per metric of the readout.

    ``goals`` first; then the plan: a guardrail's ``higher_is_better``, and for the primary
    metric ``lower`` when the plan's alternative is ``less``; ``higher`` otherwise.
    """
    out: dict[str, Goal] = {}
    guard = {g.metric: g for g in plan.guardrails} if plan is not None else {}
    for metric in dict.fromkeys(r.metric for r in readout.lifts):
        goal: Goal = "higher"
        if plan is not None and metric == plan.primary_metric:
            goal = "lower" if plan.alternative == "less" else "higher"
        elif metric in guard:
            goal = "higher" if guard[metric].higher_is_better else "lower"
        if goals is not None and metric in goals:
            given = goals[metric]
            if given not in ("higher", "lower"):
                raise ParameterError(
                    "goals",
                    "readout_comparison",
                    "a mapping of metric to 'higher' or 'lower'",
                    dict(goals),
                )
            goal = given
        out[metric] = goal
    return out


def _interval(e: Estimate, method: str | None = None) -> Interval:
    return Interval(
        estimate=e.estimate,
        low=e.low,
        high=e.high,
        confidence=e.confidence,
        method=method or e.method,
    )


def _mde(lift: LiftResult) -> float | None:
    """(z of the test + z of 80% power) × SE: fixed-horizon results only."""
    se = lift.absolute.se
    if lift.tau is not None or se is None or not math.isfinite(se) or se <= 0:
        return None
    alpha = 1.0 - lift.confidence
    tail = alpha / 2.0 if lift.alternative == "two-sided" else alpha
    z = NormalDist().inv_cdf(1.0 - tail) + NormalDist().inv_cdf(MDE_POWER)
    return z * se


def _pct(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{100 * x:+.3g}%".replace("-", MINUS)


def _notes(lift: LiftResult) -> list[str]:
    notes: list[str] = []
    if lift.status != "ok":
        notes.append(f"inconclusive: {lift.reason}")
        return notes
    rel = lift.relative
    notes.append(f"relative lift {_pct(rel.estimate)} [{_pct(rel.low)}, {_pct(rel.high)}]")
    if lift.alternative != "two-sided":
        notes.append(f"one-sided test ({lift.alternative}): the p-value is one-sided")
    if lift.theta is not None:
        vr = lift.variance_reduction
        notes.append(f"CUPED theta={lift.theta:.4g}, variance reduction {_pct(vr or 0.0)}")
    if lift.tau is not None:
        notes.append(
            f"always-valid interval and p-value (tau={lift.tau:g} per-unit sd"
            + (f" = {lift.tau_absolute:.4g} in metric units)" if lift.tau_absolute else ")")
        )
    notes.extend(lift.notes)
    return notes


def _result(lift: LiftResult, goal: Goal, family: list[str]) -> MetricComparison:
    adjustment = None
    if lift.adjustment is not None:
        adjustment = f"{lift.adjustment} over the family [{', '.join(family)}] and every arm"
    return MetricComparison(
        metric=lift.metric,
        goal=goal,
        n=lift.control_value.n + lift.treatment_value.n,
        baseline=_interval(lift.control_value, f"{lift.control_value.method} (control arm)"),
        candidate=_interval(lift.treatment_value, f"{lift.treatment_value.method} (treatment arm)"),
        difference=_interval(lift.absolute),
        test=lift.method,
        p_value=lift.p_value,
        p_adjusted=lift.p_value_adjusted,
        adjustment=adjustment,
        mde=_mde(lift),
        notes=_notes(lift),
    )


def readout_comparison(
    readout: Readout,
    treatment: str | None = None,
    *,
    plan: ExperimentPlan | None = None,
    goals: Mapping[str, Goal] | None = None,
    name: str | None = None,
) -> Comparison:
    """One treatment arm against control as a :class:`~assay.core.Comparison`.

    ``treatment`` may be left out when the readout has one treatment arm. Every metric of the
    readout gives one overall result (no slices): the control as the baseline and the
    treatment as the candidate, their values and intervals as read out, the absolute lift as
    the difference (always-valid when the readout is sequential), ``test`` the lift's method,
    ``p_value`` and ``p_adjusted`` the lift's raw and family-adjusted p-values, ``n`` the
    units of the two arms, ``mde`` the effect detectable with 80% power at the readout's
    level (fixed horizon only), the goal from :func:`metric_goals`. The comparison's
    confidence is the readout's; the runs and models are the arm names and the suite is the
    experiment (``name``, else the plan's name), identified by the digest of the readout.
    """
    fn = "readout_comparison"
    treatments = list(readout.arms[1:])
    if treatment is None:
        if len(treatments) != 1:
            raise ParameterError(
                "treatment", fn, f"one of {', '.join(treatments)} (the readout has several)", None
            )
        treatment = treatments[0]
    if treatment not in treatments:
        raise ParameterError("treatment", fn, f"one of {', '.join(treatments)}", treatment)
    goal = metric_goals(readout, plan, goals)
    p = readout.parameters
    family = [str(m) for m in (p.get("family") or [])]
    lifts = [r for r in readout.lifts if r.treatment == treatment]
    results = [_result(r, goal[r.metric], family) for r in lifts]
    control = readout.control
    n_pair = readout.n_by_arm[control] + readout.n_by_arm[treatment]
    srm = readout.srm
    n_arm = readout.n_by_arm
    methods = [
        f"online A/B experiment: users randomised to arms {control!r} (baseline, "
        f"{n_arm[control]:,} users) and {treatment!r} (candidate, {n_arm[treatment]:,} users), "
        "independent groups",
        *dict.fromkeys(r.method for r in lifts),
        f"sample-ratio check: {srm.method} over all {len(readout.arms)} arms, p={srm.p_value:.3g}"
        f" (threshold {srm.threshold:g})",
    ]
    if p.get("multiplicity") not in (None, "none"):
        methods.append(
            f"multiplicity: {p['multiplicity']} over the family [{', '.join(family)}] across "
            "every treatment arm; intervals are marginal"
        )
    experiment = name or (plan.name if plan is not None else "A/B experiment")
    return Comparison(
        baseline_run=control,
        candidate_run=treatment,
        baseline_model=control,
        candidate_model=treatment,
        suite_name=experiment,
        suite_digest=digest(readout.to_dict()),
        confidence=float(p["confidence"]),
        coverage=Coverage(
            shared=n_pair,
            baseline_only=0,
            candidate_only=0,
            suite_examples=sum(readout.n_by_arm.values()),
        ),
        results=results,
        created_at=datetime.now(UTC),
        methods=methods,
    )
