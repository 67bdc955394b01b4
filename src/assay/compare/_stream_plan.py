"""StreamPlan: a streaming comparison cut in three steps that may run in different processes.

A streaming comparison checks its options, accumulates every chunk of both runs into a
:class:`~assay.compare._stream_state.StreamState`, and finishes the state into the
comparison. When the examples are split into consecutive ranges of example ids (partitions),
each range can be accumulated on its own, by another process or machine, and the states
merged in the order of their ranges give the state one pass over all the records would
(:mod:`assay.compare._stream_state_merge`). The plan carries the checked options from the
caller to whichever process accumulates a range, and back to the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from assay._util import check_instance, check_int, check_probability
from assay.compare._align import _ids, pair_runs
from assay.compare._assemble import no_shared_example
from assay.compare._compare import _attributes, _check_suites, _seed
from assay.compare._stream_finish import finish_stream
from assay.compare._stream_merge import Batches, aligned_chunks, prefetched, sorted_stream
from assay.compare._stream_state import StreamState
from assay.compare._stream_state_merge import merge_states
from assay.core import Comparison, ManifestDifference, Run, RunInfo, Suite
from assay.errors import DataError

__all__ = ["DEFAULT_CHUNK_ROWS", "StreamPlan", "stream_plan"]

DEFAULT_CHUNK_ROWS = 250_000
"""Records of each run held at once by a streaming comparison (about 100 MB per run for ten
metrics and a few slice columns)."""

_KEYS = ("example_id", "sample_index")


@dataclass(frozen=True)
class StreamPlan:
    """The checked options of one streaming comparison (made by :func:`stream_plan`)."""

    suite: Suite
    attributes: tuple[str, ...]
    """The slice attributes compared."""
    max_flips: int | None
    confidence: float
    seed: int
    resamples: int
    min_slice_size: int
    chunk_rows: int
    sort: bool
    manifest_differences: list[ManifestDifference] | None = None
    suite_examples: pa.Table | Callable[[], pa.Table] | None = None

    def new_state(self) -> StreamState:
        """An empty state (metrics that cannot stream are refused here, by name)."""
        return StreamState(self.suite, list(self.attributes), self.max_flips)

    def accumulate(self, baseline: Batches, candidate: Batches) -> StreamState:
        """The state of two record streams in example-id order (sorted first with ``sort``),
        read ``chunk_rows`` records of each at a time."""
        state = self.new_state()
        streams = [baseline, candidate]
        if self.sort:
            streams = [
                sorted_stream(s, name, self.chunk_rows)
                for s, name in zip(streams, ("baseline", "candidate"), strict=True)
            ]
        for b, c in aligned_chunks(prefetched(streams[0]), prefetched(streams[1]), self.chunk_rows):
            state.add(pair_runs(b, c))
        return state

    def accumulate_range(
        self, baseline: Sequence[pa.Table], candidate: Sequence[pa.Table]
    ) -> StreamState:
        """The state of one range of examples whose records (tables in any order, held in
        memory) are sorted here by ``(example_id, sample_index)`` first. A run with no
        record in the range passes an empty table of its columns."""
        runs = [
            _sorted(list(t), name) for t, name in ((baseline, "baseline"), (candidate, "candidate"))
        ]
        state = self.new_state()
        for b, c in aligned_chunks(runs[0], runs[1], self.chunk_rows):
            state.add(pair_runs(b, c))
        return state

    def finish(
        self, baseline: RunInfo | Run, candidate: RunInfo | Run, states: Sequence[StreamState]
    ) -> Comparison:
        """The comparison of the states of consecutive ranges of examples, in id order."""
        state = merge_states(states) if states else self.new_state()
        if state.n == 0:
            raise no_shared_example(baseline, candidate, state.only_b, state.only_c)
        return finish_stream(
            state,
            baseline,
            candidate,
            self.suite,
            list(self.attributes),
            self.confidence,
            self.seed,
            self.resamples,
            self.min_slice_size,
            self.manifest_differences,
            self.suite_examples,
            self.chunk_rows,
        )


def _sorted(tables: list[pa.Table], side: str) -> list[pa.Table]:
    full = [t.replace_schema_metadata(None) for t in tables if t.num_rows]
    if not full:  # an empty table still tells the run's columns
        return tables[:1]
    tables = full
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise _mixed_types(tables, side) from exc
    ids = _ids(table, side)
    table = table.set_column(table.column_names.index("example_id"), "example_id", ids)
    keys = [(k, "ascending") for k in _KEYS if k in table.column_names]
    return [table.sort_by(keys)]


def _mixed_types(tables: list[pa.Table], side: str) -> DataError:
    """The refusal of a range whose tables give one column types that do not combine."""
    for name in dict.fromkeys(n for t in tables for n in t.column_names):
        types = list(
            dict.fromkeys(str(t.schema.field(name).type) for t in tables if name in t.column_names)
        )
        if len(types) > 1:
            return DataError(
                f"the {side} records' {name!r} column has types that do not combine",
                column=name,
                expected="one type in every file or batch of the run",
                found=", ".join(types),
            )
    return DataError(f"the {side} records' tables do not combine", expected="one schema")


def stream_plan(
    baseline: RunInfo | Run,
    candidate: RunInfo | Run,
    suite: Suite,
    *,
    confidence: float = 0.95,
    shared_only: bool = False,
    slices: Sequence[str] | None = None,
    rng: int | np.random.Generator = 0,
    resamples: int = 2000,
    max_flips: int | None = 50,
    min_slice_size: int = 30,
    manifest_differences: list[ManifestDifference] | None = None,
    suite_examples: pa.Table | Callable[[], pa.Table] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sort: bool = False,
    caller: str = "stream_plan",
) -> StreamPlan:
    """The options of :func:`compare_record_streams`, checked (bad ones refused, naming
    ``caller``), with the suite's metrics checked for streaming."""
    conf = check_probability(confidence, "confidence", caller)
    n_resamples = check_int(resamples, "resamples", caller, minimum=1)
    flips = None if max_flips is None else check_int(max_flips, "max_flips", caller, minimum=0)
    small = check_int(min_slice_size, "min_slice_size", caller, minimum=0)
    rows = check_int(chunk_rows, "chunk_rows", caller, minimum=1)
    sorting = check_instance(sort, "sort", caller, bool, "True or False")
    attributes = tuple(_attributes(slices, suite))
    plan = StreamPlan(
        suite,
        attributes,
        flips,
        conf,
        _seed(rng),
        n_resamples,
        small,
        rows,
        sorting,
        manifest_differences,
        suite_examples,
    )
    _check_suites(baseline, candidate, suite, shared_only)
    plan.new_state()
    return plan
