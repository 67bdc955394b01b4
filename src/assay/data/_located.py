"""Saying where a reader's error is, and refusing text that is not UTF-8.

Arrow counts a JSON error's row from the start of its block, skips blank lines and names no
line for a CSV parse error. These run only once a read has failed, so they may read the file
again line by line to name the line a person finds in an editor.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson

from assay.data._quote import brief
from assay.errors import DataError

if TYPE_CHECKING:
    from assay.data._files import Location

__all__ = ["check_text", "locate_csv_error", "locate_json_error", "short_text"]

_ROW = re.compile(r"\.? in row \d+$")  # Arrow's row counts from its block: misleading
_CHANGED = re.compile(r"Column\(/([^)/]*)\) changed from")


def short_text(name: str) -> str:
    """Text (a column name, a digest) cut to 60 characters, for messages."""
    return name if len(name) <= 60 else f"{name[:60]}… ({len(name):,} characters)"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object" if isinstance(value, dict) else "a list"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {brief(key)} appears twice")
        out[key] = value
    return out


def locate_json_error(path: Path, where: Location, message: str) -> None:
    """Raise a :class:`DataError` at the line that made Arrow fail, if one can be found."""
    changed = _CHANGED.search(message)
    column = changed.group(1) if changed else None
    first: tuple[str, int] | None = None  # the kind of ``column`` and the line that set it
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(
                    raw, parse_constant=_refuse_constant, object_pairs_hook=_no_repeats
                )
            except ValueError as exc:
                problem = (
                    f"{exc.msg} (column {exc.colno})"
                    if isinstance(exc, json.JSONDecodeError)
                    else brief(str(exc), 200)
                )
                raise DataError(
                    f"cannot be read as JSONL: {problem}", file=where.file, line=number
                ) from None
            except RecursionError:
                raise DataError(
                    "cannot be read as JSONL: nested too deep", file=where.file, line=number
                ) from None
            if not isinstance(value, dict):
                raise DataError(
                    "cannot be read as JSONL: each line is one JSON object",
                    file=where.file,
                    line=number,
                    expected="an object ({...})",
                    found=_kind(value),
                )
            found = value.get(column) if column is not None else None
            if found is None:
                continue
            if first is None:
                first = (_kind(found), number)
            elif _kind(found) != first[0]:
                raise DataError(
                    "a field's type differs from earlier lines",
                    file=where.file,
                    line=number,
                    column=column,
                    expected=f"{first[0]}, as on line {first[1]}",
                    found=f"{_kind(found)}: {brief(found)}",
                )
    _first_failing_line(path, message, where)


def _first_failing_line(path: Path, message: str, where: Location) -> None:
    """Bisect on prefixes of the file for the first line Arrow refuses."""
    lines = path.read_bytes().split(b"\n")

    def fails(count: int) -> bool:
        try:
            pajson.read_json(io.BytesIO(b"\n".join(lines[:count]) + b"\n"))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return True
        return False

    good, bad = 0, len(lines)  # an empty prefix is not the problem
    if not fails(bad):
        return
    while bad - good > 1:
        middle = (good + bad) // 2
        if fails(middle):
            bad = middle
        else:
            good = middle
    raise DataError(
        f"cannot be read as JSONL: {brief(_ROW.sub('', message), 200)}", file=where.file, line=bad
    )


def locate_csv_error(
    path: Path, where: Location, convert: pacsv.ConvertOptions, exc: pa.ArrowInvalid
) -> None:
    """Raise a :class:`DataError` at the CSV row that made Arrow fail, if one can be found."""
    bad: list[pacsv.InvalidRow] = []

    def keep(row: pacsv.InvalidRow) -> str:
        bad.append(row)
        return "error"

    parse = pacsv.ParseOptions(invalid_row_handler=keep)
    read = pacsv.ReadOptions(use_threads=False)  # rows are numbered only without threads
    with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError):
        pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    if not bad:
        return
    row = bad[0]
    raise DataError(
        "a row has the wrong number of fields",
        file=where.file,
        line=row.number,
        expected=f"{row.expected_columns} fields, as in the header",
        found=f"{row.actual_columns}: {brief(row.text)}",
    ) from exc


def _first_invalid(column: pa.ChunkedArray) -> int | None:
    base = 0
    for chunk in column.chunks:
        for i, value in enumerate(chunk.cast(pa.binary()).to_pylist()):
            if value is None:
                continue
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                return base + i
        base += len(chunk)
    return None


def check_text(table: pa.Table, where: Location) -> None:
    """Refuse text columns holding invalid UTF-8, naming the column and the row."""
    for name, column in zip(table.column_names, table.columns, strict=True):
        typ = column.type
        try:
            if pa.types.is_string(typ) or pa.types.is_large_string(typ):
                column.validate(full=True)
            elif pa.types.is_binary(typ) or pa.types.is_large_binary(typ):
                column.cast(pa.string())
            elif pa.types.is_nested(typ) or pa.types.is_dictionary(typ):
                column.validate(full=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            flat = not (pa.types.is_nested(typ) or pa.types.is_dictionary(typ))
            row = _first_invalid(column) if flat else None
            place = where.at(row) if row is not None else {"file": where.file}
            raise DataError(
                "text that is not UTF-8",
                column=short_text(name),
                expected="text encoded as UTF-8",
                found="invalid bytes" if row is None else brief(_raw(column, row)),
                **place,
            ) from None


def _raw(column: pa.ChunkedArray, row: int) -> bytes:
    value = column.cast(pa.binary())[row].as_py()
    return value if isinstance(value, bytes) else b""
