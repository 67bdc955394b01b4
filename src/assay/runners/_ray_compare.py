"""compare_records_ray: the streaming comparison of two runs whose records live on a Ray cluster.

A run evaluated on Ray comes back shard by shard; a team's older runs may already be Ray
datasets. The comparison's work is done where the records are, by Ray Data on the workers
(:mod:`assay.runners._ray_partitions`):

1. each run's batches are surveyed (record counts, a sample of example ids), and the driver
   cuts the ids into consecutive ranges of about ``chunk_rows`` records of each run (or
   ``partitions`` ranges);
2. each batch's records (without the columns no comparison reads) are cut by range;
3. the two runs' records of one range meet on one worker (``union`` then
   ``groupby(range).map_groups``), are sorted there by ``(example_id, sample_index)`` and
   accumulated into that range's streaming state, chunk by chunk, by the code path of
   :func:`~assay.compare.compare_record_streams`;
4. the driver merges the ranges' states in id order (each range's example positions shifted
   by the paired examples before it, its slice values, cells and label combinations
   renumbered) and finishes the comparison.

The merged state is the one a single pass over all the records would leave, so the result
equals ``compare_records(..., resampling="poisson")`` on the whole tables (functions of sums
to the bit, sums of continuous scores to rounding), whatever the shards and their order.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
import warnings
from collections.abc import Iterable
from functools import partial
from typing import Any

import pyarrow as pa

from assay._util import check_int
from assay.core import Comparison, Run, RunInfo, Suite
from assay.errors import ParameterError
from assay.runners._ray import connect_ray, import_ray
from assay.runners._ray_partitions import accumulate, ipc_bytes, payloads, survey

__all__ = ["compare_records_ray"]

_FN = "compare_records_ray"
_SAMPLES_PER_RANGE = 64


def compare_records_ray(
    baseline: RunInfo | Run,
    baseline_records: Any,
    candidate: RunInfo | Run,
    candidate_records: Any,
    suite: Suite,
    *,
    ray_address: str | None = None,
    chunk_rows: int = 250_000,
    partitions: int | None = None,
    **options: Any,
) -> Comparison:
    """:func:`~assay.compare.compare_record_streams` of two runs held as Ray shards, its
    statistics accumulated on the Ray workers.

    ``baseline_records`` and ``candidate_records`` are each a ``ray.data.Dataset`` or an
    iterable of record tables (the shards, in any order). Ray Data cuts the example ids
    into consecutive ranges (``partitions`` of them, else enough for about ``chunk_rows``
    records of each run per range), brings each range's records of both runs to one
    worker, which sorts them and accumulates the range's statistics (``chunk_rows``
    records at a time); this process merges the ranges' statistics in id order and
    finishes the comparison. The result is that of
    ``compare_records(..., resampling="poisson")`` on the whole tables. Other keyword
    arguments are those of :func:`~assay.compare.compare_record_streams` (its refusals
    apply: no clustered records, no metric with its own resampling), checked before Ray
    starts; a refusal met on a worker is raised here.

    Ray is used as :func:`evaluate_suite_ray` uses it: an initialised connection as it is,
    else a local cluster (``ray_address=None``) or the cluster at ``ray_address``, shut
    down (disconnected) on return.
    """
    from assay.compare import stream_plan  # the statistics, loaded when used

    check_int(chunk_rows, "chunk_rows", _FN, minimum=1)
    if partitions is not None:
        check_int(partitions, "partitions", _FN, minimum=1)
    # refused before Ray starts; a generator of shards is read once, here
    runs = [
        records if _is_dataset(records) else _tables(records, name)
        for records, name in (
            (baseline_records, "baseline_records"),
            (candidate_records, "candidate_records"),
        )
    ]
    plan = stream_plan(baseline, candidate, suite, chunk_rows=chunk_rows, caller=_FN, **options)
    # the workers need what accumulating takes, not the suite's examples
    sent = dataclasses.replace(plan, suite_examples=None, manifest_differences=None)
    ray = import_ray()
    started = connect_ray(ray, ray_address, None)
    try:
        with warnings.catch_warnings():
            # Ray Data's settings object warns about its own deprecated fields when made
            warnings.simplefilter("ignore", DeprecationWarning)
            ray.data.DataContext.get_current()
        datasets = [_dataset(ray, records) for records in runs]
        counts = [d.count() for d in datasets]
        wanted = partitions or max(1, math.ceil(max(counts) / chunk_rows))
        step = max(1, max(counts) // (_SAMPLES_PER_RANGE * wanted))
        surveyed = [
            _collect(d.map_batches(survey, batch_format="pyarrow", fn_kwargs={"step": step}))
            for d in datasets
        ]
        bounds = _bounds([i for t in surveyed for i in _values(t, "id")], wanted)
        columns = [next(iter(_values(t, "columns")), ipc_bytes(_empty())) for t in surveyed]
        cut = [
            d.map_batches(partial(payloads, bounds=bounds, side=side), batch_format="pyarrow")
            for side, d in enumerate(datasets)
        ]
        states = (
            cut[0]
            .union(cut[1])
            # one shuffle partition per range (Ray Data's default is 200)
            .groupby("part", num_partitions=len(bounds) + 1)
            .map_groups(partial(accumulate, plan=sent, columns=columns), batch_format="pyarrow")
        )
        return plan.finish(baseline, candidate, _in_order(_collect(states)))
    finally:
        if started:
            ray.shutdown()


def _values(table: pa.Table, name: str) -> list[Any]:
    """The non-null values of a collected column (none when nothing was collected)."""
    if name not in table.column_names:
        return []
    return [v for v in table.column(name).to_pylist() if v is not None]


def _in_order(results: pa.Table) -> list[Any]:
    """The ranges' states in id order; the first range's refusal raised."""
    order = sorted(zip(_values(results, "part"), _values(results, "result"), strict=True))
    states = []
    for _, blob in order:
        kind, value = pickle.loads(blob)
        if kind == "error":
            raise value
        states.append(value)
    return states


def _bounds(sampled: list[str], ranges: int) -> list[str]:
    """Where ``ranges`` consecutive ranges of example ids start (the first excepted), from
    sampled ids: about as many records in each."""
    ids = sorted(sampled)
    if ranges <= 1 or not ids:
        return []
    return sorted({ids[len(ids) * r // ranges] for r in range(1, ranges)})


def _collect(dataset: Any) -> pa.Table:
    tables = list(dataset.iter_batches(batch_format="pyarrow", batch_size=None))
    return pa.concat_tables(tables) if tables else pa.table({})


def _is_dataset(records: Any) -> bool:
    return type(records).__module__.startswith("ray.data")


def _dataset(ray: Any, records: Any) -> Any:
    """The records (a dataset, or a list of tables) as a dataset."""
    if isinstance(records, list):
        tables = [t for t in records if t.num_rows] or records[:1] or [_empty()]
        return ray.data.from_arrow(tables)
    return records


def _tables(records: Any, name: str) -> list[pa.Table]:
    """The shards of one run, each a record table."""
    if isinstance(records, pa.Table):
        return [records]
    tables = (
        list(records) if isinstance(records, Iterable) and not isinstance(records, str) else None
    )
    if tables is None or not all(isinstance(t, pa.Table) for t in tables):
        raise ParameterError(name, _FN, "a ray.data.Dataset, or record tables (pyarrow)", records)
    return tables


def _empty() -> pa.Table:
    return pa.table({"example_id": pa.array([], pa.string())})
