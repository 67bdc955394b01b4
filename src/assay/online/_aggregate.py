"""Unit-level rows to per-arm sufficient statistics, streamed in batches.

Rows are read a batch at a time (Parquet row batches are decoded straight from the file), each
batch's rows are gathered by arm, and every sum is a contiguous reduction, so the cost is close
to decoding the columns once and memory stays at a few batches. Sums of batches add up
exactly, so the result does not depend on the batch size beyond floating-point rounding.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assay._util import check_number
from assay.errors import DataError
from assay.online._metrics import MetricSpec, default_metrics, parse_metric
from assay.online._table import SUFFICIENT_STATISTICS_COLUMNS, DataSource, load_table, source_name

__all__ = ["UnitAggregate", "Winsorization", "aggregate_units"]

FloatArray = npt.NDArray[np.float64]
BATCH_ROWS = 1 << 17
_NUMERIC = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean)


@dataclass(frozen=True)
class Winsorization:
    """An outlier cap applied to one column before summing."""

    metric: str
    """Metric the column belongs to."""
    column: str
    """The capped column."""
    quantile: float
    """Quantile of the pooled arms at which the column was capped."""
    cap: float
    """The cap: values above it were replaced by it."""
    capped: dict[str, int]
    """Units capped, per arm."""


@dataclass(frozen=True)
class UnitAggregate:
    """Sufficient statistics of unit-level rows, plus what sums cannot hold (quantiles)."""

    sums: pd.DataFrame
    """The sufficient-statistics table (one row per metric and arm)."""
    arms: tuple[str, ...]
    """Arm names in order of first appearance."""
    counts: dict[str, int]
    """Rows (units) per arm."""
    quantile_values: dict[str, tuple[FloatArray, ...]] = field(default_factory=dict)
    """Per quantile metric, the unit values of each arm (in ``arms`` order)."""
    quantile_specs: tuple[MetricSpec, ...] = ()
    """The quantile metrics."""
    winsorization: tuple[Winsorization, ...] = ()
    """Caps applied (empty without winsorisation)."""


def _is_numeric(t: pa.DataType) -> bool:
    return any(check(t) for check in _NUMERIC)


def _first_null(col: pa.Array | pa.ChunkedArray) -> int:
    return int(np.argmax(pc.is_null(col).to_numpy(zero_copy_only=False)))


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
        codes = local[col.indices.to_numpy(zero_copy_only=False)] if local.size else local
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
    if not _is_numeric(col.type):
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
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def _column_values(table: pa.Table, column: str, file: str | None) -> FloatArray:
    col = table.column(column)
    if not _is_numeric(col.type):
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
    arr = np.asarray(col.to_numpy(), dtype=np.float64)
    _check_finite(arr, 0, column, file)
    return arr


def _check_finite(v: FloatArray, offset: int, column: str, file: str | None) -> None:
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            "not a finite number", file=file, row=offset + i, column=column, found=str(v[i])
        )


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
    else:
        series = pd.Series(np.concatenate([np.asarray(a, dtype=object) for a in ids]))
        dups = np.flatnonzero(series.duplicated().to_numpy())
        if dups.size == 0:
            return
        value = series.iloc[dups[0]]
        rows = [int(np.flatnonzero((series == value).to_numpy())[0]), int(dups[0])]
    raise DataError(
        f"unit {value!r} appears in rows {rows[0]} and {rows[1]}; a unit must belong to one arm "
        "and be counted once",
        file=file,
        row=rows[1],
        column=unit_column,
        expected="unique unit ids",
    )


def _source(
    data: DataSource, wanted: list[str], full: bool, table: pa.Table | None
) -> tuple[Iterator[pa.RecordBatch], pa.Table | None]:
    path = str(data) if isinstance(data, str) or hasattr(data, "__fspath__") else None
    if path is not None and path.lower().endswith((".parquet", ".pq")) and not full:
        schema = pq.read_schema(path)
        text = [c for c in wanted[:1] if pa.types.is_string(schema.field(c).type)]
        # Row groups are streamed column chunk by column chunk: pre-buffering whole row groups
        # costs memory and, on a busy machine, time.
        pf = pq.ParquetFile(path, read_dictionary=text, pre_buffer=False, buffer_size=1 << 22)
        return pf.iter_batches(batch_size=BATCH_ROWS, columns=wanted), None
    table = load_table(data if table is None else table, columns=wanted)
    return iter(table.to_batches(max_chunksize=BATCH_ROWS)), table


def aggregate_units(
    data: DataSource,
    metrics: Sequence[str | MetricSpec] | None = None,
    *,
    arm_column: str = "arm",
    unit_column: str = "unit",
    winsorize: float | None = None,
    check_units: bool = True,
) -> UnitAggregate:
    """Aggregate unit-level rows (one row per randomised unit) to sufficient statistics.

    ``data`` is a Parquet or CSV file, a pyarrow Table or a pandas DataFrame with an arm
    column, optionally a unit id column (checked to be unique when ``check_units``), and metric
    columns. ``metrics`` are :class:`MetricSpec` objects or strings parsed by
    :func:`parse_metric`; by default every numeric column except ids and ``*_pre`` covariates.
    With ``winsorize=q`` every metric and covariate column is capped at its q-quantile over the
    pooled arms before summing (quantile metrics are left as they are), and the caps are
    reported. Missing or non-finite values raise DataError naming the row and column.
    """
    file = source_name(data)
    if winsorize is not None:
        check_number(
            winsorize,
            "winsorize",
            "aggregate_units",
            low=0.5,
            high=1,
            low_open=True,
            high_open=True,
        )
    schema, table = _schema(data)
    if arm_column not in schema.names:
        raise DataError(
            "missing column", file=file, column=arm_column, expected="the arm of each unit"
        )
    numeric = [f.name for f in schema if _is_numeric(f.type)]
    if metrics is None:
        specs = default_metrics(numeric, (arm_column, unit_column))
    else:
        specs = [m if isinstance(m, MetricSpec) else parse_metric(m, schema.names) for m in metrics]
    if not specs:
        raise DataError(
            "no metric columns", file=file, expected="at least one numeric metric column"
        )
    wanted = [arm_column]
    use_units = check_units and unit_column in schema.names
    if use_units:
        wanted.append(unit_column)
    for spec in specs:
        for col in spec.columns:
            if col not in schema.names:
                raise DataError(
                    f"metric {spec.name!r} needs a missing column", file=file, column=col
                )
            if col not in wanted:
                wanted.append(col)
    quantile_specs = [s for s in specs if s.kind == "quantile"]
    batches, full = _source(data, wanted, winsorize is not None or bool(quantile_specs), table)
    caps: dict[str, float] = {}
    if winsorize is not None and full is not None:
        for spec in specs:
            for col in spec.columns if spec.kind != "quantile" else ():
                if col not in caps:
                    arr = _column_values(full, col, file)
                    caps[col] = float(np.quantile(arr, winsorize))
    arms = _Arms()
    accs = [_Acc(s, list(s.columns)) for s in specs if s.kind != "quantile"]
    counts: dict[int, int] = {}
    over: dict[str, dict[int, int]] = {c: {} for c in caps}
    unit_ids: list[Any] = []
    quantile_parts: dict[str, list[tuple[npt.NDArray[np.intp], FloatArray]]] = {
        s.name: [] for s in quantile_specs
    }
    offset = 0
    for batch in batches:
        codes = arms.encode(batch.column(arm_column), offset, file)
        if use_units:
            ucol = batch.column(unit_column)
            if ucol.null_count:
                raise DataError(
                    "missing unit id", file=file, row=offset + _first_null(ucol), column=unit_column
                )
            unit_ids.append(ucol.to_numpy(zero_copy_only=False))
        k = len(arms.names)
        order = (
            np.argsort(codes, kind="stable")
            if k > 2
            else np.concatenate([np.flatnonzero(codes == a) for a in range(k)])
        )
        bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=k))])
        for a in range(k):
            if bounds[a + 1] > bounds[a]:
                counts[a] = counts.get(a, 0) + int(bounds[a + 1] - bounds[a])
        cache: dict[str, FloatArray] = {}
        for acc in accs:
            gathered = []
            for col in acc.columns:
                if col not in cache:
                    v = _values(batch, col, offset, file)
                    if col in caps:
                        hit = np.bincount(codes[v > caps[col]], minlength=k)
                        for a in range(k):
                            over[col][a] = over[col].get(a, 0) + int(hit[a])
                        v = np.minimum(v, caps[col])
                    cache[col] = v[order]
                gathered.append(cache[col])
            for a in range(k):
                lo, hi = int(bounds[a]), int(bounds[a + 1])
                if hi > lo:
                    acc.add(a, [g[lo:hi] for g in gathered])
            if not all(np.isfinite(s).all() for s in acc.sums.values()):
                for col in acc.columns:
                    _check_finite(_values(batch, col, offset, file), offset, col, file)
        for spec in quantile_specs:
            v = _values(batch, spec.value_column, offset, file)
            _check_finite(v, offset, spec.value_column, file)
            quantile_parts[spec.name].append((codes, v))
        offset += batch.num_rows
    if use_units:
        _check_units(unit_ids, file, unit_column)
    if not arms.names:
        raise DataError("the data has no rows", file=file, expected="one row per unit")
    seen = [c for c in range(len(arms.names)) if arms.first_row[c] >= 0]
    by_first = sorted(seen, key=lambda c: arms.first_row[c])
    names = list(arms.names)
    ordered = [names[c] for c in by_first]
    rows = [row for acc in accs for row in _sum_rows(acc, by_first, ordered, counts)]
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame = frame[[c for c in SUFFICIENT_STATISTICS_COLUMNS if c in frame.columns]]
    quantiles = {}
    for name, parts in quantile_parts.items():
        all_codes = np.concatenate([p[0] for p in parts])
        all_values = np.concatenate([p[1] for p in parts])
        quantiles[name] = tuple(all_values[all_codes == c] for c in by_first)
    caps_out = tuple(
        Winsorization(
            spec.name,
            col,
            float(winsorize),
            caps[col],
            {names[c]: over[col].get(c, 0) for c in by_first},
        )
        for spec in specs
        if spec.kind != "quantile" and winsorize is not None
        for col in spec.columns
    )
    return UnitAggregate(
        sums=frame,
        arms=tuple(ordered),
        counts={names[c]: counts.get(c, 0) for c in by_first},
        quantile_values=quantiles,
        quantile_specs=tuple(quantile_specs),
        winsorization=caps_out,
    )


def _schema(data: DataSource) -> tuple[pa.Schema, pa.Table | None]:
    if isinstance(data, str) or hasattr(data, "__fspath__"):
        path = str(data)
        if path.lower().endswith((".parquet", ".pq")):
            try:
                return pq.read_schema(path), None
            except (pa.ArrowInvalid, OSError) as exc:
                raise DataError(f"cannot read the file: {exc}", file=path) from exc
    table = load_table(data)
    return table.schema, table


def _sum_rows(
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
