"""``assay suites check``: does a suite repeat itself, contradict itself, overlap its training
data, or promise slices too small to measure?"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

import assay
import assay.workflows as wf
from assay.cli._inputs import check_readable
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, output_format, safe, wrap_plain

if TYPE_CHECKING:
    from assay.data import SuiteCheck

__all__ = ["print_findings", "suite_check_command"]


def print_findings(result: SuiteCheck) -> None:
    """The findings as a table (nothing found: one line saying which checks ran)."""
    if not result.findings:
        console.print(f"no findings ({safe(', '.join(result.checks))})")
        return
    table = Table(
        title=f"{len(result.findings)} findings on {safe(result.suite)} "
        f"{result.digest[:12]} ({result.n_examples:,} examples)"
    )
    for name, justify in (("check", "left"), ("severity", "left"), ("count", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for f in result.findings:
        table.add_row(f.check, f.severity, f"{f.count:,}")
    console.print(table)
    for f in result.findings:
        text = f"{f.check}: {f.message}" + (
            f" (e.g. {', '.join(f.example_ids[:5])})" if f.example_ids else ""
        )
        if output_format() == "table":
            console.print(safe(text))
        else:
            for line in wrap_plain(text):
                console.print(line, markup=False, highlight=False)


def suite_check_command(
    suite: Annotated[str, typer.Argument(help="Suite name, NAME@VERSION, digest or YAML file.")],
    against: Annotated[
        list[str] | None,
        typer.Option(help="Another version to measure overlap with (default: every stored one)."),
    ] = None,
    train: Annotated[
        Path | None,
        typer.Option(help="Training split (JSONL, CSV or Parquet): rows equal to an example."),
    ] = None,
    near: Annotated[bool, typer.Option(help="Search near duplicates (MinHash LSH).")] = True,
    threshold: Annotated[float, typer.Option(help="Near-duplicate Jaccard threshold.")] = 0.8,
    min_slice_size: Annotated[int, typer.Option(help="Smallest slice worth a verdict.")] = 30,
    strict: Annotated[bool, typer.Option(help="Exit 1 when a check warns.")] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Check a suite's integrity: exact and near duplicates, label conflicts, empty or
    degenerate inputs, small slices, overlap with other versions and a training split. The
    findings are stored with the suite version (shown by `assay suites show`)."""
    if train is not None:
        check_readable(train, "the training file")
    result = wf.suite_check(
        suite,
        against=against,
        train=train,
        near=near,
        threshold=threshold,
        min_slice_size=min_slice_size,
        store=assay.open_store(db),
    )
    if json:
        emit_json({**dataclasses.asdict(result), "warnings": result.warnings})
    else:
        print_findings(result)
        console.print(f"stored with suite version {result.digest[:12]} (assay suites show)")
    if strict and result.warnings:
        raise typer.Exit(1)
