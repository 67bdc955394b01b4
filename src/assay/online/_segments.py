"""Lift by segment (a column of unit-level rows) and cumulative lift day by day.

Each segment's lift is the readout of that segment's rows alone, under the experiment's
settings and with the experiment's control arm, so a segment's numbers are exactly what
``assay ab readout`` gives on a file holding only those rows. Segments are exploratory: their
p-values are adjusted by Benjamini–Hochberg across every segment, metric and arm, their
intervals are marginal, and a segment too small to read is listed with the reason.

The cumulative lift at the end of each day is the readout of every row up to that day. Read
with fixed-horizon intervals, these are looks the plan did not make: they show the trend and
must not be acted on; with sequential settings the intervals are always valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay.errors import DataError
from assay.online._readout import adjust_family, readout
from assay.online._result import jsonable
from assay.online._settings import ReadoutSettings
from assay.online._table import DataSource, is_sufficient_statistics, load_table, source_name
from assay.stats import LiftResult

__all__ = [
    "MAX_SEGMENTS",
    "CumulativeLift",
    "DailyLift",
    "SegmentBreakdown",
    "SegmentLift",
    "cumulative_lift",
    "segment_breakdown",
    "without_columns",
]

MAX_SEGMENTS = 100
"""More distinct values than this is an id, not a segment."""
MISSING = "(missing)"


@dataclass(frozen=True)
class SegmentLift:
    """The readout of one segment's rows."""

    segment: str
    """The segment's value (``(missing)`` for empty cells)."""
    n_by_arm: dict[str, int]
    """Users per arm in the segment."""
    lifts: tuple[LiftResult, ...]
    """Every treatment arm against control, per metric; p-values adjusted across segments."""
    skipped: str | None = None
    """Why the segment could not be read (then ``lifts`` is empty)."""


@dataclass(frozen=True)
class SegmentBreakdown:
    """Lift per segment of one column."""

    column: str
    """The segment column."""
    control: str
    """The control arm every segment is read against."""
    segments: tuple[SegmentLift, ...]
    """One per value, in sorted order."""
    adjustment: str
    """How the segments' p-values were adjusted, and that the breakdown is exploratory."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        out: dict[str, Any] = jsonable(self)
        return out


@dataclass(frozen=True)
class DailyLift:
    """The cumulative readout at the end of one day."""

    day: str
    """The day (the column's value)."""
    n_by_arm: dict[str, int]
    """Users per arm up to and including this day."""
    lifts: tuple[LiftResult, ...]
    """Every treatment arm against control, per metric, on the rows up to this day."""
    skipped: str | None = None
    """Why this day could not be read yet (then ``lifts`` is empty)."""


@dataclass(frozen=True)
class CumulativeLift:
    """The lift read at the end of each day on every row so far."""

    column: str
    """The day column."""
    control: str
    """The control arm."""
    days: tuple[DailyLift, ...]
    """One per day, in order."""
    note: str
    """What the daily intervals may be used for."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        out: dict[str, Any] = jsonable(self)
        return out


def without_columns(data: DataSource, columns: Sequence[str]) -> pa.Table:
    """Unit-level rows without ``columns`` (a segment or day column is not a metric)."""
    table = _unit_rows(data, columns)
    return table.drop_columns([c for c in columns if c in table.column_names])


def _unit_rows(data: DataSource, columns: Sequence[str]) -> pa.Table:
    table = load_table(data)
    file = source_name(data)
    if is_sufficient_statistics(table.column_names):
        raise DataError(
            "segments and days need unit-level rows",
            file=file,
            expected="one row per user with its arm, metrics and the segment or day column",
            found="per-arm sufficient statistics",
        )
    for column in columns:
        if column not in table.column_names:
            raise DataError(
                "no such column", file=file, column=column, expected="a column of the rows"
            )
    return table


def _values(table: pa.Table, column: str) -> pa.Array:
    texts = pc.cast(table.column(column), pa.string()).combine_chunks()
    return pc.fill_null(texts, MISSING)


def _settings(settings: ReadoutSettings, control: str) -> ReadoutSettings:
    # One segment's readout: the experiment's control, no adjustment of its own (the
    # adjustment runs across segments), and the input read as unit-level rows.
    return settings.model_copy(
        update={"control": control, "unit_level": True, "multiplicity": "none", "bayesian": False}
    )


def _read(
    rows: pa.Table, settings: ReadoutSettings
) -> tuple[dict[str, int], tuple[LiftResult, ...], str | None]:
    try:
        result = readout(rows, settings)
    except DataError as exc:
        return {}, (), exc.reason
    return dict(result.n_by_arm), result.lifts, None


def segment_breakdown(
    data: DataSource,
    settings: ReadoutSettings,
    column: str,
    *,
    control: str,
    ignore: Sequence[str] = (),
) -> SegmentBreakdown:
    """The lift in each segment of ``column`` (see the module docstring); the columns
    ``ignore`` are not metrics."""
    table = _unit_rows(data, [column])
    values = _values(table, column)
    distinct = sorted(str(v) for v in pc.unique(values).to_pylist())
    if len(distinct) > MAX_SEGMENTS:
        raise DataError(
            f"too many segments ({len(distinct):,})",
            file=source_name(data),
            column=column,
            expected=f"at most {MAX_SEGMENTS} distinct values",
        )
    each = _settings(settings, control)
    rest = table.drop_columns([c for c in {column, *ignore} if c in table.column_names])
    read = []
    for value in distinct:
        rows = rest.filter(pc.equal(values, value))
        read.append((value, *_read(rows, each)))
    lifts = [lift for _, _, found, _ in read for lift in found]
    adjusted = iter(adjust_family(lifts, "bh", None))
    segments = tuple(
        SegmentLift(value, n, tuple(next(adjusted) for _ in found), skipped)
        for value, n, found, skipped in read
    )
    return SegmentBreakdown(
        column=column,
        control=control,
        segments=segments,
        adjustment="exploratory: p-values adjusted by Benjamini-Hochberg across every segment, "
        "metric and arm; intervals are marginal (not adjusted)",
    )


def cumulative_lift(
    data: DataSource,
    settings: ReadoutSettings,
    column: str,
    *,
    control: str,
    ignore: Sequence[str] = (),
) -> CumulativeLift:
    """The lift at the end of each day of ``column``, on every row up to it; the columns
    ``ignore`` are not metrics."""
    table = _unit_rows(data, [column])
    day = table.column(column)
    if day.null_count:
        raise DataError(
            f"{day.null_count:,} row(s) have no day",
            file=source_name(data),
            column=column,
            expected="a day (a date or a day number) on every row",
        )
    days = sorted(pc.unique(day).to_pylist())
    each = _settings(settings, control)
    rest = table.drop_columns([c for c in {column, *ignore} if c in table.column_names])
    out = []
    for d in days:
        n, lifts, skipped = _read(rest.filter(pc.less_equal(day, d)), each)
        out.append(DailyLift(str(d), n, lifts, skipped))
    note = (
        "always-valid (sequential) intervals: every day's look is valid"
        if settings.sequential
        else "fixed-horizon intervals read every day are looks the plan did not make: they show "
        "the trend, and only the planned final look decides"
    )
    return CumulativeLift(column=column, control=control, days=tuple(out), note=note)
