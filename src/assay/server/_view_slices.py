"""A run's metrics by slice, each with its interval, computed from its records in Arrow.

The same estimator as the run's overall metrics (:func:`assay.data.summarise_records`) runs
on each slice's records; a run is immutable, so the table is computed once per run and kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from assay.server._layout import e, table
from assay.server._state import AppState

if TYPE_CHECKING:
    import pyarrow as pa

    from assay.core import Run
    from assay.storage import Store

__all__ = ["records_with", "slice_metrics", "slice_table"]

MAX_VALUES = 20
"""Most values of one slice attribute shown (the most frequent)."""
_KEY = "slice-metrics"
_KEPT = 64
_LOCK = threading.Lock()


def records_with(store: Store, run_id: str, columns: list[str]) -> pa.Table:
    """A run's records, only those of ``columns`` it has (reading no other column)."""
    from assay.errors import DataError

    try:
        return store.runs.records(run_id, columns)
    except DataError:  # some column is not in this run's records: read them all once
        table = store.runs.records(run_id)
        return table.select([c for c in columns if c in table.column_names])


def slice_table(store: Store, run: Run) -> str:
    """The ``Metrics by slice`` section of a run's page (empty when its suite has no slices)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from assay.data import summarise_records

    suite = store.suites.get(run.suite_digest)
    slices = [s.name for s in suite.slices]
    if not slices:
        return ""
    wanted = ["example_id", "sample_index", "cluster", *slices, *(m.name for m in suite.metrics)]
    records = records_with(store, run.run_id, wanted)
    rows: list[list[str]] = []
    notes: list[str] = []
    for attr in slices:
        if attr not in records.column_names:
            continue
        column = records.column(attr)
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        counts = pc.value_counts(column).to_pylist()
        counts.sort(key=lambda c: (-int(c["counts"]), str(c["values"])))
        if len(counts) > MAX_VALUES:
            notes.append(f"{attr}: the {MAX_VALUES} largest of {len(counts):,} values shown")
        for item in counts[:MAX_VALUES]:
            value = item["values"]
            if value is None:
                continue
            part = records.filter(pc.equal(column, value))
            for metric, m in summarise_records(part, suite).items():
                rows.append(
                    [
                        e(attr),
                        e(value),
                        e(metric),
                        f"{m.estimate:.3f} [{m.low:.3f}, {m.high:.3f}]",
                        e(m.method),
                        f"{m.n:,}",
                    ]
                )
    if not rows:
        return ""
    note = "".join(f'<p class="note">{e(n)}</p>' for n in notes)
    return (
        '<h2 id="slices">Metrics by slice</h2>'
        + note
        + table(
            ["Slice", "Value", "Metric", "Estimate [interval]", "Method", "n"],
            rows,
            numeric=(3, 5),
            cls="slices",
        )
    )


def slice_metrics(state: AppState, run: Run, *, compute: bool = True) -> str | None:
    """:func:`slice_table`, computed once per run and kept (runs never change); None when it
    is not kept yet and ``compute`` is false."""
    with _LOCK:
        kept = state.caches.setdefault(_KEY, OrderedDict())
        found = kept.get(run.run_id)
        if found is not None:
            kept.move_to_end(run.run_id)
            return str(found)
    if not compute:
        return None
    html = slice_table(state.store, run)
    with _LOCK:
        kept[run.run_id] = html
        while len(kept) > _KEPT:
            kept.popitem(last=False)
    return html
