"""Reading tables from JSONL, CSV and Parquet files, with errors that say where."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from assay._util import check_choice, check_instance
from assay.data._located import (
    check_text,
    locate_csv_error,
    locate_json_error,
    short_text,
)
from assay.data._quote import brief
from assay.data._scan import MAX_LINE_BYTES, scan_text
from assay.errors import DataError

__all__ = ["FileFormat", "Location", "detect_format", "read_table"]

FileFormat = Literal["jsonl", "csv", "parquet"]
_FORMATS: tuple[FileFormat, ...] = ("jsonl", "csv", "parquet")

_SUFFIXES: dict[str, FileFormat] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def detect_format(path: str | os.PathLike[str], fmt: str | None = None) -> FileFormat:
    """The file's format, from ``fmt`` or its suffix."""
    return _format(path, fmt, "detect_format")


def _format(path: str | os.PathLike[str], fmt: str | None, function: str) -> FileFormat:
    check_instance(path, "path", function, (str, os.PathLike), "a str or a Path")
    path = Path(path)
    if fmt is not None:
        return check_choice(fmt, "fmt", function, _FORMATS)
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise DataError(
            "cannot tell the file's format from its name",
            file=str(path),
            expected="a name ending in .jsonl, .csv or .parquet (or pass a format)",
            found=repr(path.suffix or "no suffix"),
        ) from None


@dataclass(frozen=True)
class Location:
    """Turns a 0-based table row into where a person finds it in the file."""

    file: str
    format: FileFormat
    blank_lines: tuple[int, ...] = ()
    """1-based numbers of blank lines of a text file, which its reader skipped."""

    def at(self, row: int) -> dict[str, Any]:
        """Keyword arguments for :class:`DataError` naming the file and the line or row."""
        if self.format == "parquet":
            return {"file": self.file, "row": row}
        line = row + 1 if self.format == "jsonl" else row + 2  # a CSV header is line 1
        for blank in self.blank_lines:
            if blank > line:
                break
            line += 1
        return {"file": self.file, "line": line}

    def of(self, table: pa.Table) -> Location:
        """This location with the blank lines :func:`read_table` noted on ``table``."""
        meta = table.schema.metadata or {}
        noted = meta.get(_BLANK_KEY)
        if noted is None or self.format == "parquet":
            return self
        return replace(self, blank_lines=tuple(int(x) for x in noted.split(b",")))


TEXT_COLUMNS = ("example_id", "cluster", "input", "reference", "output", "error")

_BLANK_KEY = b"assay.blank_lines"


def read_table(path: str | Path, fmt: str | None = None) -> pa.Table:
    """Read a JSONL, CSV or Parquet file into an Arrow table.

    Text files are scanned first (UTF-8, line length, JSON depth and width; see
    :mod:`assay.data._scan`); text read from Parquet must be UTF-8 too. Errors name the line
    (or row) counted from the start of the file.
    """
    kind = _format(path, fmt, "read_table")
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", file=str(path), expected="a readable file")
    try:
        if kind == "parquet":
            # the file's own reader: pq.read_table goes through pyarrow.dataset, which imports
            # pandas (about 0.3 s) for the same table
            table = pq.ParquetFile(path).read()
            check_text(table, Location(str(path), kind))
            return table
        blank = scan_text(path, json_lines=kind == "jsonl").blank_lines
        where = Location(str(path), kind, blank)
        table = _read_csv(path, where) if kind == "csv" else _read_jsonl(path, where)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OSError) as exc:
        message = brief(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 300)
        label = {"jsonl": "JSONL", "csv": "CSV"}.get(kind, "Parquet")
        raise DataError(f"cannot be read as {label}: {message}", file=str(path)) from exc
    if blank:
        meta = {_BLANK_KEY: ",".join(str(b) for b in blank).encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    return table


def _read_jsonl(path: Path, where: Location) -> pa.Table:
    try:
        # a block holds any line the scan let through, so rows never straddle two blocks
        options = pajson.ReadOptions(block_size=2 * MAX_LINE_BYTES + (1 << 20))
        table = pajson.read_json(path, read_options=options)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        # Arrow counts rows from its block and skips blank lines: find the line here
        locate_json_error(path, where, str(exc))
        raise
    check_text(table, where)  # escapes such as "\\udc80" must not become invalid UTF-8
    return table


def _read_csv(path: Path, where: Location) -> pa.Table:
    # ids and text are read verbatim ("001" stays "001", "NA" stays "NA");
    # empty and NA fields are missing values only in numeric columns
    text = {c: pa.string() for c in TEXT_COLUMNS}
    convert = pacsv.ConvertOptions(column_types=text)
    try:
        table = pacsv.read_csv(path, convert_options=convert)
    except pa.ArrowInvalid as exc:
        locate_csv_error(path, where, convert, exc)
        raise
    names = table.column_names
    for i, name in enumerate(names):
        if name in names[:i]:
            raise DataError(
                "a column name appears twice in the header",
                file=str(path),
                line=1,
                column=short_text(name),
                expected="distinct column names",
                found=f"it at positions {names.index(name) + 1} and {i + 1}",
            )
    check_text(table, where)
    return table
