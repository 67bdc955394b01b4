"""``assay mlflow export`` and ``assay mlflow import``: runs, comparisons and decisions to an
MLflow tracking server, and MLflow evaluations back as runs, over MLflow's REST API."""

from __future__ import annotations

from typing import Annotated

import typer

import assay
from assay._util import plural
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import console, emit_json, safe
from assay.errors import ConfigError

__all__ = ["mlflow_app"]

mlflow_app = typer.Typer(
    help="Move results to and from an MLflow tracking server (its REST API; MLflow itself "
    "need not be installed).",
    no_args_is_help=True,
)

TrackingOption = Annotated[
    str,
    typer.Option(
        "--tracking-uri",
        envvar="MLFLOW_TRACKING_URI",
        show_envvar=True,
        help="The MLflow tracking server: http://host:port or https://host:port.",
    ),
]


@mlflow_app.command("export")
def export_command(
    refs: Annotated[
        list[str],
        typer.Argument(
            help="A run; with --comparison, BASELINE CANDIDATE; with --decision, a decision id.",
            metavar="REF...",
        ),
    ],
    tracking_uri: TrackingOption,
    comparison: Annotated[
        bool, typer.Option("--comparison", help="Export the comparison of two runs.")
    ] = False,
    decision: Annotated[
        bool, typer.Option("--decision", help="Export a recorded decision.")
    ] = False,
    experiment: Annotated[
        str, typer.Option(help="The MLflow experiment (created when missing).")
    ] = "assay",
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Log a run, a comparison or a decision to MLflow as one new MLflow run: metrics with
    their interval bounds, slices as metric keys, verdict and policy as tags, reports and memo
    as artifacts, and a link back to assay."""
    if comparison and decision:
        raise ConfigError("Give --comparison or --decision, not both.")
    wanted = 2 if comparison else 1
    if len(refs) != wanted:
        what = "BASELINE CANDIDATE" if comparison else ("a decision id" if decision else "a run")
        raise ConfigError(f"Give {what}. Got {plural(len(refs), 'reference')}.")
    kind = "comparison" if comparison else ("decision" if decision else "run")
    ref: str | tuple[str, str] = (refs[0], refs[1]) if comparison else refs[0]
    done = assay.export_to_mlflow(
        ref,
        tracking_uri=tracking_uri,
        kind=kind,
        experiment=experiment,
        store=assay.open_store(db),
    )
    if json:
        emit_json(
            {
                "tracking_uri": done.tracking_uri,
                "experiment_id": done.experiment_id,
                "run_id": done.run_id,
                "url": done.url,
                "metrics": done.metrics,
                "artifacts": done.artifacts,
            }
        )
        return
    console.print(f"MLflow run {done.run_id} ({kind}): {done.metrics} metrics", highlight=False)
    for name in done.artifacts:
        console.print(f"artifact: {safe(name)}", highlight=False)
    console.print(f"view: {safe(done.url)}", highlight=False)


@mlflow_app.command("import")
def import_command(
    run_id: Annotated[str, typer.Argument(help="The MLflow run id.")],
    tracking_uri: TrackingOption,
    table: Annotated[
        str | None,
        typer.Option(help="The table artifact (default: the one mlflow.evaluate logged)."),
    ] = None,
    output_column: Annotated[
        str | None, typer.Option(help="The column of model outputs (default: outputs).")
    ] = None,
    reference_column: Annotated[
        str | None, typer.Option(help="The column of expected answers (default: target).")
    ] = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Record an MLflow run's per-example evaluation table (from mlflow.evaluate) as a run,
    with its params; a run without one keeps its params and metrics as an MLflow summary (no
    records, no intervals). Re-importing is a no-op."""
    logged = assay.import_from_mlflow(
        run_id,
        tracking_uri=tracking_uri,
        table=table,
        output_column=output_column,
        reference_column=reference_column,
        store=assay.open_store(db),
    )
    if isinstance(logged, assay.workflows.MlflowSummary):
        _print_summary(logged, json)
        return
    r = logged.run
    if json:
        emit_json({"created": logged.created, "run": r.model_dump(mode="json")})
        return
    state = "recorded" if logged.created else "was already recorded (nothing new written)"
    console.print(
        f"run {r.run_id[:12]} {state}: {safe(r.model.name)}@{safe(r.model.version)} on "
        f"{safe(r.suite_name)}, {r.n_records:,} records",
        highlight=False,
    )
    for name, m in r.metrics.items():
        console.print(
            f"{safe(name)}: {m.estimate:.4g} [{m.low:.4g}, {m.high:.4g}] ({safe(m.method)})",
            highlight=False,
        )


def _print_summary(summary: assay.workflows.MlflowSummary, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "created": summary.created,
                "mlflow_summary": {
                    "mlflow_run_id": summary.mlflow_run_id,
                    "digest": summary.digest,
                    "params": summary.params,
                    "metrics": summary.metrics,
                    "tags": summary.tags,
                    "url": summary.url,
                },
            }
        )
        return
    state = "stored" if summary.created else "was already stored (nothing new written)"
    console.print(
        f"MLflow run {safe(summary.mlflow_run_id)} has no per-example evaluation table, so no "
        "run was recorded (an assay run is its per-example records; none were made up). "
        f"Its {plural(len(summary.params), 'param')} and "
        f"{plural(len(summary.metrics), 'metric')} {state} as MLflow summary "
        f"{summary.digest[:12]} (values as MLflow reported them, without intervals):",
        highlight=False,
    )
    for name, value in summary.metrics.items():
        shown = "not a finite number" if value is None else f"{value:.6g}"
        console.print(f"{safe(name)}: {shown}", highlight=False)
    for name, text in summary.params.items():
        console.print(f"param {safe(name)} = {safe(text)}", highlight=False)
    console.print(f"view: {safe(summary.url)}", highlight=False)
