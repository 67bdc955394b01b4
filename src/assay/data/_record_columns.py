"""Columns of a records file made into the record schema's types, and where a row is."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay._util.arrow import numpy_array
from assay.core import canonical_json
from assay.data._files import Location
from assay.data._quote import brief
from assay.errors import DataError

__all__ = [
    "MAX_SCORE",
    "as_text",
    "first_true",
    "float_views",
    "id_rank",
    "is_prefix_of",
    "json_text",
    "numeric_column",
    "place",
    "too_large",
]


MAX_SCORE = 1e150
"""Scores larger in magnitude are refused: past it a square overflows (and the variance)."""


def first_true(mask: pa.Array | pa.ChunkedArray) -> int:
    """The position of the first true value of ``mask``."""
    return int(pc.index(mask, True).as_py())


def as_text(col: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """A column as text: strings as they are, nested values as canonical JSON."""
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return col.cast(pa.string())
    if pa.types.is_null(col.type):
        return pa.nulls(len(col), pa.string())
    if pa.types.is_nested(col.type):
        return pa.chunked_array(
            [[None if v is None else canonical_json(v) for v in col.to_pylist()]], pa.string()
        )
    return col.cast(pa.string())


def json_text(col: pa.ChunkedArray) -> pa.Array:
    """Values as canonical JSON text; a string that is not JSON becomes a JSON string."""
    if pa.types.is_nested(col.type) or not (
        pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
    ):
        return pa.array(
            [None if v is None else canonical_json(v) for v in col.to_pylist()], pa.string()
        )
    out: list[str | None] = []
    for v in col.to_pylist():
        if v is None:
            out.append(None)
            continue
        try:
            out.append(canonical_json(json.loads(v)))
        except ValueError:
            out.append(canonical_json(v))
    return pa.array(out, pa.string())


def numeric_column(
    col: pa.ChunkedArray, name: str, where: Location, target: pa.DataType
) -> pa.ChunkedArray:
    """Cast to ``target``, or name the first value that is not a number."""
    if pa.types.is_null(col.type):
        return pa.chunked_array([pa.nulls(len(col), target)])
    if pa.types.is_boolean(col.type):
        col = col.cast(pa.int8())
    try:
        if pa.types.is_integer(col.type) and pa.types.is_floating(target):
            # a large integer rounds to the nearest float; the magnitude check follows
            return col.cast(target, safe=False)
        return col.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values = col.to_pylist()
    for i, v in enumerate(values):
        try:
            if v is not None:
                pa.array([v]).cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError):
            raise DataError(
                "not a number",
                column=name,
                expected="integer" if pa.types.is_integer(target) else "a number",
                found=brief(v),
                **where.at(i),
            ) from None
    raise DataError(
        "not numeric", column=name, expected="numbers", found=str(col.type), file=where.file
    )


def id_rank(ids: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Each id's position among the ids sorted (byte order); the ids are distinct."""
    n = len(ids)
    if n < 2 or pc.all(pc.less(ids.slice(0, n - 1), ids.slice(1))).as_py():
        return np.arange(n, dtype=np.int64)
    order = np.asarray(numpy_array(pc.sort_indices(ids)), dtype=np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    return rank


def is_prefix_of(declared: pa.ChunkedArray, full: str) -> pa.ChunkedArray:
    """Whether each declared digest is a prefix of ``full`` of at least 6 characters."""
    distinct = pc.unique(declared).to_pylist()
    good = [d for d in distinct if d is not None and len(d) >= 6 and full.startswith(d)]
    return pc.is_in(declared, value_set=pa.array(good, pa.string()))


def place(where: Location, row: int) -> str:
    """Where row ``row`` is, in words: its line in a text file, else its row."""
    at = where.at(row)
    return f"line {at['line']}" if "line" in at else f"row {at['row']}"


def float_views(scores: pa.ChunkedArray) -> list[np.ndarray] | None:
    """The non-empty chunks of float64 ``scores`` as NumPy views of their buffers, when no
    value is null (else None: a null's slot holds any value)."""
    if scores.null_count or scores.type != pa.float64():
        return None
    return [numpy_array(chunk) for chunk in scores.chunks if len(chunk)]


def too_large(scores: pa.ChunkedArray) -> bool:
    """Whether a score is infinite or past ``MAX_SCORE`` in magnitude."""
    views = float_views(scores)
    if views is not None:  # fmax and fmin skip NaN as min_max does, in one fast pass each
        return any(np.fmax.reduce(v) > MAX_SCORE or np.fmin.reduce(v) < -MAX_SCORE for v in views)
    bounds = pc.min_max(scores)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    return high is not None and (high > MAX_SCORE or low < -MAX_SCORE)
