"""The readout's input: sums per metric and arm from either form of data, arms in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from assay.errors import DataError, ParameterError
from assay.online._aggregate import UnitAggregate, aggregate_units
from assay.online._settings import ReadoutSettings
from assay.online._table import (
    ArmMetricSums,
    DataSource,
    is_sufficient_statistics,
    load_table,
    parse_sufficient_statistics,
)
from assay.stats import MeanSums

__all__ = ["ReadoutInput", "metric_kind", "planned_shares", "read_input", "with_row"]


@dataclass(frozen=True)
class ReadoutInput:
    """The sums a readout works from, with the arms control first."""

    entries: list[ArmMetricSums]
    """One entry per metric and arm (mean, proportion, count and ratio metrics)."""
    aggregate: UnitAggregate | None
    """The reduction of unit-level rows (quantile values, caps, unit counts); ``None`` for a
    sufficient-statistics table."""
    arms: list[str]
    """Arm names, control first."""

    def by_metric(self) -> dict[str, dict[str, ArmMetricSums]]:
        """The entries by metric, then by arm, metrics in input order."""
        out: dict[str, dict[str, ArmMetricSums]] = {}
        for e in self.entries:
            out.setdefault(e.metric, {})[e.arm] = e
        return out

    def arm_sizes(self) -> dict[str, int]:
        """Units per arm: rows for unit-level data, else the largest ``n`` over its metrics."""
        if self.aggregate is not None:
            return {a: self.aggregate.counts[a] for a in self.arms}
        out = {a: 0 for a in self.arms}
        for e in self.entries:
            out[e.arm] = max(out[e.arm], int(e.sums.n))
        return out


def _columns(data: DataSource) -> list[str]:
    if isinstance(data, pa.Table):
        return list(data.column_names)
    if hasattr(data, "columns") and hasattr(data, "dtypes"):
        return [str(c) for c in data.columns]
    path = str(data)
    if path.lower().endswith((".parquet", ".pq")):
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"cannot read the file: {exc}", file=path) from exc
    return list(load_table(data).column_names)


def _table_entries(
    data: DataSource, settings: ReadoutSettings, file: str | None
) -> list[ArmMetricSums]:
    """The entries of a sufficient-statistics table, restricted to the metrics asked for."""
    if settings.winsorize is not None:
        raise ParameterError(
            "winsorize",
            "readout",
            "None for sufficient statistics (capping needs unit-level rows)",
            settings.winsorize,
        )
    entries = parse_sufficient_statistics(load_table(data), file)
    if settings.metrics is None:
        return entries
    wanted = [m if isinstance(m, str) else m.name for m in settings.metrics]
    known = {e.metric for e in entries}
    for m in wanted:
        if m not in known:
            raise DataError(
                f"metric {m!r} is not in the table",
                file=file,
                column="metric",
                expected="one of " + ", ".join(sorted(known)),
            )
    return [e for e in entries if e.metric in wanted]


def _ordered_arms(arms: list[str], control: str | None, file: str | None, column: str) -> list[str]:
    """The arms with ``control`` first; at least two of them."""
    if control is not None and control not in arms:
        raise DataError(
            f"the control arm {control!r} is not in the data",
            file=file,
            column=column,
            expected="one of " + ", ".join(arms),
        )
    if control is not None:
        arms.remove(control)
        arms.insert(0, control)
    if len(arms) < 2:
        raise DataError(
            "an experiment needs at least two arms",
            file=file,
            column=column,
            found=", ".join(arms) or "none",
        )
    return arms


def read_input(data: DataSource, settings: ReadoutSettings, file: str | None) -> ReadoutInput:
    """Sums per metric and arm from unit-level rows or a sufficient-statistics table."""
    unit_level = settings.unit_level
    if unit_level is None:
        unit_level = not is_sufficient_statistics(_columns(data))
    aggregate: UnitAggregate | None = None
    if unit_level:
        aggregate = aggregate_units(
            data,
            settings.metrics,
            arm_column=settings.arm_column,
            unit_column=settings.unit_column,
            winsorize=settings.winsorize,
        )
        table = pa.Table.from_pandas(aggregate.sums, preserve_index=False)
        entries = parse_sufficient_statistics(table, file) if aggregate.sums.shape[0] else []
        arms = list(aggregate.arms)
    else:
        entries = _table_entries(data, settings, file)
        arms = list(dict.fromkeys(e.arm for e in entries))
    arms = _ordered_arms(arms, settings.control, file, settings.arm_column)
    return ReadoutInput(entries, aggregate, arms)


def metric_kind(entries: list[ArmMetricSums], file: str | None) -> str:
    """The metric's kind as stated in the table, else inferred from its sums."""
    kinds = {e.kind for e in entries if e.kind is not None}
    if len(kinds) > 1:
        raise DataError(
            f"metric {entries[0].metric!r} has different kinds across arms: {sorted(kinds)}",
            file=file,
            column="kind",
        )
    if kinds:
        return kinds.pop()
    if not isinstance(entries[0].sums, MeanSums):
        return "ratio"
    binary = all(
        isinstance(e.sums, MeanSums)
        and e.sums.sum == e.sums.sum_squares
        and 0 <= e.sums.sum <= e.sums.n
        for e in entries
    )
    return "proportion" if binary else "mean"


def planned_shares(
    planned: Mapping[str, float] | Sequence[float] | None, arms: list[str], file: str | None
) -> list[float] | None:
    """The planned split in arm order (``None``: an equal split)."""
    if planned is None:
        return None
    if isinstance(planned, Mapping):
        for name in planned:
            if name not in arms:
                raise DataError(
                    f"the planned split names arm {name!r}, which is not in the data",
                    file=file,
                    column="arm",
                    expected="one of " + ", ".join(arms),
                )
        for name in arms:
            if name not in planned:
                raise DataError(
                    f"arm {name!r} is in the data but not in the planned split",
                    file=file,
                    column="arm",
                    expected="one of " + ", ".join(planned),
                )
        return [float(planned[a]) for a in arms]
    shares = [float(v) for v in planned]
    if len(shares) != len(arms):
        raise ParameterError(
            "planned_split", "readout", f"{len(arms)} shares, one per arm", planned
        )
    return shares


def with_row(exc: DataError, file: str | None, row: int) -> DataError:
    """``exc`` located at ``row`` of ``file``."""
    return DataError(
        exc.reason, file=file, row=row, column=exc.column, expected=exc.expected, found=exc.found
    )
