"""compare_record_streams: the paired comparison of two runs read as streams of batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa

from assay.compare._stream_merge import Batches
from assay.compare._stream_plan import DEFAULT_CHUNK_ROWS, stream_plan
from assay.core import Comparison, ManifestDifference, Run, RunInfo, Suite

__all__ = ["DEFAULT_CHUNK_ROWS", "compare_record_streams"]


def compare_record_streams(
    baseline: RunInfo | Run,
    baseline_records: Batches,
    candidate: RunInfo | Run,
    candidate_records: Batches,
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
) -> Comparison:
    """:func:`compare_records` of two runs too large for memory, read as streams of batches.

    ``baseline_records`` and ``candidate_records`` are iterables of record batches (or
    tables), each sorted by ``example_id`` as stored runs are (a Parquet file's
    ``iter_batches``); their batches need not line up. With ``sort``, each stream is first
    sorted by spilling sorted runs of ``chunk_rows`` records to temporary files. About
    ``chunk_rows`` records of each run are held at once, so memory is bounded whatever the
    size of the runs.

    Every statistic is a sum merged exactly across chunks, so the comparison does not depend
    on ``chunk_rows``: means and 0/1 metrics equal the in-memory comparison's (counts exactly,
    sums of scores to rounding), and metrics that are functions of sums (F1, MCC, ...) are
    resampled by the Poisson bootstrap on the same category counts as
    ``compare_records(..., resampling="poisson")``, with identical intervals. Refused by name:
    metrics with their own resampling (AUC, ...), functions of sums over numeric inputs or
    more than :data:`~assay.compare._categories.MAX_CATEGORIES` label combinations,
    repeated samples of such metrics, and clustered records. The latency quantiles, which
    need every latency at once, are left out and said so in ``methods``.
    """
    plan = stream_plan(
        baseline,
        candidate,
        suite,
        confidence=confidence,
        shared_only=shared_only,
        slices=slices,
        rng=rng,
        resamples=resamples,
        max_flips=max_flips,
        min_slice_size=min_slice_size,
        manifest_differences=manifest_differences,
        suite_examples=suite_examples,
        chunk_rows=chunk_rows,
        sort=sort,
        caller="compare_record_streams",
    )
    return plan.finish(baseline, candidate, [plan.accumulate(baseline_records, candidate_records)])
