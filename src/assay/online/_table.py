"""Reading experiment data: files, Arrow tables or DataFrames; the sufficient-statistics table.

The columns of the sufficient-statistics table are documented in :mod:`assay.online`.
Row numbers in error messages count data rows from 0 (the header is not a row).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from assay.errors import DataError
from assay.stats import MeanSums, RatioSums

__all__ = [
    "MEAN_COLUMNS",
    "RATIO_COLUMNS",
    "SUFFICIENT_STATISTICS_COLUMNS",
    "ArmMetricSums",
    "is_sufficient_statistics",
    "load_table",
    "parse_sufficient_statistics",
]

MEAN_COLUMNS = tuple(f.name for f in fields(MeanSums))
RATIO_COLUMNS = tuple(f.name for f in fields(RatioSums))
SUFFICIENT_STATISTICS_COLUMNS: tuple[str, ...] = (
    "metric",
    "kind",
    "arm",
    *MEAN_COLUMNS,
    *(c for c in RATIO_COLUMNS if c != "n"),
)
DataSource: TypeAlias = "str | os.PathLike[str] | pa.Table | Any"
"""A CSV or Parquet path, a pyarrow Table, or a pandas DataFrame."""


@dataclass(frozen=True)
class ArmMetricSums:
    """One row of a sufficient-statistics table, parsed."""

    metric: str
    kind: str | None
    arm: str
    sums: MeanSums | RatioSums
    row: int


def source_name(data: DataSource) -> str | None:
    """The file name to quote in error messages, if the data came from a file."""
    return str(data) if isinstance(data, (str, os.PathLike)) else None


def load_table(data: DataSource, columns: Sequence[str] | None = None) -> pa.Table:
    """Read a Parquet or CSV file, or accept an Arrow table or a pandas DataFrame.

    Only ``columns`` are read from files when given (Parquet reads nothing else). Text columns
    of Parquet files stay dictionary-encoded, so arm names cost almost nothing to read.
    """
    if isinstance(data, pa.Table):
        table = data
    elif isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.exists():
            raise DataError("no such file", file=str(path), expected="a CSV or Parquet file")
        suffix = path.suffix.lower()
        try:
            if suffix in (".parquet", ".pq"):
                schema = pq.read_schema(path)
                wanted = [c for c in columns if c in schema.names] if columns else None
                text = [f.name for f in schema if pa.types.is_string(f.type)]
                # one file read as it is: pq.read_table goes through pyarrow.dataset,
                # whose import brings pandas (about 0.4 s)
                return pq.ParquetFile(path, read_dictionary=text).read(columns=wanted)
            if suffix in (".csv", ".txt", ".tsv"):
                opts = pacsv.ReadOptions()
                parse = pacsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",")
                table = pacsv.read_csv(path, read_options=opts, parse_options=parse)
            else:
                raise DataError(
                    "unknown file type",
                    file=str(path),
                    expected="a .csv, .tsv or .parquet file",
                    found=suffix or "no suffix",
                )
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"cannot read the file: {exc}", file=str(path)) from exc
    elif hasattr(data, "columns") and hasattr(data, "dtypes"):
        table = pa.Table.from_pandas(data, preserve_index=False)
    else:
        raise DataError(
            "unsupported data",
            expected="a file path, a pyarrow Table or a pandas DataFrame",
            found=type(data).__name__,
        )
    if columns:
        keep = [c for c in columns if c in table.column_names]
        table = table.select(keep)
    return table


def is_sufficient_statistics(column_names: Sequence[str]) -> bool:
    """Whether a table looks like sufficient statistics rather than unit-level rows."""
    names = set(column_names)
    return "n" in names and ("sum" in names or "sum_num" in names)


def _number(value: Any, row: int, column: str, file: str | None) -> float:
    if value is None or isinstance(value, (str, bool)):
        raise DataError(
            "missing or non-numeric value",
            file=file,
            row=row,
            column=column,
            expected="a number",
            found=repr(value),
        )
    v = float(value)
    if not math.isfinite(v):
        raise DataError("not a finite number", file=file, row=row, column=column, found=repr(v))
    return v


def _count(value: Any, row: int, file: str | None) -> int:
    v = _number(value, row, "n", file)
    if v != round(v) or v < 0:
        raise DataError(
            "the unit count must be a non-negative integer",
            file=file,
            row=row,
            column="n",
            expected="an integer >= 0",
            found=repr(value),
        )
    return int(v)


def parse_sufficient_statistics(table: pa.Table, file: str | None = None) -> list[ArmMetricSums]:
    """Turn a sufficient-statistics table into typed per-arm, per-metric sums.

    Raises DataError naming the row and column for a missing column or value, a negative or
    fractional count, or a duplicated (metric, arm) pair.
    """
    names = set(table.column_names)
    if "arm" not in names:
        raise DataError("missing column", file=file, column="arm", expected="a column 'arm'")
    if "n" not in names:
        raise DataError("missing column", file=file, column="n", expected="a column 'n'")
    out: list[ArmMetricSums] = []
    seen: dict[tuple[str, str], int] = {}
    for row, rec in enumerate(table.to_pylist()):
        arm = rec.get("arm")
        if arm is None or str(arm) == "":
            raise DataError("missing arm name", file=file, row=row, column="arm")
        arm = str(arm)
        metric = str(rec["metric"]) if rec.get("metric") not in (None, "") else "metric"
        kind = str(rec["kind"]) if rec.get("kind") not in (None, "") else None
        n = _count(rec.get("n"), row, file)
        is_ratio = rec.get("sum_num") is not None or kind == "ratio"
        cols = RATIO_COLUMNS if is_ratio else MEAN_COLUMNS
        required = cols[:6] if is_ratio else cols[:3]
        values: dict[str, Any] = {"n": n}
        for col in cols[1:]:
            present = col in names and rec.get(col) is not None
            if col in required and not present:
                raise DataError(
                    "missing value", file=file, row=row, column=col, expected="a number"
                )
            values[col] = _number(rec[col], row, col, file) if present else None
        sums: MeanSums | RatioSums = RatioSums(**values) if is_ratio else MeanSums(**values)
        key = (metric, arm)
        if key in seen:
            raise DataError(
                f"metric {metric!r} has two rows for arm {arm!r} (rows {seen[key]} and {row})",
                file=file,
                row=row,
                column="arm",
                expected="one row per metric and arm",
            )
        seen[key] = row
        out.append(ArmMetricSums(metric, kind, arm, sums, row))
    if not out:
        raise DataError("the table has no rows", file=file, expected="one row per arm and metric")
    return out
