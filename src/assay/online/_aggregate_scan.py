"""The streaming pass over unit-level rows: per-arm running sums, batch by batch.

Each batch's rows are gathered by arm and every sum is a contiguous reduction; the sums of
batches add up exactly, so the result does not depend on the batch size beyond rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay._util.arrow import numpy_array
from assay.errors import DataError
from assay.online._metrics import MetricSpec

__all__ = ["FloatArray", "UnitScan", "column_values", "is_numeric", "sum_rows"]

FloatArray = npt.NDArray[np.float64]
_NUMERIC = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean)


def is_numeric(t: pa.DataType) -> bool:
    return any(check(t) for check in _NUMERIC)


def _first_null(col: pa.Array | pa.ChunkedArray) -> int:
    return int(np.argmax(numpy_array(pc.is_null(col))))


class _Arms:
    """Global arm codes across batches, in order of first appearance."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.first_row: list[int] = []

    def encode(self, col: pa.Array, offset: int, file: str | None) -> npt.NDArray[np.intp]:
        if col.null_count:
            row = offset + _first_null(col)
            raise DataError("missing arm", file=file, row=row, column="arm", expected="an arm name")
        if not pa.types.is_dictionary(col.type):
            col = pc.dictionary_encode(col)
        local = np.array(
            [self.names.setdefault(str(v), len(self.names)) for v in col.dictionary.to_pylist()],
            dtype=np.intp,
        )
        codes = local[numpy_array(col.indices)] if local.size else local
        for code in range(len(self.first_row), len(self.names)):
            hits = np.flatnonzero(codes == code)
            self.first_row.append(offset + int(hits[0]) if hits.size else -1)
        for missing in np.flatnonzero(np.asarray(self.first_row) < 0):
            hits = np.flatnonzero(codes == missing)
            if hits.size:
                self.first_row[int(missing)] = offset + int(hits[0])
        return np.asarray(codes, dtype=np.intp)


@dataclass
class _Acc:
    """Running sums of one metric: per arm, Σ v and Σ v vᵀ over its variables."""

    spec: MetricSpec
    columns: list[str]
    sums: dict[int, FloatArray] = field(default_factory=dict)
    second: dict[int, FloatArray] = field(default_factory=dict)

    def add(self, arm: int, seg: list[FloatArray]) -> None:
        m = len(seg)
        s = self.sums.setdefault(arm, np.zeros(m))
        q = self.second.setdefault(arm, np.zeros((m, m)))
        for i in range(m):
            s[i] += seg[i].sum()
            for j in range(i, m):
                q[i, j] += np.einsum("i,i->", seg[i], seg[j])


def _values(batch: pa.RecordBatch, column: str, offset: int, file: str | None) -> FloatArray:
    col = batch.column(column)
    if not is_numeric(col.type):
        raise DataError(
            "not a numeric column",
            file=file,
            column=column,
            expected="numbers",
            found=str(col.type),
        )
    if col.null_count:
        raise DataError(
            "missing value (fill it, e.g. with 0 for a unit without pre-period activity)",
            file=file,
            row=offset + _first_null(col),
            column=column,
            expected="a number",
        )
    return np.asarray(numpy_array(col), dtype=np.float64)


def column_values(table: pa.Table, column: str, file: str | None) -> FloatArray:
    col = table.column(column)
    if not is_numeric(col.type):
        raise DataError(
            "not a numeric column",
            file=file,
            column=column,
            expected="numbers",
            found=str(col.type),
        )
    if col.null_count:
        raise DataError(
            "missing value", file=file, row=_first_null(col), column=column, expected="a number"
        )
    arr = np.asarray(numpy_array(col), dtype=np.float64)
    _check_finite(arr, 0, column, file)
    return arr


def _check_finite(v: FloatArray, offset: int, column: str, file: str | None) -> None:
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            "not a finite number", file=file, row=offset + i, column=column, found=str(v[i])
        )


def _unit_ids(column: pa.Array) -> Any:
    """What :func:`_check_units` compares of a batch's unit ids: text stays Arrow (decoded
    from a dictionary), anything else becomes NumPy values."""
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.large_string())
    return numpy_array(column)


def _check_units(ids: list[Any], file: str | None, unit_column: str) -> None:
    if not ids:
        return
    if all(isinstance(a, np.ndarray) and a.dtype.kind in "iu" for a in ids):
        flat = np.concatenate(ids)
        ordered = np.sort(flat)
        dup = np.flatnonzero(ordered[1:] == ordered[:-1])
        if dup.size == 0:
            return
        value: Any = ordered[dup[0]]
        rows = [int(r) for r in np.flatnonzero(flat == value)[:2]]
    elif all(isinstance(a, pa.Array) for a in ids):  # text: hashed by pyarrow, no pandas
        text = pa.chunked_array(ids, pa.large_string())
        if len(pc.unique(text)) == len(text):
            return
        value, rows = _first_repeat(text.to_pylist())
    else:
        import pandas as pd  # other ids (floats, times) as pandas compares them

        series = pd.Series(np.concatenate([np.asarray(a, dtype=object) for a in ids]))
        dups = np.flatnonzero(series.duplicated().to_numpy())
        if dups.size == 0:
            return
        value = series.iloc[dups[0]]
        rows = [int(np.flatnonzero((series == value).to_numpy())[0]), int(dups[0])]
    if isinstance(value, np.generic):  # as the user wrote it: 5, not np.int64(5)
        value = value.item()
    raise DataError(
        f"unit {value!r} appears in rows {rows[0]} and {rows[1]}; a unit must belong to one arm "
        "and be counted once",
        file=file,
        row=rows[1],
        column=unit_column,
        expected="unique unit ids",
    )


def _first_repeat(values: list[Any]) -> tuple[Any, list[int]]:
    """The first value seen before, and the rows of its first two appearances."""
    first: dict[Any, int] = {}
    for row, value in enumerate(values):
        if value in first:
            return value, [first[value], row]
        first[value] = row
    raise AssertionError("no value repeats")  # the caller found a repeat


class UnitScan:
    """Running per-arm sums of the metrics over the batches of unit-level rows.

    Mean, proportion, count and ratio metrics keep Σ v and Σ v vᵀ per arm; quantile metrics
    keep their values (a quantile has no sufficient statistics). Columns in ``caps`` are
    capped before summing and the capped units are counted per arm.
    """

    def __init__(
        self,
        specs: list[MetricSpec],
        caps: dict[str, float],
        *,
        arm_column: str,
        unit_column: str | None,
        file: str | None,
    ) -> None:
        self.arm_column = arm_column
        self.unit_column = unit_column
        self.file = file
        self.caps = caps
        self.arms = _Arms()
        self.accs = [_Acc(s, list(s.columns)) for s in specs if s.kind != "quantile"]
        self.quantile_specs = [s for s in specs if s.kind == "quantile"]
        self.counts: dict[int, int] = {}
        self.over: dict[str, dict[int, int]] = {c: {} for c in caps}
        self.unit_ids: list[Any] = []
        self.quantile_parts: dict[str, list[tuple[npt.NDArray[np.intp], FloatArray]]] = {
            s.name: [] for s in self.quantile_specs
        }
        self.offset = 0

    def add(self, batch: pa.RecordBatch) -> None:
        """Add one batch of rows."""
        offset, file = self.offset, self.file
        codes = self.arms.encode(batch.column(self.arm_column), offset, file)
        if self.unit_column is not None:
            ucol = batch.column(self.unit_column)
            if ucol.null_count:
                raise DataError(
                    "missing unit id",
                    file=file,
                    row=offset + _first_null(ucol),
                    column=self.unit_column,
                )
            if pa.types.is_floating(ucol.type) and pc.any(pc.is_nan(ucol)).as_py():
                raise DataError(  # NaN names no unit (and equals no other NaN)
                    "missing unit id",
                    file=file,
                    row=offset + int(np.argmax(numpy_array(pc.is_nan(ucol)))),
                    column=self.unit_column,
                    found="NaN",
                )
            self.unit_ids.append(_unit_ids(ucol))
        self._add_sums(batch, codes)
        for spec in self.quantile_specs:
            v = _values(batch, spec.value_column, offset, file)
            _check_finite(v, offset, spec.value_column, file)
            self.quantile_parts[spec.name].append((codes, v))
        self.offset += batch.num_rows

    def _add_sums(self, batch: pa.RecordBatch, codes: npt.NDArray[np.intp]) -> None:
        """The batch's rows gathered by arm, then one contiguous reduction per arm and sum."""
        offset, file, caps = self.offset, self.file, self.caps
        k = len(self.arms.names)
        # With two arms, two flatnonzero passes are cheaper than a sort.
        order = (
            np.argsort(codes, kind="stable")
            if k > 2
            else np.concatenate([np.flatnonzero(codes == a) for a in range(k)])
        )
        bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=k))])
        for a in range(k):
            if bounds[a + 1] > bounds[a]:
                self.counts[a] = self.counts.get(a, 0) + int(bounds[a + 1] - bounds[a])
        cache: dict[str, FloatArray] = {}
        for acc in self.accs:
            gathered = []
            for col in acc.columns:
                if col not in cache:
                    v = _values(batch, col, offset, file)
                    if col in caps:
                        hit = np.bincount(codes[v > caps[col]], minlength=k)
                        for a in range(k):
                            self.over[col][a] = self.over[col].get(a, 0) + int(hit[a])
                        v = np.minimum(v, caps[col])
                    cache[col] = v[order]
                gathered.append(cache[col])
            for a in range(k):
                lo, hi = int(bounds[a]), int(bounds[a + 1])
                if hi > lo:
                    acc.add(a, [g[lo:hi] for g in gathered])
            # Non-finite values are looked for only when a sum is not finite: the common case
            # pays nothing for the check.
            if not all(np.isfinite(s).all() for s in acc.sums.values()):
                for col in acc.columns:
                    _check_finite(_values(batch, col, offset, file), offset, col, file)

    def finish(self) -> list[int]:
        """Check the unit ids and that there were rows; the arm codes in order of first row."""
        if self.unit_column is not None:
            _check_units(self.unit_ids, self.file, self.unit_column)
        if not self.arms.names:
            raise DataError("the data has no rows", file=self.file, expected="one row per unit")
        first_row = self.arms.first_row
        seen = [c for c in range(len(self.arms.names)) if first_row[c] >= 0]
        return sorted(seen, key=lambda c: first_row[c])

    def quantile_values(self, by_first: list[int]) -> dict[str, tuple[FloatArray, ...]]:
        """Per quantile metric, the unit values of each arm in ``by_first`` order."""
        out = {}
        for name, parts in self.quantile_parts.items():
            all_codes = np.concatenate([p[0] for p in parts])
            all_values = np.concatenate([p[1] for p in parts])
            out[name] = tuple(all_values[all_codes == c] for c in by_first)
        return out


def sum_rows(
    acc: _Acc, by_first: list[int], arms: list[str], counts: dict[int, int]
) -> list[dict[str, Any]]:
    spec = acc.spec
    m = len(acc.columns)
    names = ["num", "den", "num_pre", "den_pre"][:m] if spec.kind == "ratio" else ["y", "x"][:m]
    out = []
    for code, arm in zip(by_first, arms, strict=True):
        sv = acc.sums.get(code, np.zeros(m))
        qv = acc.second.get(code, np.zeros((m, m)))
        s = {names[i]: float(sv[i]) for i in range(m)}
        prod = {(names[i], names[j]): float(qv[i, j]) for i in range(m) for j in range(i, m)}
        row: dict[str, Any] = {
            "metric": spec.name,
            "kind": spec.kind,
            "arm": arm,
            "n": counts.get(code, 0),
        }
        if spec.kind == "ratio":
            row |= {
                "sum_num": s["num"],
                "sum_den": s["den"],
                "sum_squares_num": prod[("num", "num")],
                "sum_squares_den": prod[("den", "den")],
                "sum_num_den": prod[("num", "den")],
            }
            if m == 4:
                row |= {
                    "sum_num_pre": s["num_pre"],
                    "sum_den_pre": s["den_pre"],
                    "sum_squares_num_pre": prod[("num_pre", "num_pre")],
                    "sum_squares_den_pre": prod[("den_pre", "den_pre")],
                    "sum_num_den_pre": prod[("num_pre", "den_pre")],
                    "sum_cross_num_num": prod[("num", "num_pre")],
                    "sum_cross_num_den": prod[("num", "den_pre")],
                    "sum_cross_den_num": prod[("den", "num_pre")],
                    "sum_cross_den_den": prod[("den", "den_pre")],
                }
        else:
            row |= {"sum": s["y"], "sum_squares": prod[("y", "y")]}
            if m == 2:
                row |= {
                    "sum_pre": s["x"],
                    "sum_squares_pre": prod[("x", "x")],
                    "sum_cross": prod[("y", "x")],
                }
        out.append(row)
    return out
