"""Comparing two stored runs too large for memory: their record files read as streams.

:func:`compare_runs` streams when asked (``streaming=True``) or, by default, when the two runs
hold more than :data:`STREAMING_THRESHOLD` records together; docs/out-of-core.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from assay._util import check_instance, check_int
from assay.compare import DEFAULT_CHUNK_ROWS, compare_record_streams
from assay.core import Comparison, Run, Suite
from assay.errors import ConfigError
from assay.workflows._compare_loaded import CompareOptions, warn_if_self
from assay.workflows._unsafe import withhold_unsafe_text

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["STREAMING_THRESHOLD", "compare_streamed", "wants_streaming"]

STREAMING_THRESHOLD = 10_000_000
"""Records of the two runs together above which a comparison streams by default."""

_BATCH_ROWS = 65_536


def wants_streaming(streaming: object, base: Run, cand: Run, function: str) -> bool:
    """Whether to stream: as asked, or when the runs are above the threshold."""
    check_instance(streaming, "streaming", function, (bool, type(None)), "True, False or None")
    if streaming is None:
        return base.n_records + cand.n_records > STREAMING_THRESHOLD
    return bool(streaming)


def compare_streamed(
    base: Run,
    cand: Run,
    suite: Suite,
    batches: Callable[[Run, int], Iterable[pa.RecordBatch]],
    examples: Callable[[str], pa.Table],
    options: CompareOptions,
    chunk_rows: int | None = None,
) -> Comparison:
    """:func:`compare_runs` by streaming: ``batches(run, batch_rows)`` reads a run's records
    as stored, a row group at a time."""
    rows = DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows
    rows = check_int(rows, "chunk_rows", "compare_runs")
    stop = cand.manifest.provenance.get("early_stop")
    if isinstance(stop, Mapping) and stop.get("planned"):
        raise ConfigError(
            f"Candidate run {cand.run_id} stopped early by plan, and replaying its stop needs "
            "its records in memory: compare it with streaming=False (--in-memory)."
        )
    warn_if_self(base.run_id, cand.run_id, None, None)
    batch_rows = min(_BATCH_ROWS, rows)
    comparison = compare_record_streams(
        base,
        batches(base, batch_rows),
        cand,
        batches(cand, batch_rows),
        suite,
        **options.arguments(base, cand, examples),
        chunk_rows=rows,
    )
    return withhold_unsafe_text(comparison, suite, options.show_unsafe_text)
