"""The attributes slices are made of: categorical columns as they are, numeric fields binned.

Binning is deterministic: the edges are the sample quantiles at ``1/b, 2/b, ...`` of the
field's values (the ``"lower"`` method, so every edge is a value that occurs), repeated edges
dropped, and the bins are ``[edge_i, edge_{i+1})`` with the last one closed. The same
predicate read back from its description selects the same rows (see :class:`Predicate`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay._util.arrow import numpy_array
from assay.errors import DataError

__all__ = ["AttributeCodes", "Predicate", "encode_attributes", "input_length"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DERIVED = "input_length"
"""A numeric field computed from the input: its length in characters."""


@dataclass(frozen=True)
class Predicate:
    """One condition of a slice: ``attribute = value``, or ``low <= attribute < high``."""

    attribute: str
    value: str | None = None
    """The category, for a categorical attribute."""
    low: float | None = None
    """Lower bound (inclusive) of a binned numeric field; None: unbounded."""
    high: float | None = None
    """Upper bound (exclusive) of a binned numeric field; None: unbounded."""

    def describe(self) -> str:
        """``domain = tweets``, ``input_length < 60``, ``60 <= input_length < 120``."""
        if self.value is not None:
            return f"{self.attribute} = {self.value}"
        low, high = _number(self.low), _number(self.high)
        if self.low is None:
            return f"{self.attribute} < {high}"
        if self.high is None:
            return f"{self.attribute} >= {low}"
        return f"{low} <= {self.attribute} < {high}"

    def matches(self, column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
        """Which rows of ``column`` (the attribute's values) satisfy the predicate."""
        if self.value is not None:
            text = column.cast(pa.string())
            return np.asarray(numpy_array(pc.fill_null(pc.equal(text, self.value), False)))
        x = np.asarray(numpy_array(column.cast(pa.float64())), dtype=np.float64)
        ok = ~np.isnan(x)
        with np.errstate(invalid="ignore"):
            if self.low is not None:
                ok &= x >= self.low
            if self.high is not None:
                ok &= x < self.high
        return ok

    def to_dict(self) -> dict[str, object]:
        """Plain JSON types."""
        return {
            "attribute": self.attribute,
            "value": self.value,
            "low": self.low,
            "high": self.high,
        }


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


@dataclass(frozen=True, eq=False)
class AttributeCodes:
    """Each example's code per attribute (-1: no value) and the predicate each code stands for."""

    names: tuple[str, ...]
    codes: IntArray
    predicates: tuple[tuple[Predicate, ...], ...]
    """Per attribute, the predicate of each code."""
    binned: tuple[str, ...]
    """The attributes that are binned numeric fields."""


def input_length(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Length in characters of each input (a JSON string is measured decoded)."""
    out: list[int | None] = []
    for text in column.cast(pa.string()).to_pylist():
        if text is None:
            out.append(None)
            continue
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        out.append(len(value) if isinstance(value, str) else len(text))
    return pa.array(out, type=pa.int64())


def _categories(name: str, column: pa.ChunkedArray) -> tuple[IntArray, tuple[Predicate, ...]]:
    text = column.cast(pa.string())
    values = sorted(v for v in pc.unique(text).to_pylist() if v is not None)
    lookup = pc.index_in(text, value_set=pa.array(values, type=pa.string()))
    codes = np.asarray(numpy_array(pc.fill_null(lookup, -1)), dtype=np.int64)
    return codes, tuple(Predicate(name, value=v) for v in values)


def _bins(name: str, column: pa.ChunkedArray, bins: int) -> tuple[IntArray, tuple[Predicate, ...]]:
    x = np.asarray(numpy_array(column.cast(pa.float64())), dtype=np.float64)
    seen = x[~np.isnan(x)]
    if seen.size == 0:
        return np.full(x.size, -1, dtype=np.int64), ()
    qs = np.arange(1, bins) / bins
    inner = np.unique(np.quantile(seen, qs, method="lower"))
    inner = inner[inner > seen.min()]
    edges = [None, *(float(e) for e in inner), None]
    codes = np.searchsorted(inner, x, side="right").astype(np.int64)
    codes[np.isnan(x)] = -1
    preds = tuple(Predicate(name, low=edges[i], high=edges[i + 1]) for i in range(len(edges) - 1))
    return codes, preds


def encode_attributes(
    table: pa.Table, categorical: Sequence[str], numeric: Sequence[str], *, bins: int = 4
) -> AttributeCodes:
    """Codes for the ``categorical`` columns (values in sorted order) and the ``numeric``
    fields binned at quantiles; ``input_length`` is computed from ``input`` when asked for."""
    names: list[str] = []
    columns: list[IntArray] = []
    predicates: list[tuple[Predicate, ...]] = []
    for name in [*categorical, *numeric]:
        if name == DERIVED and name not in table.column_names and "input" in table.column_names:
            column = pa.chunked_array([input_length(table.column("input"))])
        elif name in table.column_names:
            column = table.column(name)
        else:
            raise DataError(
                f"no column {name!r} to slice on",
                column=name,
                expected="a slice attribute or numeric field of the records",
                found=f"columns {table.column_names[:12]}",
            )
        if name in numeric:
            if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
                raise DataError(
                    f"field {name!r} cannot be binned",
                    column=name,
                    expected="numbers",
                    found=str(column.type),
                )
            codes, preds = _bins(name, column, bins)
        else:
            codes, preds = _categories(name, column)
        names.append(name)
        columns.append(codes)
        predicates.append(preds)
    matrix = np.stack(columns, axis=1) if columns else np.zeros((table.num_rows, 0), np.int64)
    return AttributeCodes(tuple(names), matrix, tuple(predicates), tuple(numeric))
