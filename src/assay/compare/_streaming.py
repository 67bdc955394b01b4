"""compare_record_streams: the paired comparison of two runs read as streams of batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from assay._util import check_instance, check_int, check_probability
from assay.compare._align import PairedRuns, RunSide, example_means, pair_runs, record_scores
from assay.compare._assemble import no_shared_example
from assay.compare._compare import COST_METRIC, _attributes, _check_suites, _seed
from assay.compare._stream_categories import CategoryTotals
from assay.compare._stream_cells import SliceCodes, StreamLayout
from assay.compare._stream_finish import finish_stream
from assay.compare._stream_means import FlipTotals, MeanTotals
from assay.compare._stream_merge import Batches, aligned_chunks, prefetched, sorted_stream
from assay.core import Comparison, ManifestDifference, Run, RunInfo, Suite
from assay.errors import ConfigError
from assay.metrics import get_metric

__all__ = ["DEFAULT_CHUNK_ROWS", "StreamState", "compare_record_streams"]

_FN = "compare_record_streams"
DEFAULT_CHUNK_ROWS = 250_000
"""Records of each run held at once by a streaming comparison (about 100 MB per run for ten
metrics and a few slice columns)."""


@dataclass
class _Side:
    records: int = 0
    errors: int = 0
    columns: set[str] = field(default_factory=set)
    """Operational columns with at least one value."""

    def add(self, side: RunSide) -> None:
        self.records += side.table.num_rows
        self.errors += int(side.errored.sum())
        for name in ("cost", "latency_ms"):
            if name in side.table.column_names:
                column = side.table.column(name)
                if column.null_count < len(column):
                    self.columns.add(name)


def _repeats(side: RunSide, values: np.ndarray, n: int) -> int:
    if side.identity:
        return 0
    keep = (side.example >= 0) & ~np.isnan(values)
    return int((np.bincount(side.example[keep], minlength=n) >= 2).sum())


class StreamState:
    """Everything a streaming comparison accumulates, chunk by chunk."""

    def __init__(self, suite: Suite, attributes: list[str], max_flips: int | None) -> None:
        self.means = []
        sums = []
        for spec in suite.metrics:
            d = get_metric(spec.aggregate) if spec.aggregate != "mean" else None
            if d is None or d.is_mean:
                self.means.append((spec, MeanTotals(spec.name, spec.goal)))
            elif d.aggregation == "sums":
                sums.append((spec, d))
            else:
                raise ConfigError(
                    f"Metric {spec.name!r} ({spec.aggregate}) cannot be compared by streaming: "
                    "it is resampled by its own method over every example at once (ranks, "
                    "curves), which needs all of them in memory. Compare these runs in memory "
                    "(streaming=False), or leave the metric out of the suite."
                )
        self.layout = StreamLayout([SliceCodes(a) for a in attributes])
        self.sums = CategoryTotals(sums, 1 + len(attributes)) if sums else None
        self.cost = MeanTotals(COST_METRIC, "lower")
        self.flips = FlipTotals(max_flips)
        self.sides = {"baseline": _Side(), "candidate": _Side()}
        self.missing: dict[str, dict[str, int]] = {"baseline": {}, "candidate": {}}
        self.n = self.only_b = self.only_c = self.max_samples = self.chunks = 0

    def add(self, paired: PairedRuns) -> None:
        self.chunks += 1
        sides = (paired.baseline, paired.candidate)
        for side in sides:
            self.sides[side.name].add(side)
            for s in self.layout.slices:
                s.note_values(side)
        base = paired.baseline.table
        if "cluster" in base.column_names and base.column("cluster").null_count < base.num_rows:
            raise ConfigError(
                "The baseline's records have clusters: a streaming comparison does not yet "
                "resample whole clusters or compute cluster-robust errors. Compare these runs "
                "in memory (streaming=False)."
            )
        self.only_b += paired.baseline_only
        self.only_c += paired.candidate_only
        self.max_samples = max(self.max_samples, paired.max_samples)
        n = paired.n
        cells, codes = self.layout.chunk_cells(paired)
        n_cells = self.layout.n_cells
        for spec, totals in self.means:
            b, c = self._scores(paired, spec.name, totals)
            totals.add(b, c, cells, n_cells)
            self.flips.add(spec.name, spec.goal, b, c, paired, self.n)
        if self.sums is not None:
            self.sums.add(paired, codes, self.n)
            for spec, _ in self.sums.specs:
                if all(spec.name in s.table.column_names for s in sides):
                    b, c = (example_means(s, record_scores(s, spec.name), n).means for s in sides)
                    if (~np.isnan(b) & ~np.isnan(c)).any():
                        self.flips.add(spec.name, spec.goal, b, c, paired, self.n)
        if all("cost" in s.table.column_names for s in sides):
            b, c = (
                example_means(s, record_scores(s, "cost", exclude_errors=False), n).means
                for s in sides
            )
            self.cost.add(b, c, cells, n_cells)
        self.n += n

    def _scores(
        self, paired: PairedRuns, metric: str, totals: MeanTotals
    ) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for side in (paired.baseline, paired.candidate):
            values = record_scores(side, metric)
            gone = self.missing[side.name]
            gone[metric] = gone.get(metric, 0) + int(np.isnan(values).sum())
            means = example_means(side, values, paired.n)
            totals.add_spread(side.name, means.within_sd, _repeats(side, values, paired.n))
            out.append(means.means)
        return out[0], out[1]


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
    conf = check_probability(confidence, "confidence", _FN)
    n_resamples = check_int(resamples, "resamples", _FN, minimum=1)
    flips_cap = None if max_flips is None else check_int(max_flips, "max_flips", _FN, minimum=0)
    small = check_int(min_slice_size, "min_slice_size", _FN, minimum=0)
    rows = check_int(chunk_rows, "chunk_rows", _FN, minimum=1)
    sorting = check_instance(sort, "sort", _FN, bool, "True or False")
    attributes = _attributes(slices, suite)
    seed = _seed(rng)
    _check_suites(baseline, candidate, suite, shared_only)
    state = StreamState(suite, attributes, flips_cap)
    streams: list[Batches] = [baseline_records, candidate_records]
    if sorting:
        streams = [
            sorted_stream(s, name, rows)
            for s, name in zip(streams, ("baseline", "candidate"), strict=True)
        ]
    for b, c in aligned_chunks(prefetched(streams[0]), prefetched(streams[1]), rows):
        state.add(pair_runs(b, c))
    if state.n == 0:
        raise no_shared_example(baseline, candidate, state.only_b, state.only_c)
    return finish_stream(
        state,
        baseline,
        candidate,
        suite,
        attributes,
        conf,
        seed,
        n_resamples,
        small,
        manifest_differences,
        suite_examples,
        rows,
    )
