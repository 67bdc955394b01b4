"""Unit-level rows to per-arm sufficient statistics, streamed in batches.

Rows are read a batch at a time (Parquet row batches are decoded straight from the file), each
batch's rows are gathered by arm, and every sum is a contiguous reduction, so the cost is close
to decoding the columns once and memory stays at a few batches. Sums of batches add up
exactly, so the result does not depend on the batch size beyond floating-point rounding.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from assay._util import check_number
from assay.errors import DataError
from assay.online._aggregate_scan import (
    FloatArray,
    UnitScan,
    column_values,
    is_numeric,
    sum_rows,
)
from assay.online._metrics import MetricSpec, default_metrics, parse_metric
from assay.online._table import SUFFICIENT_STATISTICS_COLUMNS, DataSource, load_table, source_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["UnitAggregate", "Winsorization", "aggregate_units"]

BATCH_ROWS = 1 << 17


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
    specs = _metric_specs(schema, metrics, (arm_column, unit_column), file)
    use_units = check_units and unit_column in schema.names
    wanted = _wanted_columns(specs, arm_column, unit_column if use_units else None, schema, file)
    quantiles = any(s.kind == "quantile" for s in specs)
    batches, full = _source(data, wanted, winsorize is not None or quantiles, table)
    caps = _caps(full, specs, winsorize, file) if winsorize is not None else {}
    scan = UnitScan(
        specs,
        caps,
        arm_column=arm_column,
        unit_column=unit_column if use_units else None,
        file=file,
    )
    for batch in batches:
        scan.add(batch)
    return _aggregate(scan, specs, winsorize)


def _metric_specs(
    schema: pa.Schema,
    metrics: Sequence[str | MetricSpec] | None,
    ids: tuple[str, str],
    file: str | None,
) -> list[MetricSpec]:
    """The metrics asked for, else every numeric column but the ids and covariates."""
    if metrics is None:
        specs = default_metrics([f.name for f in schema if is_numeric(f.type)], ids)
    else:
        specs = [m if isinstance(m, MetricSpec) else parse_metric(m, schema.names) for m in metrics]
    if not specs:
        raise DataError(
            "no metric columns", file=file, expected="at least one numeric metric column"
        )
    return specs


def _wanted_columns(
    specs: list[MetricSpec],
    arm_column: str,
    unit_column: str | None,
    schema: pa.Schema,
    file: str | None,
) -> list[str]:
    """The columns to read: the arm, the unit id when checked, and every metric's columns."""
    wanted = [arm_column]
    if unit_column is not None:
        wanted.append(unit_column)
    for spec in specs:
        for col in spec.columns:
            if col not in schema.names:
                raise DataError(
                    f"metric {spec.name!r} needs a missing column", file=file, column=col
                )
            if col not in wanted:
                wanted.append(col)
    return wanted


def _caps(
    full: pa.Table | None, specs: list[MetricSpec], winsorize: float, file: str | None
) -> dict[str, float]:
    """The pooled ``winsorize``-quantile of every column summed (quantile metrics excluded)."""
    caps: dict[str, float] = {}
    if full is None:
        return caps
    for spec in specs:
        for col in spec.columns if spec.kind != "quantile" else ():
            if col not in caps:
                caps[col] = float(np.quantile(column_values(full, col, file), winsorize))
    return caps


def _aggregate(scan: UnitScan, specs: list[MetricSpec], winsorize: float | None) -> UnitAggregate:
    """The scan's sums as a sufficient-statistics table, arms in order of first appearance."""
    by_first = scan.finish()
    names = list(scan.arms.names)
    ordered = [names[c] for c in by_first]
    rows = [row for acc in scan.accs for row in sum_rows(acc, by_first, ordered, scan.counts)]
    import pandas as pd  # here, not with the package: a plan or a design needs none

    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame = frame[[c for c in SUFFICIENT_STATISTICS_COLUMNS if c in frame.columns]]
    caps_out = tuple(
        Winsorization(
            spec.name,
            col,
            float(winsorize),
            scan.caps[col],
            {names[c]: scan.over[col].get(c, 0) for c in by_first},
        )
        for spec in specs
        if spec.kind != "quantile" and winsorize is not None
        for col in spec.columns
    )
    return UnitAggregate(
        sums=frame,
        arms=tuple(ordered),
        counts={names[c]: scan.counts.get(c, 0) for c in by_first},
        quantile_values=scan.quantile_values(by_first),
        quantile_specs=tuple(scan.quantile_specs),
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
