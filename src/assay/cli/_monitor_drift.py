"""``assay monitor profile`` and ``assay monitor drift``: reference profiles and drift verdicts."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.cli._inputs import readable_file
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import console, emit_json, new_table, output_format, safe

if TYPE_CHECKING:
    from assay.monitor import ColumnDrift

__all__ = ["DRIFT_EXIT_CODES", "drift_command", "profile_command"]

DRIFT_EXIT_CODES = {"not drifted": 0, "drifted": 1, "inconclusive": 2}
"""Exit codes of ``assay monitor drift``, like ``assay gate``: 0 no drift, 1 drift, 2 inconclusive."""


def _n(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.3g}"


def _note(row: ColumnDrift) -> str:
    """Quality findings; for a column that was not judged, the reason."""
    text = "; ".join(row.quality)
    if row.test is None:
        text = f"{row.reason}; {text}" if text else row.reason
    return safe(text)[:160]


def profile_command(
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Table to profile: Parquet, CSV or JSONL.",
            show_default=False,
            callback=readable_file("the table to profile"),
        ),
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="Name to store the profile under.")
    ] = "reference",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Also write the profile's bytes to this file."),
    ] = None,
    from_run: Annotated[
        str | None,
        typer.Option("--from-run", help="Profile a stored run's records instead of DATA."),
    ] = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Build a profile of a table (counts, moments, quantile sketch, distinct count, frequent
    values, pinned bins) and store it as an artifact under --name."""
    import assay
    from assay.errors import ConfigError
    from assay.workflows import monitor_profile

    if (data is None) == (from_run is None):
        raise ConfigError("give either DATA (a table file) or --from-run RUN, not both or neither")
    stored = monitor_profile(
        data, name=name, output=output, from_run=from_run, store=assay.open_store(db)
    )
    prof = stored.profile
    if json:
        emit_json(
            {
                "name": stored.name,
                "digest": stored.digest,
                "rows": prof.rows,
                "output": stored.output,
                "columns": [
                    {
                        "name": c.name,
                        "kind": c.kind,
                        "dtype": c.dtype,
                        "rows": c.rows,
                        "nulls": c.nulls,
                        "nan": c.nan,
                        "inf": c.inf,
                    }
                    for c in prof.columns
                ],
            }
        )
        return
    table = new_table(
        f"profile {stored.name} ({stored.digest[:12]}), {prof.rows} rows",
        [
            "column",
            "kind",
            "type",
            "nulls",
            "NaN",
            "inf",
            "mean",
            "std",
            "min",
            "max",
            "categories",
        ],
        numbers=["nulls", "NaN", "inf", "mean", "std", "min", "max", "categories"],
    )
    for c in prof.columns:
        num, cat = c.numeric, c.categorical
        table.add_row(
            safe(c.name),
            c.kind,
            safe(c.dtype),
            str(c.nulls),
            str(c.nan),
            str(c.inf),
            _n(num.mean) if num else "",
            _n(num.std) if num else "",
            _n(num.minimum) if num else "",
            _n(num.maximum) if num else "",
            str(len(cat.categories)) if cat else "",
        )
    console.print(table)


def drift_command(
    current: Annotated[
        Path,
        typer.Argument(
            help="Current window: a table file or a profile file.",
            callback=readable_file("the current window"),
        ),
    ],
    reference: Annotated[
        str,
        typer.Option(
            "--reference", help="Reference profile: stored name, digest, or a profile file."
        ),
    ],
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="Monitor spec (YAML): margins, columns, levels.",
            callback=readable_file("the drift spec"),
        ),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the HTML monitor report here.")
    ] = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Judge a window against a reference profile, column by column; exit 0 no drift, 1 drift,
    2 inconclusive."""
    import assay
    from assay.workflows import monitor_drift

    store = None if Path(reference).is_file() else assay.open_store(db)
    result = monitor_drift(current, reference=reference, spec=spec, report=report, store=store)
    if json or output_format() == "json":
        emit_json(result.to_dict())
    else:
        table = new_table(
            f"drift of {result.current} against {result.reference}: {result.verdict}",
            [
                "column",
                "verdict",
                "distance",
                "estimate",
                "interval",
                "margin",
                "test",
                "BH p",
                "quality",
            ],
            numbers=["estimate", "interval", "margin", "BH p"],
        )
        for r in result.columns:
            m = r.measure
            table.add_row(
                safe(r.column),
                r.verdict,
                r.statistic,
                _n(m.estimate) if m else "—",
                f"[{_n(m.low)}, {_n(m.high)}]" if m else "—",
                f"{r.margin:g}",
                r.test.name if r.test else "—",
                _n(r.adjusted_p),
                _note(r),
            )
        console.print(table)
        for r in result.columns:
            if r.measure is not None and r.measure.estimate_outside:
                console.print(f"{safe(r.column)} ({r.statistic}): {r.measure.estimate_outside}")
        if result.added_columns:
            console.print(
                f"not in the reference (not judged): {safe(', '.join(result.added_columns))}"
            )
        if report is not None:
            console.print(f"report: {safe(str(report))}")
    raise typer.Exit(DRIFT_EXIT_CODES[result.verdict])
