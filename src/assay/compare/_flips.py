"""Examples whose outcome changed between the runs, with their text (stored as-is, untrusted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from assay._util.arrow import arrow_array, numpy_array
from assay.compare._align import PairedRuns, RunSide
from assay.core import Flip, FlipCount

__all__ = ["FlipCandidate", "build_flips", "find_flips", "listed_counts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FlipCandidate:
    """One example of one metric that changed; ``change`` > 0 when the candidate is better."""

    example: int
    metric: str
    baseline_score: float
    candidate_score: float
    change: float

    @property
    def regression(self) -> bool:
        """Whether the candidate scored worse on this example."""
        return self.change < 0


def listed_counts(worse: int, better: int, max_flips: int | None) -> tuple[int, int]:
    """How many regressions and improvements to list within ``max_flips`` for one metric.

    The cap is shared fairly: each direction gets half (regressions the odd one), and what one
    direction cannot use goes to the other. ``None`` lists every change.
    """
    if max_flips is None:
        return worse, better
    n_worse = min(worse, max((max_flips + 1) // 2, max_flips - better))
    return n_worse, min(better, max_flips - n_worse)


def _largest(index: IntArray, size: FloatArray, k: int) -> IntArray:
    """The ``k`` entries of ``index`` (ascending) with the largest ``size``, largest first,
    ties by index (so by example id: paired examples are numbered in id order)."""
    if k < index.size:
        cut = -np.partition(-size, k - 1)[k - 1] if k else np.inf
        above = size > cut
        tied = np.flatnonzero(size == cut)[: k - int(above.sum())]
        keep = np.flatnonzero(above)
        keep = np.concatenate((keep, tied))
        index, size = index[keep], size[keep]
    return index[np.lexsort((index, -size))]


def find_flips(
    metric: str,
    goal: Literal["higher", "lower"],
    b: FloatArray,
    c: FloatArray,
    max_flips: int | None,
) -> tuple[FlipCount, list[FlipCandidate]]:
    """The true counts of changed examples of one metric, and the ones to list.

    ``change`` is how much better the candidate scored, in the metric's units and goal
    direction. Each direction is ordered by the size of the change (0/1 metrics: all the
    same size, so by example id); ``max_flips`` is shared as :func:`listed_counts` says.
    """
    valid = ~(np.isnan(b) | np.isnan(c))
    change = np.where(valid, (c - b) if goal == "higher" else (b - c), 0.0)
    worse, better = np.flatnonzero(change < 0), np.flatnonzero(change > 0)
    count = FlipCount(metric=metric, worse=int(worse.size), better=int(better.size))
    n_worse, n_better = listed_counts(worse.size, better.size, max_flips)
    chosen = np.concatenate(
        (_largest(worse, -change[worse], n_worse), _largest(better, change[better], n_better))
    )
    return count, [
        FlipCandidate(int(i), metric, float(b[i]), float(c[i]), float(change[i]))
        for i in chosen.tolist()
    ]


def _first_records(side: RunSide, examples: IntArray) -> dict[int, int]:
    """For each example, the row of its record with the lowest sample index."""
    # record i is example i when the run has one record per paired example, in order
    rows = examples if side.identity else np.flatnonzero(np.isin(side.example, examples))
    if "sample_index" in side.table.column_names:
        sample = side.table.column("sample_index").take(
            arrow_array(np.asarray(rows, dtype=np.int64))
        )
        key = np.asarray(numpy_array(sample, fill=0), dtype=np.int64)
    else:
        key = np.zeros(rows.size, dtype=np.int64)
    chosen: dict[int, int] = {}
    for row in rows[np.lexsort((rows, key))].tolist():
        chosen.setdefault(int(side.example[row]), row)
    return chosen


def _texts(side: RunSide, rows: dict[int, int], column: str) -> dict[int, str | None]:
    if column not in side.table.column_names or not rows:
        return {}
    examples = list(rows)
    values = side.table.column(column).take(
        arrow_array(np.asarray([rows[e] for e in examples], dtype=np.int64))
    )
    return dict(zip(examples, values.cast(pa.string()).to_pylist(), strict=True))


def build_flips(paired: PairedRuns, found: Sequence[FlipCandidate]) -> list[Flip]:
    """Attach ids and text to the flips: every regression first, then the improvements."""
    if not found:
        return []
    examples = np.unique(np.array([f.example for f in found], dtype=np.int64))
    rows_b = _first_records(paired.baseline, examples)
    rows_c = _first_records(paired.candidate, examples)
    inputs = _texts(paired.baseline, rows_b, "input")
    references = _texts(paired.baseline, rows_b, "reference")
    out_b = _texts(paired.baseline, rows_b, "output")
    out_c = _texts(paired.candidate, rows_c, "output")
    ids = paired.example_ids.take(arrow_array(np.asarray(examples, dtype=np.int64))).to_pylist()
    id_of = dict(zip(examples.tolist(), ids, strict=True))
    ordered = [f for f in found if f.regression] + [f for f in found if not f.regression]
    return [
        Flip(
            example_id=id_of[f.example],
            metric=f.metric,
            baseline_score=f.baseline_score,
            candidate_score=f.candidate_score,
            regression=f.regression,
            change=f.change,
            input=inputs.get(f.example),
            reference=references.get(f.example),
            baseline_output=out_b.get(f.example),
            candidate_output=out_c.get(f.example),
        )
        for f in ordered
    ]
