"""``assay ab``: design and read out online A/B experiments."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, cast

import typer

import assay
from assay.cli._ab_list import list_command
from assay.cli._ab_render import (
    render_cumulative,
    render_design,
    render_readout,
    render_segments,
)
from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._decide_render import print_verdict
from assay.cli._inputs import readable_file
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe, stdout
from assay.errors import ConfigError

if TYPE_CHECKING:
    from assay.online import ExperimentVerdict, MetricBaseline

__all__ = ["ab_app"]

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


def parse_split(text: str | None) -> dict[str, float] | list[float] | None:
    """``control=0.5,treatment=0.5`` (by name) or ``50/50`` / ``1:1`` (in arm order)."""
    if text is None:
        return None
    try:
        if "=" in text:
            pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
            return {k.strip(): float(v) for k, v in pairs}
        sep = "/" if "/" in text else (":" if ":" in text else ",")
        return [float(v) for v in text.split(sep)]
    except ValueError as exc:
        raise ConfigError(
            f"--planned-split is ARM=SHARE,... or shares like 50/50. Got {text!r}."
        ) from exc


@ab_app.command("readout")
def readout_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Sufficient-statistics table or unit-level rows (CSV or Parquet).",
            callback=readable_file("the experiment data"),
        ),
    ],
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Experiment plan YAML: its settings, decision rule and deviation checks; "
            "exit status 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE.",
            callback=readable_file("the plan file"),
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Release policy YAML to judge the arms (default: the plan's).",
            callback=readable_file("the policy file"),
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            "--report",
            help="Write report.html, report.md and memo.md here (one folder per arm).",
        ),
    ] = None,
    rollout_steps: Annotated[
        str, typer.Option(help="Rollout traffic shares for the memo's rollout plan (with --plan).")
    ] = "0.01,0.05,0.2,0.5,1",
    primary: Annotated[
        str | None, typer.Option(help="Metric the decision is read from (default: the plan's).")
    ] = None,
    lower_is_better: Annotated[
        list[str] | None,
        typer.Option(
            "--lower-is-better",
            help="Metric where lower is better (default: the plan's guardrails). Repeatable.",
        ),
    ] = None,
    started: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First day of the experiment.")
    ] = None,
    analysed: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Day of the data's cut-off (default: today)."),
    ] = None,
    unit_level: Annotated[
        bool | None,
        typer.Option(
            "--unit-level/--sufficient-statistics",
            help="Input form (default: detected from the columns).",
        ),
    ] = None,
    control: Annotated[
        str | None, typer.Option(help="Control arm (default: the plan's, else the first arm).")
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric", help="Metric: COL, COL:count, NAME=NUM/DEN, p90(COL). Repeatable."
        ),
    ] = None,
    cuped: Annotated[
        bool | None,
        typer.Option("--cuped/--no-cuped", help="CUPED with the *_pre covariates (default: plan)."),
    ] = None,
    sequential: Annotated[
        bool | None,
        typer.Option(
            "--sequential/--fixed-horizon",
            help="Always-valid intervals (normal-mixture SPRT); default: the plan's, else fixed.",
        ),
    ] = None,
    tau: Annotated[
        float | None, typer.Option(help="Sequential mixture sd in per-user sds (default 0.05).")
    ] = None,
    planned_split: Annotated[
        str | None, typer.Option(help="Planned split: A=0.5,B=0.5 or 50/50.")
    ] = None,
    srm_threshold: Annotated[
        float | None,
        typer.Option(help="Sample-ratio-mismatch p-value threshold (default 0.001 or the plan's)."),
    ] = None,
    winsorize: Annotated[
        float | None, typer.Option(help="Cap metrics at this pooled quantile (e.g. 0.999).")
    ] = None,
    bayesian: Annotated[bool, typer.Option("--bayesian", help="Add the Bayesian readout.")] = False,
    prior_sd: Annotated[
        float, typer.Option(help="Prior sd of the relative lift (Bayesian).")
    ] = 0.3,
    confidence: Annotated[
        float | None, typer.Option(help="Confidence level (default 0.95, or 1 - the plan's alpha).")
    ] = None,
    alternative: Annotated[
        str | None, typer.Option(help="two-sided, greater or less (default: plan or two-sided).")
    ] = None,
    multiplicity: Annotated[
        str | None, typer.Option(help="holm, bh or none (default: the plan's, else holm).")
    ] = None,
    family: Annotated[
        list[str] | None,
        typer.Option(
            "--family",
            help="Metric in the multiplicity family (default: the plan's, else all). Repeatable.",
        ),
    ] = None,
    sample_tolerance: Annotated[
        float,
        typer.Option(
            help="Share of the plan's users per arm a readout may fall short by and still be "
            "the planned final look (with --plan)."
        ),
    ] = 0.02,
    segment: Annotated[
        str | None,
        typer.Option(
            "--segment",
            metavar="COLUMN",
            help="Also the lift in each segment of this column of unit-level rows "
            "(exploratory: Benjamini-Hochberg p-values across segments).",
        ),
    ] = None,
    by_day: Annotated[
        str | None,
        typer.Option(
            "--by-day",
            metavar="COLUMN",
            help="Also the cumulative lift at the end of each day of this day or date column.",
        ),
    ] = None,
    arm_column: Annotated[str, typer.Option(help="Arm column of unit-level rows.")] = "arm",
    unit_column: Annotated[str, typer.Option(help="User id column of unit-level rows.")] = "unit",
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Store the plan (frozen once registered) and this readout under the plan's "
            "name, for `assay ab list` and the team server (needs --plan).",
        ),
    ] = False,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> int | None:
    """Relative lift of every arm over control, with SRM check, CUPED, sequential and
    Bayesian options, segments and cumulative lift by day.

    With --plan or --policy every treatment arm gets a verdict against the plan's decision
    rule (the exit status is the best arm's verdict: 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE).
    """
    if record and plan is None:
        raise ConfigError("--record stores the readout with its plan: give --plan.")
    # The shares matter only for the memo, so a bad --rollout-steps without --report is ignored.
    steps = parse_steps(rollout_steps, "--rollout-steps") if report is not None else ()
    done = assay.read_out_experiment(
        file,
        plan=plan,
        policy=policy,
        output=report,
        primary_metric=primary,
        lower_is_better=lower_is_better or (),
        started=started.date() if started else None,
        analysed=analysed.date() if analysed else None,
        rollout_steps=steps,
        sample_tolerance=sample_tolerance,
        segment=segment,
        by_day=by_day,
        metrics=metric,
        unit_level=unit_level,
        control=control,
        cuped=cuped,
        sequential=sequential,
        tau=tau,
        planned_split=parse_split(planned_split),
        srm_threshold=srm_threshold,
        winsorize=winsorize,
        bayesian=bayesian,
        prior_sd=prior_sd,
        confidence=confidence,
        alternative=alternative,
        multiplicity=multiplicity,
        family=family,
        arm_column=arm_column,
        unit_column=unit_column,
    )
    result, judged = done.readout, done.verdict
    recorded = None
    if record:
        from assay.workflows import record_experiment

        recorded = record_experiment(done, store=assay.open_store(db) if db else None)
    if json_output:
        # A bare readout keeps the readout's own JSON shape; with a verdict or files the three
        # parts sit side by side.
        bare = judged is None and not done.files and done.segments is None
        out = result.to_dict() if bare and done.cumulative is None else done.to_dict()
        emit_json(out if recorded is None else {**out, "recorded": recorded})
        return _exit_code(judged)
    render_readout(result)
    if done.segments is not None:
        render_segments(done.segments)
    if done.cumulative is not None:
        render_cumulative(done.cumulative)
    if done.plan is not None and done.plan.sample_size_per_arm is not None:
        console.print(
            f"[dim]planned final look: within {100 * sample_tolerance:.3g}% of the plan's "
            f"{done.plan.sample_size_per_arm:,} users per arm (--sample-tolerance)[/]"
        )
    if judged is not None:
        for d in judged.decisions:
            console.print(f"\n[bold]{safe(d.treatment)}[/] against {safe(result.control)}:")
            print_verdict(d.verdict)
    for key, path in done.files.items():
        console.print(f"{safe(key)}: {safe(path)}")
    if recorded is not None:
        console.print(
            f"recorded readout {recorded['number']} of {safe(recorded['experiment'])} "
            f"({recorded['digest'][:12]}, plan {recorded['plan_digest'][:12]}) "
            f"in {safe(recorded['store'])}"
        )
    return _exit_code(judged)


def _exit_code(judged: ExperimentVerdict | None) -> int | None:
    """The best arm's verdict as ``assay gate``'s exit code; ``None`` without a verdict."""
    return VERDICT_EXIT_CODES[judged.verdict] if judged is not None else None


def parse_steps(text: str, option: str) -> list[float]:
    """``0.01,0.05,0.2,0.5,1``: the traffic shares of a rollout's canary, ramp and full steps."""
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise ConfigError(f"{option} is shares like 0.01,0.05,0.2,0.5,1. Got {text!r}.") from exc


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
