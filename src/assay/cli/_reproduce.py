"""``assay reproduce``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

import assay
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import console, emit_json, safe

if TYPE_CHECKING:
    from assay.workflows import Reproduction


def print_reproduction(r: Reproduction) -> None:
    """Agreement, metric differences with intervals, manifest differences, summary."""
    from assay.reports import fixed_interval

    again = r.reproduction_run
    where = (
        "not recorded"
        if again is None
        else "identical, stored once"
        if r.identical
        else f"recorded as {again[:12]}"
    )
    console.print(f"run [bold]{r.original_run[:12]}[/] reproduced ({where})")
    share = "n/a" if math.isnan(r.output_agreement) else f"{r.output_agreement:.1%}"
    console.print(f"outputs identical: {share} of {r.n_compared} (example, sample) pairs")
    table = Table(title="metrics (original = baseline, reproduction = candidate)")
    for col in ("metric", "original", "reproduction", "difference [interval]", "test"):
        table.add_column(col, overflow="fold")
    for m in r.metric_results:
        d = m.difference
        table.add_row(
            safe(m.metric),
            f"{m.baseline.estimate:.4f}",
            f"{m.candidate.estimate:.4f}",
            fixed_interval(d.estimate, d.low, d.high, signed=True),
            safe(m.test),
        )
    console.print(table)
    if r.manifest_differences:
        diffs = Table(title=f"manifest differences ({len(r.manifest_differences)})")
        for col in ("field", "original", "reproduction"):
            diffs.add_column(col, overflow="fold")
        for diff in r.manifest_differences:
            diffs.add_row(safe(diff.path), safe(diff.a), safe(diff.b))
        console.print(diffs)
    else:
        console.print("manifests: no differences (creation time left out)")
    style = "bold green" if r.summary.startswith("reproduced") else "bold yellow"
    console.print(f"[{style}]{safe(r.summary)}[/]")


def reproduce_command(
    run: Annotated[str, typer.Argument(help="Run id or prefix to reproduce.")],
    record: Annotated[
        bool,
        typer.Option("--record/--no-record", help="Store the reproduction as a run."),
    ] = True,
    callable_spec: Annotated[
        str | None,
        typer.Option(
            "--callable",
            help="module:function to run instead of the model the manifest names "
            "(needed when it cannot be rebuilt, e.g. a scikit-learn estimator).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap resampling.")] = 0,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Run a stored run's model on its suite again and report how far it reproduces."""
    from assay.workflows import reproduce

    result = reproduce(
        run, store=assay.open_store(db), adapter=callable_spec, record=record, rng=seed
    )
    if json:
        emit_json(result.to_dict())
    else:
        print_reproduction(result)
