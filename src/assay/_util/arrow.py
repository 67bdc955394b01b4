"""Arrow arrays to NumPy and back over the buffers, without pyarrow's pandas bridge.

``Array.to_numpy``, ``pa.array(ndarray)`` and ``take(ndarray)`` go through pyarrow's pandas
conversion layer, which imports pandas (a quarter of a second) the first time it runs, even
when pandas takes no part. Ingesting records and comparing them need none of it: numbers
and flags without nulls are viewed in place, exactly what ``to_numpy`` returns, and anything
else falls back to ``to_numpy``.

The data and comparison layers both use these. ``assay._util`` itself does not import this
module, so the layers below that must stay free of pyarrow (the statistics) stay so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from assay._util._lazy import lazy_module

if TYPE_CHECKING:
    import pyarrow.compute as pc
else:  # built on first use: its import makes a wrapper per kernel (30 ms, 5,000 objects)
    pc = lazy_module("pyarrow.compute")

__all__ = ["arrow_array", "arrow_scalar", "nullable_array", "numpy_array", "string_array"]


def _primitive_dtype(kind: pa.DataType) -> Any:
    if pa.types.is_floating(kind) and kind.bit_width in (32, 64):
        return np.dtype(f"f{kind.bit_width // 8}")
    if pa.types.is_signed_integer(kind):
        return np.dtype(f"i{kind.bit_width // 8}")
    if pa.types.is_unsigned_integer(kind):
        return np.dtype(f"u{kind.bit_width // 8}")
    return None


def _valid(array: pa.Array) -> np.ndarray:
    bits = np.frombuffer(array.buffers()[0], dtype=np.uint8)
    unpacked = np.unpackbits(bits, bitorder="little")[array.offset :][: len(array)]
    valid: np.ndarray = unpacked == 1
    return valid


def numpy_array(values: pa.Array | pa.ChunkedArray, fill: float | None = None) -> np.ndarray:
    """``values.to_numpy(zero_copy_only=False)``, read over the buffers where it can be.

    Integers and floats without nulls are a read-only view of the Arrow buffer (as
    ``to_numpy`` gives); floats with nulls are a copy with NaN in their place; booleans
    without nulls a new ``bool`` array. ``fill`` replaces nulls first (as
    ``pc.fill_null(values, fill)``). Every other type or null pattern goes to ``to_numpy``,
    which gives the same values.
    """
    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks == 0:
            empty: np.ndarray = values.to_numpy()
            return empty
        values = values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    n, start = len(values), values.offset
    dtype = _primitive_dtype(values.type)
    if dtype is not None and n == 0:
        return np.empty(0, dtype=dtype)
    if dtype is not None and (values.null_count == 0 or dtype.kind == "f" or fill is not None):
        data = np.frombuffer(values.buffers()[1], dtype=dtype)[start : start + n]
        if values.null_count == 0:
            return data
        out = data.copy()
        out[~_valid(values)] = np.nan if fill is None else fill
        return out
    if pa.types.is_boolean(values.type) and values.null_count == 0:
        bits = np.frombuffer(values.buffers()[1], dtype=np.uint8)
        return np.unpackbits(bits, bitorder="little")[start : start + n].astype(bool)
    if fill is not None:
        values = pc.fill_null(values, fill)
    converted: np.ndarray = values.to_numpy(zero_copy_only=False)
    return converted


def arrow_array(values: np.ndarray) -> pa.Array:
    """``pa.array(values)`` for a one-dimensional NumPy array of numbers or flags.

    Numbers share the array's memory (made contiguous first); booleans are packed into bits.
    Other dtypes go to ``pa.array``.
    """
    data = np.ascontiguousarray(values)
    if data.dtype == np.bool_:
        packed = np.packbits(data, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(data), [None, pa.py_buffer(packed)])
    if data.dtype.kind in "iuf" and data.dtype.byteorder in "=|" and data.ndim == 1:
        kind = pa.from_numpy_dtype(data.dtype)
        return pa.Array.from_buffers(kind, len(data), [None, pa.py_buffer(data)])
    other: pa.Array = pa.array(data)
    return other


def arrow_scalar(value: bool | float | str | None, kind: pa.DataType) -> pa.Scalar:
    """``pa.scalar(value, kind)`` for a flag, a number, a string or ``None``, from buffers.

    ``pa.scalar`` (and a Python value handed to a compute function, which pyarrow turns into
    one) goes through the pandas bridge. Booleans, 64-bit floats and integers, strings and
    nulls of any type are built here; other types go to ``pa.scalar``.
    """
    if value is None:
        return pa.nulls(1, kind)[0]
    if pa.types.is_boolean(kind) and isinstance(value, bool):
        bits = pa.py_buffer(bytes([int(value)]))
        return pa.Array.from_buffers(kind, 1, [None, bits])[0]
    if kind in (pa.float64(), pa.int64()) and isinstance(value, int | float):
        dtype = np.float64 if kind == pa.float64() else np.int64
        return arrow_array(np.array([value], dtype=dtype))[0]
    if kind == pa.string() and isinstance(value, str):
        data = value.encode("utf-8")
        offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32))
        return pa.Array.from_buffers(kind, 1, [None, offsets, pa.py_buffer(data)])[0]
    other: pa.Scalar = pa.scalar(value, kind)
    return other


def _validity(missing: np.ndarray) -> pa.Buffer | None:
    if not missing.any():
        return None
    return pa.py_buffer(np.packbits(~missing, bitorder="little"))


def string_array(values: Sequence[str | None]) -> pa.Array:
    """``pa.array(values, pa.string())`` for Python strings and ``None``, from buffers.

    Text too large for 32-bit offsets, or that cannot be encoded (a lone surrogate), goes to
    ``pa.array``, which gives the same array or the same error.
    """
    try:
        encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    except (AttributeError, UnicodeEncodeError):
        return pa.array(values, pa.string())
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    ends = np.cumsum(lengths)
    if len(ends) and ends[-1] >= 2**31:
        return pa.array(values, pa.string())
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    offsets[1:] = ends
    missing = np.fromiter((v is None for v in values), dtype=bool, count=len(encoded))
    buffers = [_validity(missing), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)


def nullable_array(values: Sequence[float | None], kind: pa.DataType) -> pa.Array:
    """``pa.array(values, kind)`` for ``int64`` or ``float64`` values and ``None``, from buffers.

    Anything else goes to ``pa.array``, which gives the same array or the same error: another
    type, a flag, a float for ``int64``, an integer a double cannot hold exactly (beyond
    2**53) for ``float64``, or one outside ``int64``.
    """
    dtype = {pa.int64(): np.int64, pa.float64(): np.float64}.get(kind)
    present = [v for v in values if v is not None]
    plain = (int,) if dtype is np.int64 else (int, float)
    if dtype is None or any(type(v) not in plain for v in present):
        return pa.array(values, kind)
    if dtype is np.float64 and any(type(v) is int and abs(v) > 2**53 for v in present):
        return pa.array(values, kind)
    try:
        data = np.array([0 if v is None else v for v in values], dtype=dtype)
    except OverflowError:
        return pa.array(values, kind)
    missing = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    buffers = [_validity(missing), pa.py_buffer(data)]
    return pa.Array.from_buffers(kind, len(values), buffers)
