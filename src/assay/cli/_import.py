"""``assay import``: an lm-evaluation-harness or Inspect AI log stored as a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import assay
from assay._util import decimals, estimate, scale_of, summary
from assay.cli._inputs import readable_file
from assay.cli._options import FormatOption, JsonOption, parse_pairs
from assay.cli._render import console, emit_json, safe

__all__ = ["import_command"]


def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Inspect AI .eval/.json log, or lm-evaluation-harness samples_*.jsonl "
            "or results_*.json.",
            callback=readable_file("the log file"),
        ),
    ],
    name: Annotated[str | None, typer.Option(help="Suite name (default: the task's name).")] = None,
    model: Annotated[
        str | None,
        typer.Option(help="The model as NAME@VERSION (default: the name the log gives)."),
    ] = None,
    slice_: Annotated[
        list[str] | None,
        typer.Option(
            "--slice",
            help="Document or sample-metadata field to slice by; repeatable "
            "(default: known fields such as subject, or every scalar Inspect metadata field).",
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="Document or sample-metadata field grouping items that are not independent "
            "(questions on one passage); intervals are clustered by it and it is not a slice "
            "(default: the field an Inspect log's stderr(cluster=...) names, if any).",
        ),
    ] = None,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE; repeatable.")] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            "--db",
            envvar="ASSAY_DB",
            help="Store URL (postgresql://…). Default: the embedded store in $ASSAY_HOME or ./.assay.",
            show_envvar=True,
        ),
    ] = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Record a run from an lm-evaluation-harness or Inspect AI log (re-importing is a no-op)."""
    logged = assay.import_log(
        file,
        store=assay.open_store(store),
        suite_name=name,
        model=model,
        slices=slice_,
        cluster=cluster,
        tags=parse_pairs(tag, "tag"),
    )
    r = logged.run
    provenance = r.manifest.provenance
    reported: dict[str, float] = provenance.get("reported_metrics") or {}
    if json:
        emit_json(
            {
                "created": logged.created,
                "run": r.model_dump(mode="json"),
                "reported": reported,
            }
        )
        return
    harness = f"{provenance.get('harness', '?')} {provenance.get('harness_version') or ''}".strip()
    if logged.created:
        console.print(
            f"[green]imported[/] {safe(file.name)} ({safe(harness)}) as run {r.run_id[:12]}: "
            f"{safe(r.model)} on suite {safe(r.suite_name)} {r.suite_digest[:12]} "
            f"({r.n_examples:,} examples, {r.n_records:,} records, {r.n_errors:,} errored)"
        )
    else:
        console.print(
            f"[yellow]already stored[/]: {safe(file.name)} is run {r.run_id[:12]} "
            f"({safe(r.model)} on suite {safe(r.suite_name)} {r.suite_digest[:12]}); "
            "nothing new was written"
        )
    grouping = provenance.get("cluster") or {}
    if grouping.get("field"):
        console.print(
            f"  clustered by {safe(str(grouping['field']))} ({safe(str(grouping.get('source')))}); "
            "it is not a slice"
        )
    if name is not None and r.suite_name != name:
        console.print(
            f"[yellow]note[/]: the suite was already stored as {safe(r.suite_name)}; a suite is "
            f"identified by its content, so --name {safe(name)} does not rename it"
        )
    for metric, s in r.metrics.items():
        tool = ""
        if metric in reported:
            # the tool's own number on the run's scale (a proportion as a percentage)
            scale = scale_of(metric, [s.estimate, s.low, s.high])
            shown = estimate(reported[metric], scale, decimals(scale, s))
            tool = f"; {safe(harness.split()[0])} reported {shown}"
        console.print(f"  {safe(metric):<28} {summary(s, metric)}  ({s.method}, n={s.n:,}{tool})")
    skipped = provenance.get("skipped_metrics") or {}
    for key, why in skipped.items():
        console.print(f"  [dim]not imported: {safe(key)}: {safe(why)}[/]")
