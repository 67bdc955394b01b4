"""The record schema as Arrow, and example tables with their content digest."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from assay._util import check_instance, lazy_module
from assay._util.arrow import arrow_scalar, numpy_array, string_array
from assay.core import Example, Suite, canonical_json

if TYPE_CHECKING:
    import pyarrow.compute as pc
else:  # built on first use: its import makes a wrapper per kernel (30 ms, 5,000 objects)
    pc = lazy_module("pyarrow.compute")

__all__ = [
    "SuiteData",
    "examples_digest",
    "examples_table",
    "record_schema",
    "table_digest",
]

_EMPTY = arrow_scalar("", pa.string())  # from buffers: a Python "" would import pandas

SLICE_TYPE = pa.dictionary(pa.int32(), pa.string())
"""Slice attributes take few values: dictionary-encoded, they cost an index per record."""

FIXED_BEFORE = [
    ("example_id", pa.string(), False),
    ("cluster", pa.string(), True),
    ("sample_index", pa.int32(), False),
]
FIXED_AFTER = [
    ("input", pa.string(), True),
    ("reference", pa.string(), True),
    ("output", pa.string(), True),
]
OPERATIONAL = [
    ("latency_ms", pa.float64(), True),
    ("tokens_in", pa.int64(), True),
    ("tokens_out", pa.int64(), True),
    ("cost", pa.float64(), True),
    ("error", pa.string(), True),
]


def record_schema(suite: Suite) -> pa.Schema:
    """Arrow schema of a run's records on ``suite``.

    Columns: ``example_id``, ``cluster``, ``sample_index``, one string column per slice,
    ``input``, ``reference``, ``output`` (JSON text or plain text), one float64 column per
    metric score, then ``latency_ms``, ``tokens_in``, ``tokens_out``, ``cost``, ``error``.
    """
    check_instance(suite, "suite", "record_schema", Suite, "a Suite")
    fields = [pa.field(n, t, nullable=nl) for n, t, nl in FIXED_BEFORE]
    fields += [pa.field(s, SLICE_TYPE) for s in suite.slice_names]
    fields += [pa.field(n, t, nullable=nl) for n, t, nl in FIXED_AFTER]
    fields += [pa.field(m, pa.float64()) for m in suite.metric_names]
    fields += [pa.field(n, t, nullable=nl) for n, t, nl in OPERATIONAL]
    return pa.schema(fields)


def examples_schema(slices: Sequence[str]) -> pa.Schema:
    """Arrow schema of a suite's examples table."""
    return pa.schema(
        [pa.field("example_id", pa.string(), nullable=False), pa.field("cluster", pa.string())]
        + [pa.field(s, SLICE_TYPE) for s in slices]
        + [pa.field("input", pa.string()), pa.field("reference", pa.string())]
    )


def _json_text(value: Any) -> str | None:
    # Every input and reference is JSON text, strings included, so reading one back is exact.
    return None if value is None else canonical_json(value)


def examples_table(
    examples: Iterable[Example | Mapping[str, Any]], slices: Sequence[str]
) -> pa.Table:
    """Build the examples table from :class:`Example` objects or mappings of the same fields.

    Inputs and references are stored as canonical JSON text (a string ``"hi"`` as ``"\"hi\""``).
    """
    check_instance(slices, "slices", "examples_table", (list, tuple), "a list of slice names")
    cols: dict[str, list[Any]] = {n: [] for n in examples_schema(slices).names}
    for item in examples:
        ex = item if isinstance(item, Example) else Example.model_validate(dict(item))
        cols["example_id"].append(ex.example_id)
        cols["cluster"].append(ex.cluster)
        for s in slices:
            v = ex.slices.get(s)
            cols[s].append(None if v is None else str(v))
        cols["input"].append(_json_text(ex.input))
        cols["reference"].append(_json_text(ex.reference))
    schema = examples_schema(slices)
    arrays = [pa.array(cols[f.name], pa.string()) for f in schema]
    arrays = [
        a.dictionary_encode() if f.type == SLICE_TYPE else a
        for a, f in zip(arrays, schema, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def table_digest(table: pa.Table) -> str:
    """Digest of a table's content: column names, values and nulls, in row order.

    Hashes Arrow buffers (offsets and bytes of strings, IEEE values of numbers), which depend
    only on the values, so the digest is the same on any machine. The buffers are hashed where
    they lie (no copies); a column without nulls, or with nothing but nulls, hashes the same
    bytes it would spell out (a mask of zeros or ones, zeros for its values) without building
    them per column.
    """
    h = hashlib.sha256()
    n = table.num_rows
    blank = _Blank(n)
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        h.update(name.encode() + b"\x1d")
        nulls = col.null_count
        if n and nulls == 0:
            h.update(blank.zeros(n))
        elif n and nulls == n:
            h.update(blank.ones())
        else:
            h.update(_bytes(numpy_array(pc.is_null(col))))
        if pa.types.is_string(col.type):
            if n and nulls == n:  # "" in every row: offsets all 0, no bytes
                h.update(blank.zeros(4 * (n + 1)))
                continue
            filled = pc.fill_null(col, _EMPTY) if nulls else col
            offsets = np.frombuffer(filled.buffers()[1], dtype=np.int32)
            offsets = offsets[filled.offset : filled.offset + len(filled) + 1]
            h.update(_bytes(offsets - offsets[0] if offsets[0] else offsets))
            data = filled.buffers()[2]
            if data is not None:
                h.update(memoryview(data)[int(offsets[0]) : int(offsets[-1])])
        elif n and nulls == n and _fixed_width_number(col.type):  # every value filled with 0
            h.update(blank.zeros(n * col.type.bit_width // 8))
        elif _as_numpy(col.type):
            h.update(_bytes(numpy_array(col, fill=False if pa.types.is_boolean(col.type) else 0)))
        else:
            _update_spelled(h, col)
    return h.hexdigest()


def _as_numpy(kind: pa.DataType) -> bool:
    """Whether a column of this type is hashed as NumPy gives its values (nulls as 0).

    Numbers, flags, dates, timestamps and durations become fixed-width NumPy values; any
    other type would become Python objects, whose memory says nothing about their values.
    """
    return bool(
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_duration(kind)
    )


def _update_spelled(h: Any, col: pa.Array) -> None:
    """Hash each value of any other type (times, decimals, bytes, lists...) by its ``repr``.

    Length-prefixed, so no two columns of values spell the same bytes; nulls spell ``None``
    (the null mask is hashed besides).
    """
    for value in col.to_pylist():
        text = repr(value).encode()
        h.update(len(text).to_bytes(8, "little") + text)


def _fixed_width_number(kind: pa.DataType) -> bool:
    """Whether ``numpy_array(..., fill=0)`` gives this type as fixed-width numbers."""
    return bool(pa.types.is_integer(kind) or (pa.types.is_floating(kind) and kind.bit_width >= 32))


def _bytes(values: np.ndarray) -> memoryview:
    """The bytes of ``values`` in memory order, without a copy when they are contiguous.

    Viewed as bytes first: a buffer of dates or timestamps cannot be cast directly.
    """
    return np.ascontiguousarray(values).view(np.uint8).data


class _Blank:
    """Zero bytes and a mask of ones for :func:`table_digest`, made once per table."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._zeros = b""
        self._ones = b""

    def zeros(self, size: int) -> memoryview:
        if len(self._zeros) < size:
            self._zeros = bytes(size)
        return memoryview(self._zeros)[:size]

    def ones(self) -> bytes:
        if not self._ones:
            self._ones = b"\x01" * self.n
        return self._ones


def examples_digest(table: pa.Table) -> str:
    """Digest of an examples table: independent of row and column order."""
    check_instance(table, "table", "examples_digest", pa.Table, "a pyarrow.Table")
    ordered = None
    text = all(pa.types.is_string(t) for t in table.schema.types)
    one_id = len(table.schema.get_all_field_indices("example_id")) == 1  # else the kernels' error
    if not kernels_pay(table.num_rows) and text and one_id:
        ordered = by_id_in_python(table)
    if ordered is None:
        ordered = table.take(pc.sort_indices(table, sort_keys=[("example_id", "ascending")]))
    return table_digest(ordered.select(sorted(ordered.column_names)))


PYTHON_ROWS = 20_000
"""Most rows a suite's examples are sorted and checked for repeated ids in Python, while
pyarrow's compute kernels are not loaded: about 20,000 rows in shuffled order take as long in
Python as the kernels' import and their own work (about 30 ms CPU; at 40,000 rows Python takes
30 ms more), and a run of a stored suite never needs the kernels otherwise."""


def kernels_pay(n_rows: int) -> bool:
    """Whether ``pyarrow.compute`` is the quicker way over ``n_rows`` rows: it is loaded
    already, or the rows are too many for Python."""
    return n_rows > PYTHON_ROWS or "pyarrow.compute" in sys.modules


def by_id_in_python(table: pa.Table) -> pa.Table | None:
    """``table.take(pc.sort_indices(table, [("example_id", "ascending")]))`` for a table of
    text columns, sorted in Python: Python orders text by code point, as Arrow's byte order of
    UTF-8 does, and both sorts are stable. ``None`` where Python cannot: a null id, or bytes
    that are not UTF-8 (Arrow does not check a table built from buffers; its kernels order
    and hash the bytes as they are)."""
    if table.column("example_id").null_count:
        return None
    try:
        columns = {name: table.column(name).to_pylist() for name in table.column_names}
    except UnicodeDecodeError:
        return None
    ids = columns["example_id"]
    order = sorted(range(len(ids)), key=ids.__getitem__)
    arrays = [string_array([values[i] for i in order]) for values in columns.values()]
    return pa.Table.from_arrays(arrays, schema=table.schema)


@dataclass(frozen=True)
class SuiteData:
    """A suite definition together with its examples table."""

    suite: Suite
    """The definition (name, metrics, slices, catalog, digest)."""
    examples: pa.Table
    """One row per example: ``example_id``, ``cluster``, slice columns, ``input``, ``reference``."""

    @property
    def digest(self) -> str:
        """The suite's content digest."""
        return self.suite.digest

    @property
    def name(self) -> str:
        """The suite's name."""
        return self.suite.name

    @property
    def version(self) -> str:
        """The suite's version label."""
        return self.suite.version
