"""A staged rollout plan: shadow, canary, ramp steps and full, each with its gates.

Every step between shadow and full serves the treatment to a share ``s`` of the daily traffic
and keeps the rest (``1 − s``) on control, so each step is an A/B comparison with the units
split ``s : 1 − s``. A step's minimum duration is the number of days until that comparison can
detect a worsening as large as each guardrail's margin with the plan's power at its α
(:func:`assay.stats.ab_sample_size` with ``ratio = s / (1 − s)``, the plan's sidedness and
sequential setting, and the guardrail's baseline), never less than ``min_step_days``. The last
step before full is the decision step: it also has to reach the units the primary metric's
design needs at that split. Full rollout has no concurrent control, so no duration is
computed for it. Days assume ``daily_traffic`` new eligible units a day, which overstates
accrual when users return.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from assay._util import check_choice, check_int, check_number, check_probability
from assay.errors import ParameterError, UnderpoweredWarning
from assay.online._design import ExperimentDesign, design_experiment, warn_if_long
from assay.online._plan import ExperimentPlan
from assay.online._result import Readout
from assay.online._rollout_model import (
    MetricBaseline,
    RolloutPlan,
    RolloutStep,
    StepSizing,
)
from assay.online._rollout_text import full_step, shadow_step, traffic_step
from assay.stats import ab_sample_size

__all__ = [
    "baselines_from_readout",
    "design_from_plan",
    "rollout_plan",
]


def _check_power(plan: ExperimentPlan, design: ExperimentDesign | None) -> None:
    """A plan that stops before its MDE can be detected with its power is underpowered."""
    if design is None or plan.sample_size_per_arm is None:
        return
    needed = design.sample_size.n_per_arm
    if plan.sample_size_per_arm < needed:
        warnings.warn(
            f"the plan {plan.name!r} stops at {plan.sample_size_per_arm:,} users per arm, but "
            f"detecting its MDE of {plan.mde:g}{' (relative)' if plan.mde_relative else ''} "
            f"with {plan.power:.0%} power needs {needed:,} per arm; raise the sample size or "
            "the MDE",
            UnderpoweredWarning,
            stacklevel=3,
        )


def design_from_plan(
    plan: ExperimentPlan,
    *,
    kind: Literal["mean", "proportion"] = "proportion",
    baseline: float | None = None,
    sd: float | None = None,
    daily_traffic: float | None = None,
) -> ExperimentDesign:
    """The plan's primary-metric design: :func:`design_experiment` with the plan's settings.

    MDE (absolute or relative), α, power, arms, sidedness, CUPED correlation (when the plan
    uses CUPED), sequential setting and tau, and the treatment-to-control ratio of the planned
    split come from the plan; the metric's ``kind``, ``baseline`` and ``sd`` from the caller.
    """
    if not (math.isfinite(plan.mde) and plan.mde != 0.0):
        raise ParameterError("plan", "design_from_plan", "a plan with a non-zero mde", plan.mde)
    ratio = plan.planned_split[1] / plan.planned_split[0] if plan.planned_split else 1.0
    return design_experiment(
        mde=plan.mde,
        kind=kind,
        baseline=baseline,
        sd=sd,
        relative=plan.mde_relative,
        alpha=plan.alpha,
        power=plan.power,
        arms=len(plan.arms),
        alternative=plan.alternative,  # type: ignore[arg-type]
        cuped_correlation=plan.expected_correlation if plan.cuped else 0.0,
        ratio=ratio,
        sequential=plan.sequential,
        tau=plan.tau,
        daily_traffic=daily_traffic if daily_traffic is not None else plan.daily_traffic,
    )


def baselines_from_readout(
    readout: Readout, treatment: str | None = None
) -> dict[str, MetricBaseline]:
    """Control's value of every metric of a readout, as rollout baselines.

    Proportions give their rate; means, counts and ratio metrics a mean with sd = SE·√n of
    control's value (the delta-method SE for ratios, the CUPED-adjusted one with CUPED).
    Quantile metrics, inconclusive results and zero baselines are left out.
    """
    arm = treatment or readout.arms[1]
    out: dict[str, MetricBaseline] = {}
    for r in readout.lifts:
        if r.treatment != arm or r.status != "ok" or r.kind == "quantile":
            continue
        v = r.control_value
        if r.kind == "proportion" and 0.0 < v.estimate < 1.0:
            out[r.metric] = MetricBaseline(kind="proportion", baseline=v.estimate)
        elif r.kind != "proportion" and v.se and math.isfinite(v.se) and v.estimate != 0.0:
            sd = v.se * math.sqrt(v.n)
            if sd > 0:
                out[r.metric] = MetricBaseline(kind="mean", baseline=v.estimate, sd=sd)
    return out


def _size(
    role: Literal["guardrail", "primary"],
    metric: str,
    share: float,
    daily: float,
    params: dict[str, Any],
) -> StepSizing:
    p = ab_sample_size(ratio=share / (1.0 - share), daily_traffic=daily, **params)
    assert p.days is not None
    return StepSizing(
        metric=metric,
        role=role,
        effect=p.mde_absolute,
        units=p.n_total,
        days=p.days,
        method=p.method,
    )


def _check_steps(steps: Sequence[float]) -> tuple[float, ...]:
    fn = "rollout_plan"
    shares = tuple(float(s) for s in steps)
    ok = (
        len(shares) >= 2
        and all(math.isfinite(s) and 0.0 < s <= 1.0 for s in shares)
        and all(a < b for a, b in itertools.pairwise(shares))
        and shares[-1] == 1.0
    )
    if not ok:
        raise ParameterError(
            "steps", fn, "increasing traffic shares in (0, 1] ending at 1.0, at least two", steps
        )
    return shares


def _primary_sizing(design: ExperimentDesign | None) -> dict[str, Any] | None:
    """``ab_sample_size`` arguments that size the decision step for the primary metric's MDE."""
    if design is None:
        return None
    sp = design.sample_size
    return {
        "mde": sp.mde_absolute,
        "kind": sp.kind,
        "baseline": sp.baseline,
        "sd": sp.sd if sp.kind == "mean" else None,
        "alpha": sp.alpha_per_comparison,
        "power": sp.power,
        "alternative": sp.alternative,
        "adjustment": "none",
        "cuped_correlation": sp.cuped_correlation,
        "sequential": sp.sequential,
        "tau": sp.tau if sp.sequential else None,
    }


def _traffic_steps(
    plan: ExperimentPlan,
    shares: tuple[float, ...],
    daily: float,
    given: dict[str, MetricBaseline],
    common: dict[str, Any],
    primary: dict[str, Any] | None,
    *,
    min_step_days: int,
    shadow_days: int,
    max_error_rate: float,
) -> list[RolloutStep]:
    """Shadow, then one step per partial share, each as long as its slowest sized metric."""
    out = [
        shadow_step(plan, shadow_days, max_error_rate),
    ]
    partial = shares[:-1]
    for i, share in enumerate(partial):
        sizing = []
        for g in plan.guardrails:
            b = given.get(g.metric)
            if b is None:
                continue
            worse = -g.margin if g.higher_is_better else g.margin
            params = {
                "mde": worse,
                "relative": True,
                "kind": b.kind,
                "baseline": b.baseline,
                "sd": b.sd,
                **common,
            }
            sizing.append(_size("guardrail", g.metric, share, daily, params))
        decision = i == len(partial) - 1
        if decision and primary is not None:
            sizing.append(_size("primary", plan.primary_metric, share, daily, primary))
        top = max(sizing, key=lambda s: s.days, default=None)
        days = max(top.days if top else 0, min_step_days)
        out.append(
            traffic_step(
                plan,
                share,
                first=i == 0,
                decision=decision,
                min_days=days,
                sized_by=top.metric if top and top.days >= min_step_days else None,
                sizing=sizing,
                previous=out[-1],
                max_error_rate=max_error_rate,
            )
        )
    return out


def rollout_plan(
    plan: ExperimentPlan,
    design: ExperimentDesign | None = None,
    *,
    daily_traffic: float | None = None,
    steps: Sequence[float] = (0.01, 0.05, 0.2, 0.5, 1.0),
    shadow_days: int = 7,
    min_step_days: int = 1,
    baselines: Mapping[str, MetricBaseline] | None = None,
    treatment: str | None = None,
    max_error_rate: float = 0.01,
) -> RolloutPlan:
    """Shadow, canary (the first share), ramp steps and full rollout, with gates and durations.

    ``design`` is the primary metric's design (:func:`design_from_plan`); without it the
    decision step is sized by the guardrails only. ``baselines`` gives control's value of each
    guardrail (:class:`MetricBaseline`, or :func:`baselines_from_readout` after a readout);
    guardrails without one are not sized (a note says so). ``daily_traffic`` defaults to the
    plan's. Durations are computed as in the module docstring; criteria name the rules of
    :func:`assay.online.plan_policy` (guardrail non-inferiority, primary superiority), the
    sample-ratio check at the plan's threshold and the serving error rate.
    """
    fn = "rollout_plan"
    daily = daily_traffic if daily_traffic is not None else plan.daily_traffic
    if daily is None:
        raise ParameterError("daily_traffic", fn, "a positive number of users per day", daily)
    check_number(daily, "daily_traffic", fn, low=0, low_open=True)
    shares = _check_steps(steps)
    check_int(shadow_days, "shadow_days", fn, minimum=0)
    check_int(min_step_days, "min_step_days", fn, minimum=0)
    check_probability(max_error_rate, "max_error_rate", fn)
    arm = check_choice(treatment or plan.arms[1], "treatment", fn, plan.arms[1:])
    given = dict(baselines or {})
    alternative = "two-sided" if plan.alternative == "two-sided" else "greater"
    common = {
        "alpha": plan.alpha,
        "power": plan.power,
        "alternative": alternative,
        "sequential": plan.sequential,
        "tau": plan.tau,
    }
    notes = [
        f"guardrail {g.metric!r} is not sized: no baseline given"
        for g in plan.guardrails
        if g.metric not in given
    ]
    primary = _primary_sizing(design)
    if primary is None:
        notes.append("no design given: the decision step is not sized for the primary metric")
    out = _traffic_steps(
        plan,
        shares,
        daily,
        given,
        common,
        primary,
        min_step_days=min_step_days,
        shadow_days=shadow_days,
        max_error_rate=max_error_rate,
    )
    out.append(full_step(plan, out[-1], max_error_rate))
    method = (
        "each step compares the treatment share s with control on the remaining 1 - s of "
        "traffic; days = the users a two-arm test needs at the split s : 1 - s (the plan's "
        f"alpha, power, sidedness {alternative}{', sequential' if plan.sequential else ''}) at "
        f"{daily:g} users a day, at least {min_step_days} day(s); a guardrail is sized to "
        "detect a worsening as large as its margin, the decision step also for the primary MDE"
    )
    _check_power(plan, design)
    total = sum(s.min_days or 0 for s in out)
    warn_if_long(total, f"the rollout of {plan.name!r} from shadow to full")
    return RolloutPlan(
        experiment=plan.name,
        control=plan.control,
        treatment=arm,
        daily_traffic=float(daily),
        alpha=plan.alpha,
        power=plan.power,
        sequential=plan.sequential,
        max_error_rate=max_error_rate,
        srm_threshold=plan.srm_threshold,
        baselines={g.metric: given[g.metric] for g in plan.guardrails if g.metric in given},
        steps=out,
        method=method,
        notes=notes,
    )
