"""One page of a run's records, filtered by slice, error, score and text, computed in Arrow.

The records browser of the dashboard and ``GET /api/v1/runs/{id}/records`` page through runs
of millions of records: the filters run as Arrow compute kernels over the record table (no
Python object per record), and only the page's rows become Python values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assay._util import check_instance, check_int, lazy_module
from assay.errors import DataError, ParameterError
from assay.storage._query import MetricFilter

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:  # the command line lists runs without loading Arrow
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")

__all__ = ["MAX_PAGE", "RecordFilter", "RecordPage", "page_records"]

MAX_PAGE = 500
"""The most records one page may hold."""

_OPS = {">": "greater", ">=": "greater_equal", "<": "less", "<=": "less_equal", "==": "equal"}


@dataclass(frozen=True)
class RecordFilter:
    """Which records to keep; every filter given must match."""

    slices: Mapping[str, str] = field(default_factory=dict)
    """Slice attribute → value the record must have (``{"language": "de"}``)."""
    error: bool | None = None
    """True: only records with an error; False: only those without; None: both."""
    score: MetricFilter | None = None
    """A threshold on one metric's per-record score (``correct<1``)."""
    text: str | None = None
    """Case-insensitive substring of the input, the reference or the output."""

    def __post_init__(self) -> None:
        check_instance(self.slices, "slices", "RecordFilter", Mapping, "a mapping")
        check_instance(self.error, "error", "RecordFilter", (bool, type(None)), "a bool or None")
        check_instance(self.text, "text", "RecordFilter", (str, type(None)), "a string or None")


@dataclass(frozen=True)
class RecordPage:
    """Records ``offset`` to ``offset + len(rows)`` of the ``total`` that match the filter."""

    rows: list[dict[str, Any]]
    total: int
    offset: int
    limit: int


def _column(table: pa.Table, name: str, what: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        raise DataError(
            f"these records have no {what} {name!r}",
            column=name,
            expected=f"one of {table.column_names}",
        )
    return table.column(name)


def _mask(table: pa.Table, where: RecordFilter) -> pa.ChunkedArray | None:
    masks: list[Any] = []
    for name, value in where.slices.items():
        column = _column(table, name, "slice")
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        masks.append(pc.equal(column, str(value)))
    if where.error is not None and "error" in table.column_names:
        has_error = pc.invert(pc.is_null(table.column("error")))
        masks.append(has_error if where.error else pc.invert(has_error))
    elif where.error:
        masks.append(pa.chunked_array([pa.array([False] * table.num_rows, pa.bool_())]))
    if where.score is not None:
        column = _column(table, where.score.metric, "metric")
        masks.append(pc.call_function(_OPS[where.score.op], [column, where.score.value]))
    if where.text:
        found = None
        for name in ("input", "reference", "output"):
            if name in table.column_names:
                hit = pc.match_substring(table.column(name), where.text, ignore_case=True)
                found = hit if found is None else pc.or_kleene(found, hit)
        masks.append(found if found is not None else pc.equal(pa.scalar(0), 1))
    if not masks:
        return None
    mask = masks[0]
    for other in masks[1:]:
        mask = pc.and_kleene(mask, other)
    return pc.fill_null(mask, False)


def page_records(
    table: pa.Table,
    where: RecordFilter | None = None,
    *,
    offset: int = 0,
    limit: int = 50,
) -> RecordPage:
    """The records of ``table`` matching ``where``, from ``offset``, at most ``limit`` of them.

    Records keep their stored order (by example id, then sample index).
    """
    check_int(offset, "offset", "page_records", minimum=0)
    check_int(limit, "limit", "page_records")
    if limit > MAX_PAGE:
        raise ParameterError("limit", "page_records", f"an integer in [1, {MAX_PAGE}]", limit)
    mask = _mask(table, where or RecordFilter())
    if mask is None:
        total = table.num_rows
        rows = table.slice(offset, limit)
    else:
        indices = pc.indices_nonzero(mask)
        total = len(indices)
        rows = table.take(indices.slice(offset, limit))
    return RecordPage(rows=_plain(rows), total=total, offset=offset, limit=limit)


def _plain(table: pa.Table) -> list[dict[str, Any]]:
    # dictionary-encoded slice columns become plain strings in the rows
    columns = [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    rows: list[dict[str, Any]] = pa.Table.from_arrays(columns, names=table.column_names).to_pylist()
    return rows
