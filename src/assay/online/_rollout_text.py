"""The rollout steps' entry and rollback criteria, and the plan as Markdown."""

from __future__ import annotations

from assay.online._plan import ExperimentPlan
from assay.online._rollout_model import RolloutCriterion, RolloutPlan, RolloutStep, StepSizing
from assay.online._verdict import guardrail_rule, superiority_rule

__all__ = ["ROLLOUT_HEADING", "full_step", "rollout_markdown", "shadow_step", "traffic_step"]


ROLLOUT_HEADING = "Staged rollout plan"


def _pct(share: float) -> str:
    return f"{100 * share:.3g}%"


def _error(max_error_rate: float, where: str) -> RolloutCriterion:
    return RolloutCriterion(
        rule="error_rate",
        kind="max_error_rate",
        text=f"serving error rate of the treatment {where} {max_error_rate:.2%}",
    )


def _guard_text(margin: float, higher_is_better: bool) -> str:
    word = "below" if higher_is_better else "above"
    sign = "−" if higher_is_better else "+"
    return f"{sign}{margin:.2%} of control ({word} is worse)"


def shadow_step(plan: ExperimentPlan, days: int, max_error_rate: float) -> RolloutStep:
    """Mirrored traffic: nothing is served, so only failures can be judged."""
    return RolloutStep(
        stage="shadow",
        name="shadow",
        traffic_share=0.0,
        min_days=days,
        entry=[
            RolloutCriterion(
                rule="offline_gates",
                kind="verdict",
                text="the model change passed its offline release gate (verdict SHIP)",
            )
        ],
        rollback=[_error(max_error_rate, "on mirrored traffic above")],
        notes=["mirrored traffic, nothing served: user metrics cannot be judged here"],
    )


def _gates_at(
    plan: ExperimentPlan, step: RolloutStep, max_error_rate: float
) -> list[RolloutCriterion]:
    """What must have held at ``step`` (after its minimum duration) to move on."""
    out = [
        RolloutCriterion(
            rule="duration",
            kind="duration",
            text=f"{step.name} ran at least {step.min_days} day(s)",
        )
    ]
    if step.stage != "shadow":
        out.append(
            RolloutCriterion(
                rule="sample_ratio",
                kind="srm",
                text=f"sample-ratio check passes at {step.name} "
                f"(chi-square p ≥ {plan.srm_threshold:g})",
            )
        )
        for g in plan.guardrails:
            out.append(
                RolloutCriterion(
                    rule=guardrail_rule(g.metric),
                    kind="non_inferiority",
                    metric=g.metric,
                    text=f"{g.metric} non-inferior at {step.name}: the whole interval of the "
                    f"lift within {_guard_text(g.margin, g.higher_is_better)}",
                )
            )
    out.append(_error(max_error_rate, f"during {step.name} at most"))
    return out


def _rollback(plan: ExperimentPlan, max_error_rate: float) -> list[RolloutCriterion]:
    when = (
        "checked at every look (always-valid intervals)"
        if plan.sequential
        else "checked when the step's minimum duration is reached (fixed-horizon intervals "
        "do not allow peeking)"
    )
    out = [
        RolloutCriterion(
            rule=guardrail_rule(g.metric),
            kind="non_inferiority",
            metric=g.metric,
            text=f"{g.metric} fails non-inferiority: the whole interval of the lift beyond "
            f"{_guard_text(g.margin, g.higher_is_better)}; {when}",
        )
        for g in plan.guardrails
    ]
    out.append(
        RolloutCriterion(
            rule="sample_ratio",
            kind="srm",
            text=f"sample-ratio mismatch (chi-square p < {plan.srm_threshold:g}): the "
            "assignment is broken",
        )
    )
    out.append(_error(max_error_rate, "above"))
    return out


def traffic_step(
    plan: ExperimentPlan,
    share: float,
    *,
    first: bool,
    decision: bool,
    min_days: int,
    sized_by: str | None,
    sizing: list[StepSizing],
    previous: RolloutStep,
    max_error_rate: float,
) -> RolloutStep:
    """A canary or ramp step: the treatment on ``share`` of traffic, control on the rest."""
    stage = "canary" if first else "ramp"
    notes = []
    if decision:
        notes.append(
            f"decision step: {superiority_rule(plan.primary_metric)} is read here; full "
            "rollout needs the experiment's verdict SHIP"
        )
    return RolloutStep(
        stage=stage,
        name=f"{stage} {_pct(share)}",
        traffic_share=share,
        min_days=min_days,
        sized_by=sized_by,
        sizing=sizing,
        entry=_gates_at(plan, previous, max_error_rate),
        rollback=_rollback(plan, max_error_rate),
        notes=notes,
    )


def full_step(plan: ExperimentPlan, previous: RolloutStep, max_error_rate: float) -> RolloutStep:
    """Everyone on the treatment: the decision step's verdict must be SHIP."""
    entry = _gates_at(plan, previous, max_error_rate)
    entry.insert(
        1,
        RolloutCriterion(
            rule=superiority_rule(plan.primary_metric),
            kind="superiority",
            metric=plan.primary_metric,
            text=f"verdict SHIP at {previous.name}: {plan.primary_metric} superior (the whole "
            "interval of the lift on the better side of zero), no blocking deviation from the "
            "plan",
        ),
    )
    rollback = [
        RolloutCriterion(
            rule=guardrail_rule(g.metric),
            kind="monitor",
            metric=g.metric,
            text=f"{g.metric} worse by more than {g.margin:.2%} than in the holdback (read "
            "with `assay ab readout`, the holdback as control)",
        )
        for g in plan.guardrails
    ]
    rollback.append(_error(max_error_rate, "above"))
    return RolloutStep(
        stage="full",
        name="full 100%",
        traffic_share=1.0,
        min_days=None,
        entry=entry,
        rollback=rollback,
        notes=[
            "keep a small holdback on control: without it there is no concurrent control "
            "to measure the lift or the guardrails against"
        ],
    )


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _days(step: RolloutStep) -> str:
    return "—" if step.min_days is None else f"{step.min_days} day(s)"


def rollout_markdown(plan: RolloutPlan) -> str:
    """The rollout plan as a Markdown section (stages, sizing, method and notes)."""
    lines = [
        f"## {ROLLOUT_HEADING}",
        "",
        f"Experiment {_md(plan.experiment)}: arm `{_md(plan.treatment)}` against control "
        f"`{_md(plan.control)}`, {plan.daily_traffic:,.0f} eligible users a day; gates at "
        f"alpha {plan.alpha:g}, steps sized for {plan.power:.0%} power"
        + (", watched with always-valid intervals." if plan.sequential else "."),
        "",
        "| Stage | Traffic | Minimum duration | Sized by | Entry criteria | Rollback criteria |",
        "|---|---:|---:|---|---|---|",
    ]
    for s in plan.steps:
        traffic = "0% (mirrored)" if s.stage == "shadow" else _pct(s.traffic_share)
        lines.append(
            f"| {_md(s.name)} | {traffic} | {_days(s)} | {_md(s.sized_by or '—')} | "
            + "; ".join(_md(c.text) for c in s.entry)
            + " | "
            + "; ".join(_md(c.text) for c in s.rollback)
            + " |"
        )
    sized = [(s, z) for s in plan.steps for z in s.sizing]
    if sized:
        lines += [
            "",
            "| Step | Metric | Sized for | Effect (absolute) | Users | Days |",
            "|---|---|---|---:|---:|---:|",
        ]
        for s, z in sized:
            what = "primary MDE" if z.role == "primary" else "guardrail margin"
            lines.append(
                f"| {_md(s.name)} | {_md(z.metric)} | {what} | {z.effect:.4g} | "
                f"{z.units:,} | {z.days} |"
            )
    lines += [
        "",
        f"At least {plan.total_min_days} day(s) from shadow to full rollout.",
        "",
        f"Method: {_md(plan.method)}.",
    ]
    notes = [*plan.notes, *(f"{s.name}: {n}" for s in plan.steps for n in s.notes)]
    if notes:
        lines += ["", *(f"- {_md(n)}" for n in notes)]
    return "\n".join(lines) + "\n"
