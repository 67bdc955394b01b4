"""``assay sql``: one read-only query over the store's views, shown as a table, JSON or Arrow.

A result that fits the screen (80 columns when piped) is a table; a wider one is shown one
row at a time, each value on a line of its own wrapped at 80 columns, so no cell is cut.
"""

from __future__ import annotations

import json as json_module
import math
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import assay
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import (
    PLAIN_WIDTH,
    console,
    emit_json,
    new_table,
    output_format,
    printable,
    safe,
    wrap_plain,
)
from assay.errors import ConfigError, StorageError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["sql_command"]


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json_module.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    return " ".join(str(value).split()) if "\n" in str(value) else str(value)


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _plain_values(row: dict[str, Any]) -> dict[str, Any]:
    """A row for JSON: maps as objects, non-finite numbers as null."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(v, tuple) and len(v) == 2 for v in value)
        ):
            value = dict(value)
        out[key] = value
    return out


def _print_table(result: pa.Table) -> None:
    names = result.column_names
    rows = [
        [printable(_cell(v)) for v in _plain_values(row).values()] for row in result.to_pylist()
    ]
    numeric = {
        name
        for name, field in zip(names, result.schema, strict=True)
        if field.type.id in range(2, 13)  # Arrow's integer and floating-point type ids
    }
    width = PLAIN_WIDTH if output_format() != "table" else max(console.width, 40)
    needs = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    if sum(needs) + 2 * max(len(names) - 1, 0) <= width:
        table = new_table(None, names, numbers=names)
        for column, name in zip(table.columns, names, strict=True):
            if name in numeric:
                column.justify = "right"
        for row in rows:
            table.add_row(*(safe(c) for c in row))
        console.print(table)
    else:  # too wide for a table: each row as lines of `column: value`
        for number, row in enumerate(rows, 1):
            console.print(f"-- row {number} --", markup=False, highlight=False)
            for name, value in zip(names, row, strict=True):
                for line in wrap_plain(f"{name}: {value}", indent="    "):
                    console.print(line, markup=False, highlight=False)
    console.print(f"({_rows(result.num_rows)})")


def _write_arrow(result: pa.Table, path: Path) -> None:
    import pyarrow as pa

    from assay._util import atomic_path

    try:
        with atomic_path(path) as temporary, pa.ipc.new_file(str(temporary), result.schema) as w:
            w.write_table(result)
    except OSError as exc:
        raise StorageError(f"Cannot write {path}: {exc}") from exc


def _print_views() -> None:
    from assay.workflows import SQL_VIEWS

    for view, columns in SQL_VIEWS.items():
        console.print(f"{view}:", markup=False, highlight=False)
        for name, meaning in columns.items():
            for line in wrap_plain(f"{name}: {meaning}", indent="    "):
                console.print(f"  {line.lstrip()}" if not line.startswith("    ") else line)


def sql_command(
    query: Annotated[
        str | None,
        typer.Argument(help="One SELECT over runs, metrics, decisions and records (DuckDB SQL)."),
    ] = None,
    arrow: Annotated[
        Path | None,
        typer.Option("--arrow", help="Write the result to FILE as an Arrow IPC file instead."),
    ] = None,
    max_rows: Annotated[int, typer.Option(help="Refuse a result of more rows than this.")] = 10_000,
    timeout: Annotated[float, typer.Option(help="Stop the query after this many seconds.")] = 60,
    run: Annotated[
        list[str] | None,
        typer.Option(
            "--run",
            metavar="RUN",
            help="Read the records of this run alone (id, id prefix or MODEL@VERSION); "
            "repeatable. Only these runs' record files are copied (default: every run's).",
        ),
    ] = None,
    views: Annotated[
        bool, typer.Option("--views", help="List the views and their columns, and exit.")
    ] = False,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Ask the store a question no command anticipated: one read-only SQL query (DuckDB).

    Statements that write (COPY, ATTACH, INSTALL, CREATE, SET, ...) are refused.

    Files are read only through the views; records from copies checked against their digests.

    --run RUN (repeatable) copies and reads only those runs' records; a WHERE does not narrow.
    """
    if views:
        _print_views()
        return
    if query is None:
        raise ConfigError(
            'Give a query, e.g. assay sql "SELECT count(*) FROM runs" (--views lists the views).'
        )
    result = assay.sql(
        query, store=assay.open_store(db), max_rows=max_rows, timeout=timeout, runs=run
    )
    if arrow is not None:
        _write_arrow(result, arrow)
        if json:
            emit_json({"rows": result.num_rows, "arrow": str(arrow)})
        else:
            console.print(f"{_rows(result.num_rows)} written to {safe(arrow)}")
        return
    if json:
        emit_json([_plain_values(row) for row in result.to_pylist()])
        return
    _print_table(result)
