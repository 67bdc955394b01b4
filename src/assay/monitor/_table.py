"""Tables the monitor accepts (Arrow, pandas, polars, Parquet/CSV/JSONL paths) and their columns
as numpy values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay.errors import DataError

__all__ = ["ColumnValues", "as_table", "column_kind", "numeric_values", "string_counts"]


def as_table(data: Any) -> pa.Table:
    """An Arrow table from a table-like value or a file path (Parquet, CSV, JSONL)."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, (str, Path)):
        from assay.data import read_table

        return read_table(data)
    to_arrow = getattr(data, "to_arrow", None)  # polars
    if callable(to_arrow):
        table = to_arrow()
        if isinstance(table, pa.Table):
            return table
    if type(data).__module__.startswith("pandas"):
        try:
            return pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise DataError(f"the DataFrame cannot be converted to Arrow: {exc}") from exc
    raise DataError(
        "expected a table (pyarrow Table, pandas or polars DataFrame, or a Parquet/CSV/JSONL "
        f"path); found {type(data).__name__}"
    )


def column_kind(dtype: pa.DataType) -> Literal["numeric", "categorical", "unsupported"]:
    """Numeric (ints, floats, decimals), categorical (strings, booleans, dictionaries) or not."""
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "numeric"
    if pa.types.is_dictionary(dtype):
        return "categorical"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_boolean(dtype):
        return "categorical"
    if pa.types.is_null(dtype):
        return "numeric"
    return "unsupported"


@dataclass(frozen=True)
class ColumnValues:
    """A numeric column's counts and its finite values."""

    rows: int
    nulls: int
    nan: int
    inf: int
    finite: npt.NDArray[np.float64]


def numeric_values(column: pa.ChunkedArray) -> ColumnValues:
    """Nulls, NaN and infinities counted; the finite values as float64 (one pass each)."""
    rows = len(column)
    nulls = column.null_count
    if pa.types.is_null(column.type):
        return ColumnValues(rows, rows, 0, 0, np.empty(0))
    cast = column if pa.types.is_float64(column.type) else pc.cast(column, pa.float64())
    values = cast.to_numpy() if nulls == 0 else cast.fill_null(np.nan).to_numpy()
    values = np.asarray(values, dtype=np.float64)
    finite_mask = np.isfinite(values)
    n_finite = int(finite_mask.sum())
    n_nan = int(np.isnan(values).sum()) - nulls if n_finite < rows else 0
    n_inf = rows - nulls - n_nan - n_finite
    finite = values if n_finite == rows else values[finite_mask]
    return ColumnValues(rows, nulls, n_nan, n_inf, finite)


def string_counts(column: pa.ChunkedArray) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Distinct non-null values as text and their counts.

    Dictionary-encoded columns are counted on their indices (one ``bincount``); other columns
    are dictionary-encoded first. Values are returned in first-seen order of the dictionary.
    """
    col = column
    if not pa.types.is_dictionary(col.type):
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = pc.cast(col, pa.string())
        col = pc.dictionary_encode(col)
    arr = col.unify_dictionaries().combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    dictionary = arr.dictionary
    if len(arr) == 0 or len(dictionary) == 0:
        return [], np.zeros(0, dtype=np.int64)
    indices = arr.indices
    if indices.null_count:
        indices = indices.drop_null()
    counts = np.bincount(
        np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.int64),
        minlength=len(dictionary),
    )
    keep = np.flatnonzero(counts)
    if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
        dictionary = pc.cast(dictionary, pa.string())
    values = dictionary.take(pa.array(keep)).to_pylist()
    return [str(v) for v in values], counts[keep].astype(np.int64)
