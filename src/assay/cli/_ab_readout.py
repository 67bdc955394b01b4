"""``assay ab readout``: the lift of every arm over control, and its verdict."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import assay
from assay.cli._ab_render import render_cumulative, render_readout, render_segments
from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._inputs import readable_file
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe
from assay.cli._verdict import print_verdict
from assay.errors import ConfigError

if TYPE_CHECKING:
    from assay.online import ExperimentVerdict

__all__ = ["parse_split", "parse_steps", "readout_command"]


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


def parse_steps(text: str, option: str) -> list[float]:
    """``0.01,0.05,0.2,0.5,1``: the traffic shares of a rollout's canary, ramp and full steps."""
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise ConfigError(f"{option} is shares like 0.01,0.05,0.2,0.5,1. Got {text!r}.") from exc


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

    With --plan or --policy every treatment arm gets a verdict against the plan's decision rule (the exit status is the best arm's verdict: 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE).
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
