"""compare_records_ray: the streaming comparison of two runs whose records live on a Ray cluster.

A run evaluated on Ray comes back shard by shard; a team's older runs may already be Ray
datasets. Here Ray Data does the cluster's part: it takes each run's shards (tables, or a
``ray.data.Dataset``), keeps the columns a comparison reads (a ``map_batches`` on the
workers), and sorts the records by ``(example_id, sample_index)`` across the cluster. The
sorted batches are then streamed into :func:`~assay.compare.compare_record_streams`, whose
every statistic is a sum merged exactly across chunks: the comparison equals the in-memory
one (``compare_records(..., resampling="poisson")``) on the same records, whatever the
shards and their order, and this process holds about ``chunk_rows`` records of each run at
a time.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from assay._util import check_int
from assay.core import Comparison, Run, RunInfo, Suite
from assay.errors import ParameterError
from assay.runners._ray import connect_ray, import_ray

__all__ = ["compare_records_ray"]

_FN = "compare_records_ray"
_KEYS = ("example_id", "sample_index")
# the columns no comparison reads stay on the cluster
_UNREAD = frozenset({"tokens_in", "tokens_out"})


def compare_records_ray(
    baseline: RunInfo | Run,
    baseline_records: Any,
    candidate: RunInfo | Run,
    candidate_records: Any,
    suite: Suite,
    *,
    ray_address: str | None = None,
    chunk_rows: int = 250_000,
    **options: Any,
) -> Comparison:
    """:func:`~assay.compare.compare_record_streams` of two runs held as Ray shards.

    ``baseline_records`` and ``candidate_records`` are each a ``ray.data.Dataset`` or an
    iterable of record tables (the shards, in any order). Ray Data drops the columns no
    comparison reads and sorts each run by example id on the cluster; the sorted batches
    (``chunk_rows`` records at a time) are merged by the streaming comparison, so the result
    is that of ``compare_records(..., resampling="poisson")`` on the whole tables. Other
    keyword arguments are those of :func:`~assay.compare.compare_record_streams` (its
    refusals apply: no clustered records, no metric with its own resampling).

    Ray is used as :func:`evaluate_suite_ray` uses it: an initialised connection as it is,
    else a local cluster (``ray_address=None``) or the cluster at ``ray_address``, shut
    down (disconnected) on return.
    """
    from assay.compare import compare_record_streams  # the statistics, loaded when used

    check_int(chunk_rows, "chunk_rows", _FN, minimum=1)
    # refused before Ray starts; a generator of shards is read once, here
    runs = [
        records if _is_dataset(records) else _tables(records, name)
        for records, name in (
            (baseline_records, "baseline_records"),
            (candidate_records, "candidate_records"),
        )
    ]
    ray = import_ray()
    started = connect_ray(ray, ray_address, None)
    try:
        with warnings.catch_warnings():
            # Ray Data's settings object warns about its own deprecated fields when made
            warnings.simplefilter("ignore", DeprecationWarning)
            ray.data.DataContext.get_current()
        streams = [
            _sorted(ray, records).iter_batches(batch_size=chunk_rows, batch_format="pyarrow")
            for records in runs
        ]
        return compare_record_streams(
            baseline, streams[0], candidate, streams[1], suite, chunk_rows=chunk_rows, **options
        )
    finally:
        if started:
            ray.shutdown()


def _is_dataset(records: Any) -> bool:
    return type(records).__module__.startswith("ray.data")


def _read_columns(batch: pa.Table) -> pa.Table:
    """Runs on a Ray worker: a batch without the columns no comparison reads."""
    return batch.select([n for n in batch.column_names if n not in _UNREAD])


def _sorted(ray: Any, records: Any) -> Any:
    """The records (a dataset, or a list of tables) as a dataset sorted by example id,
    without the unread columns."""
    if isinstance(records, list):
        tables = [t for t in records if t.num_rows]
        dataset = ray.data.from_arrow(tables or [_empty()])
    else:
        dataset = records
    keys = [k for k in _KEYS if k in dataset.schema().names]
    return dataset.map_batches(_read_columns, batch_format="pyarrow").sort(keys)


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
