"""``assay ab``: design and read out online A/B experiments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, cast

import typer

import assay
from assay.cli._ab_list import list_command
from assay.cli._ab_readout import parse_split, parse_steps, readout_command
from assay.cli._ab_render import render_design
from assay.cli._inputs import readable_file
from assay.cli._options import JsonOption
from assay.cli._render import emit_json, stdout
from assay.errors import ConfigError

if TYPE_CHECKING:
    from assay.online import MetricBaseline

__all__ = ["ab_app", "parse_split"]

KindOption = Annotated[
    str | None,
    typer.Option(
        help="Metric type: proportion (a rate, needs --baseline) or mean (needs --sd). "
        "Default: proportion, or mean when --sd is given."
    ),
]


def metric_kind(
    kind: str | None, baseline: float | None, sd: float | None, *, needed: bool
) -> Literal["mean", "proportion"]:
    """The metric type, with what it needs said in option names."""
    chosen = kind or ("mean" if sd is not None else "proportion")
    if chosen not in ("mean", "proportion"):
        raise ConfigError(f"--kind is proportion or mean. Got {chosen!r}.")
    if needed and chosen == "mean" and sd is None:
        raise ConfigError(
            "A mean metric needs its per-user standard deviation: give --sd (and --baseline "
            "for a relative MDE), or --kind proportion with --baseline RATE."
        )
    if needed and chosen == "proportion" and baseline is None:
        raise ConfigError(
            "A proportion metric needs its control rate: give --baseline RATE (e.g. 0.10), "
            "or --kind mean with --sd."
        )
    return cast(Literal["mean", "proportion"], chosen)


ab_app = typer.Typer(
    help="Online A/B experiments: design, readout and verdict, rollout plan.", no_args_is_help=True
)


@ab_app.command("design")
def design_command(
    mde: Annotated[
        float,
        typer.Option(help="Minimum detectable effect (absolute, or relative with --relative)."),
    ],
    kind: KindOption = None,
    baseline: Annotated[
        float | None, typer.Option(help="Baseline mean, or rate for proportions.")
    ] = None,
    sd: Annotated[float | None, typer.Option(help="Per-user standard deviation (means).")] = None,
    relative: Annotated[
        bool, typer.Option("--relative", help="MDE is relative to the baseline.")
    ] = False,
    alpha: Annotated[float, typer.Option(help="Family-wise significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Power of each comparison at the MDE.")] = 0.8,
    arms: Annotated[int, typer.Option(help="Number of arms, control included.")] = 2,
    adjustment: Annotated[
        str, typer.Option(help="Multiple arms: bonferroni, dunnett or none.")
    ] = "bonferroni",
    alternative: Annotated[str, typer.Option(help="two-sided, greater or less.")] = "two-sided",
    cuped_correlation: Annotated[
        float, typer.Option(help="Expected pre-period correlation rho for CUPED.")
    ] = 0.0,
    ratio: Annotated[float, typer.Option(help="Treatment users per control user.")] = 1.0,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="Plan for the always-valid sequential test.")
    ] = False,
    tau: Annotated[
        float | None,
        typer.Option(help="Sequential mixture sd, in per-user sds (default: the MDE)."),
    ] = None,
    daily_traffic: Annotated[float | None, typer.Option(help="Eligible users per day.")] = None,
    traffic_fraction: Annotated[
        float, typer.Option(help="Share of traffic in the experiment.")
    ] = 1.0,
    weeks: Annotated[int, typer.Option(help="Weeks in the MDE-by-week table.")] = 8,
    json_output: JsonOption = False,
) -> None:
    """Users per arm, duration, and the MDE reachable week by week; a note when the
    experiment would run longer than 90 days."""
    from assay.online import design_experiment  # the statistics load only when used

    result = design_experiment(
        mde=mde,
        kind=metric_kind(kind, baseline, sd, needed=True),
        baseline=baseline,
        sd=sd,
        relative=relative,
        alpha=alpha,
        power=power,
        arms=arms,
        adjustment=adjustment,  # type: ignore[arg-type]
        alternative=alternative,  # type: ignore[arg-type]
        cuped_correlation=cuped_correlation,
        ratio=ratio,
        sequential=sequential,
        tau=tau,
        daily_traffic=daily_traffic,
        traffic_fraction=traffic_fraction,
        weeks=weeks,
    )
    if json_output:
        emit_json(result.to_dict())
        return
    render_design(result)


ab_app.command("readout")(readout_command)


def parse_baseline(text: str) -> tuple[str, MetricBaseline]:
    """``METRIC=RATE`` (a proportion) or ``METRIC=MEAN:SD`` (a mean)."""
    from assay.online import MetricBaseline

    name, sep, value = text.partition("=")
    try:
        if not sep or not name.strip():
            raise ValueError(text)
        mean, colon, sd = value.partition(":")
        if colon:
            return name.strip(), MetricBaseline(kind="mean", baseline=float(mean), sd=float(sd))
        return name.strip(), MetricBaseline(kind="proportion", baseline=float(value))
    except ValueError as exc:
        raise ConfigError(
            f"--guardrail is METRIC=RATE (a proportion) or METRIC=MEAN:SD (a mean). Got {text!r}."
        ) from exc


@ab_app.command("plan")
def plan_command(
    plan_file: Annotated[
        Path,
        typer.Argument(help="Experiment plan YAML.", callback=readable_file("the plan file")),
    ],
    kind: KindOption = None,
    baseline: Annotated[
        float | None, typer.Option(help="Primary metric's control rate or mean (sizes the MDE).")
    ] = None,
    sd: Annotated[float | None, typer.Option(help="Primary metric's per-unit sd (means).")] = None,
    guardrail: Annotated[
        list[str] | None,
        typer.Option(
            "--guardrail",
            help="Guardrail control value: METRIC=RATE or METRIC=MEAN:SD. Repeatable.",
        ),
    ] = None,
    daily_traffic: Annotated[
        float | None, typer.Option(help="Eligible users per day (default: the plan's).")
    ] = None,
    steps: Annotated[
        str, typer.Option(help="Traffic shares of canary, ramp and full, comma-separated.")
    ] = "0.01,0.05,0.2,0.5,1",
    shadow_days: Annotated[int, typer.Option(help="Days of shadow (mirrored) traffic.")] = 7,
    min_step_days: Annotated[int, typer.Option(help="Shortest step, in days.")] = 1,
    max_error_rate: Annotated[
        float, typer.Option(help="Serving error rate that triggers a rollback.")
    ] = 0.01,
    treatment: Annotated[
        str | None, typer.Option(help="Arm rolled out (default: the plan's first treatment).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Staged rollout plan: shadow, canary, ramp and full, with gates and minimum durations."""
    result = assay.plan_rollout(
        plan_file,
        kind=metric_kind(kind, baseline, sd, needed=baseline is not None or sd is not None),
        baseline=baseline,
        sd=sd,
        baselines=dict(parse_baseline(g) for g in guardrail or []),
        daily_traffic=daily_traffic,
        steps=parse_steps(steps, "--steps"),
        shadow_days=shadow_days,
        min_step_days=min_step_days,
        max_error_rate=max_error_rate,
        treatment=treatment,
    )
    if json_output:
        emit_json(result.to_dict())
        return
    from assay.core import printable
    from assay.online import rollout_markdown

    stdout.write(printable(rollout_markdown(result)))
    stdout.flush()


ab_app.command("list")(list_command)
