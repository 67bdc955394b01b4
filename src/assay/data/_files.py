"""Reading tables from JSONL, CSV and Parquet files, with errors that say where."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from assay._util import check_choice, check_instance
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

    def at(self, row: int) -> dict[str, Any]:
        """Keyword arguments for :class:`DataError` naming the file and the line or row."""
        if self.format == "jsonl":
            return {"file": self.file, "line": row + 1}
        if self.format == "csv":
            return {"file": self.file, "line": row + 2}  # the header is line 1
        return {"file": self.file, "row": row}


TEXT_COLUMNS = ("example_id", "cluster", "input", "reference", "output", "error")

_ROW = re.compile(r"row (\d+)", re.IGNORECASE)


def read_table(path: str | Path, fmt: str | None = None) -> pa.Table:
    """Read a JSONL, CSV or Parquet file into an Arrow table."""
    kind = _format(path, fmt, "read_table")
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", file=str(path), expected="a readable file")
    try:
        if kind == "parquet":
            return pq.read_table(path)
        if kind == "csv":
            # ids and text are read verbatim ("001" stays "001", "NA" stays "NA");
            # empty and NA fields are missing values only in numeric columns
            text = {c: pa.string() for c in TEXT_COLUMNS}
            return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=text))
        return pajson.read_json(path, read_options=pajson.ReadOptions(block_size=1 << 24))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        message = str(exc).splitlines()[0]
        match = _ROW.search(message)
        line = int(match.group(1)) + 1 if match and kind == "jsonl" else None
        raise DataError(
            f"cannot be read as {kind.upper() if kind != 'parquet' else 'Parquet'}: {message}",
            file=str(path),
            line=line,
        ) from exc
