"""Reading a monitor's window (or hold-out) table, with clear messages for bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from assay.errors import DataError

__all__ = ["read_table", "table_sha256", "window_column"]


def read_table(data: Any) -> pa.Table:
    """A pyarrow Table from a path (Parquet, CSV, JSONL), a pyarrow Table or a DataFrame."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, (str, Path)):
        path = Path(data)
        if not path.is_file():
            raise DataError(f"The window file {path} does not exist")
        suffix = path.suffix.lower()
        try:
            if suffix in (".parquet", ".pq"):
                import pyarrow.parquet as pq

                # not pq.read_table: pyarrow.dataset's import brings pandas (about 0.4 s)
                return pq.ParquetFile(path).read()
            if suffix == ".csv":
                import pyarrow.csv as pcsv

                return pcsv.read_csv(path)
            if suffix in (".jsonl", ".json", ".ndjson"):
                import pyarrow.json as pjson

                return pjson.read_json(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"The window file {path} is not readable: {exc}") from exc
        raise DataError(
            f"The window file {path}", expected=".parquet, .csv or .jsonl", found=suffix
        )
    if hasattr(data, "__dataframe__") or hasattr(data, "to_arrow"):
        try:
            return pa.table(data)
        except (TypeError, ValueError, pa.ArrowInvalid) as exc:
            raise DataError(f"The window table is not readable: {exc}") from exc
    raise DataError(
        "The window",
        expected="a file path, a pyarrow Table or a DataFrame",
        found=type(data).__name__,
    )


def window_column(
    table: pa.Table, name: str, where: str, *, numeric: bool = True
) -> npt.NDArray[Any]:
    """The column ``name`` as a numpy array; a missing, null or non-numeric column is a
    :class:`~assay.errors.DataError` naming it."""
    if name not in table.column_names:
        raise DataError(
            f"The {where} has no column {name!r}",
            column=name,
            expected=f"a column {name!r}",
            found=", ".join(table.column_names) or "none",
        )
    column = table.column(name)
    if not numeric:
        return np.asarray(column.to_pylist(), dtype=object)
    if column.null_count:
        i = column.to_pylist().index(None)
        raise DataError(f"The {where}'s column {name!r} has a missing value", row=i, column=name)
    if not (
        pa.types.is_integer(column.type)
        or pa.types.is_floating(column.type)
        or pa.types.is_boolean(column.type)
    ):
        raise DataError(
            f"The {where}'s column {name!r} is not numeric",
            column=name,
            expected="numbers",
            found=str(column.type),
        )
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def table_sha256(table: pa.Table) -> str:
    """The SHA-256 of the table's Arrow IPC stream (its schema and values)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
