"""One page of a run's records, filtered by slice, error, score and text, computed in Arrow.

The records browser of the dashboard and ``GET /api/v1/runs/{id}/records`` page through runs
of millions of records: the filters run as Arrow compute kernels over the record table (no
Python object per record), and only the page's rows become Python values.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assay._util import check_instance, check_int, lazy_module
from assay.errors import DataError, ParameterError
from assay.storage._query import MetricFilter

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
else:  # the command line lists runs without loading Arrow
    np = lazy_module("numpy")
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")

__all__ = ["MAX_PAGE", "RecordFilter", "RecordIndex", "RecordPage", "page_records"]

MAX_PAGE = 500
"""The most records one page may hold."""

_SEPARATOR = "\x1f"  # joins the searched columns; a search cannot match across two of them
_KEPT_FILTERS = 16

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
    column = table.column(name)
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    fits = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    if what == "metric":
        fits = pa.types.is_floating(kind) or pa.types.is_integer(kind)
    if not fits:
        raise DataError(
            f"the column {name!r} of these records is not a {what}",
            column=name,
            expected=f"a {what} column",
            found=str(column.type),
        )
    return column


def _equal(column: pa.ChunkedArray, value: str) -> pa.ChunkedArray:
    if not pa.types.is_dictionary(column.type):
        return pc.equal(column, value)
    # compare the small dictionary once per chunk, then the integer indices
    chunks = []
    for chunk in column.chunks:
        position = pc.index(chunk.dictionary, value).as_py()
        chunks.append(pc.equal(chunk.indices, position if position >= 0 else -1))
    return pa.chunked_array(chunks, pa.bool_())


def _cheap_mask(table: pa.Table, where: RecordFilter) -> Any:
    masks: list[Any] = []
    for name, value in where.slices.items():
        masks.append(_equal(_column(table, name, "slice"), str(value)))
    if where.error is not None:
        if "error" in table.column_names:
            has_error = pc.invert(pc.is_null(table.column("error")))
            masks.append(has_error if where.error else pc.invert(has_error))
        elif where.error:
            masks.append(pa.array(np.zeros(table.num_rows, dtype=bool)))
    if where.score is not None:
        column = _column(table, where.score.metric, "metric")
        masks.append(pc.call_function(_OPS[where.score.op], [column, where.score.value]))
    if not masks:
        return None
    mask = masks[0]
    for other in masks[1:]:
        mask = pc.and_kleene(mask, other)
    return pc.fill_null(mask, False)


class RecordIndex:
    """A run's record table made ready for paging.

    The text searched (input, reference and output joined) is built once, and the matching
    positions of the last filters used are kept, so paging through one filter's matches
    scans the records once.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self._haystack: pa.ChunkedArray | None = None
        self._matches: OrderedDict[tuple[object, ...], Any] = OrderedDict()

    def _text(self) -> pa.ChunkedArray | None:
        if self._haystack is None:
            names = [n for n in ("input", "reference", "output") if n in self.table.column_names]
            if not names:
                return None
            columns = [self.table.column(n) for n in names]
            self._haystack = pc.binary_join_element_wise(
                *columns, _SEPARATOR, null_handling="replace"
            )
        return self._haystack

    def _positions(self, where: RecordFilter) -> Any:
        key = (tuple(sorted(where.slices.items())), where.error, where.score, where.text)
        found = self._matches.pop(key, None)
        if found is None:
            found = self._search(where)
        self._matches[key] = found
        while len(self._matches) > _KEPT_FILTERS:
            self._matches.popitem(last=False)
        return found

    def _search(self, where: RecordFilter) -> Any:
        mask = _cheap_mask(self.table, where)
        positions = None if mask is None else pc.indices_nonzero(mask)
        if not where.text:
            return positions
        text = self._text()
        if text is None:
            return pa.array([], pa.uint64())
        needle = where.text.replace(_SEPARATOR, " ")
        if positions is None:
            return pc.indices_nonzero(pc.match_substring(text, needle, ignore_case=True))
        hits = pc.match_substring(text.take(positions), needle, ignore_case=True)
        return positions.filter(pc.fill_null(hits, False))

    def page(
        self, where: RecordFilter | None = None, *, offset: int = 0, limit: int = 50
    ) -> RecordPage:
        """The records matching ``where``, from ``offset``, at most ``limit`` of them."""
        check_int(offset, "offset", "page_records", minimum=0)
        check_int(limit, "limit", "page_records")
        if limit > MAX_PAGE:
            raise ParameterError("limit", "page_records", f"an integer in [1, {MAX_PAGE}]", limit)
        positions = self._positions(where or RecordFilter())
        if positions is None:
            total = self.table.num_rows
            rows = self.table.slice(offset, limit)
        else:
            total = len(positions)
            rows = self.table.take(positions.slice(offset, limit))
        return RecordPage(rows=_plain(rows), total=total, offset=offset, limit=limit)


def page_records(
    table: pa.Table,
    where: RecordFilter | None = None,
    *,
    offset: int = 0,
    limit: int = 50,
) -> RecordPage:
    """The records of ``table`` matching ``where``, from ``offset``, at most ``limit`` of them.

    Records keep their stored order (by example id, then sample index). To page through one
    table repeatedly, keep a :class:`RecordIndex` of it instead.
    """
    return RecordIndex(table).page(where, offset=offset, limit=limit)


def _plain(table: pa.Table) -> list[dict[str, Any]]:
    # dictionary-encoded slice columns become plain strings in the rows
    columns = [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    rows: list[dict[str, Any]] = pa.Table.from_arrays(columns, names=table.column_names).to_pylist()
    return rows
