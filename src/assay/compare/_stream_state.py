"""StreamState: everything a streaming comparison accumulates, chunk by chunk.

Positions of paired examples (a flip's or a category's first example) count from the first
paired example the state has seen; :mod:`assay.compare._stream_state_merge` merges states
of consecutive ranges of examples, shifting the later one's positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assay.compare._align import PairedRuns, RunSide, example_means, record_scores
from assay.compare._compare import COST_METRIC
from assay.compare._stream_categories import CategoryTotals
from assay.compare._stream_cells import SliceCodes, StreamLayout
from assay.compare._stream_means import FlipTotals, MeanTotals, PairedScores
from assay.compare._stream_state_merge import merge_into
from assay.core import Suite
from assay.errors import ConfigError
from assay.metrics import get_metric

__all__ = ["StreamState"]


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
        # the 2x2 tables of 0/1 metrics are counted in five slots per cell
        binary = any(t.binary for _, t in self.means)
        slots = cells * 5 if binary else None
        for spec, totals in self.means:
            scores = PairedScores(*self._scores(paired, spec.name, totals))
            totals.add(scores, cells, n_cells, slots)
            self.flips.add(spec.name, spec.goal, scores, paired, self.n)
        if self.sums is not None:
            self.sums.add(paired, codes, self.n)
            for spec, _ in self.sums.specs:
                if all(spec.name in s.table.column_names for s in sides):
                    b, c = (example_means(s, record_scores(s, spec.name), n).means for s in sides)
                    scores = PairedScores(b, c)
                    if scores.valid.any():
                        self.flips.add(spec.name, spec.goal, scores, paired, self.n)
        if all("cost" in s.table.column_names for s in sides):
            b, c = (
                example_means(s, record_scores(s, "cost", exclude_errors=False), n).means
                for s in sides
            )
            self.cost.add(PairedScores(b, c), cells, n_cells, slots)
        self.n += n

    def _scores(
        self, paired: PairedRuns, metric: str, totals: MeanTotals
    ) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for side in (paired.baseline, paired.candidate):
            values = record_scores(side, metric)
            gone = self.missing[side.name]
            gone[metric] = gone.get(metric, 0) + int(np.count_nonzero(np.isnan(values)))
            means = example_means(side, values, paired.n)
            totals.add_spread(side.name, means.within_sd, _repeats(side, values, paired.n))
            out.append(means.means)
        return out[0], out[1]

    def merge(self, later: StreamState) -> None:
        """Add the state of the range of examples right after this one's (used up): the
        state one pass over both ranges would leave (see :func:`merge_into`)."""
        merge_into(self, later)
