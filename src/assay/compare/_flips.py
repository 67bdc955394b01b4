"""Examples whose outcome changed between the runs, with their text (stored as-is, untrusted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay.compare._align import PairedRuns, RunSide
from assay.core import Flip

__all__ = ["FlipCandidate", "build_flips", "find_flips"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FlipCandidate:
    """One example of one metric that changed; ``regression`` when the candidate is worse."""

    example: int
    metric: str
    baseline_score: float
    candidate_score: float
    regression: bool


def find_flips(
    metric: str,
    goal: Literal["higher", "lower"],
    b: FloatArray,
    c: FloatArray,
    binary: bool,
    max_flips: int,
) -> list[FlipCandidate]:
    """Up to ``max_flips`` changed examples of one metric, regressions first.

    0/1 metrics: right to wrong (regressions, in example-id order), then wrong to right.
    Other metrics: the largest regressions by how much worse the candidate scored.
    """
    valid = ~(np.isnan(b) | np.isnan(c))
    harm = np.where(valid, (b - c) if goal == "higher" else (c - b), 0.0)
    if binary:
        worse = np.flatnonzero(harm > 0)[:max_flips]
        better = np.flatnonzero(harm < 0)[: max_flips - worse.size]
        chosen = [(int(i), True) for i in worse] + [(int(i), False) for i in better]
    else:
        worse = np.flatnonzero(harm > 0)
        if worse.size > max_flips:
            worse = (
                worse[np.argpartition(-harm[worse], max_flips - 1)[:max_flips]]
                if max_flips
                else worse[:0]
            )
        chosen = [(int(i), True) for i in worse[np.lexsort((worse, -harm[worse]))]]
    return [FlipCandidate(i, metric, float(b[i]), float(c[i]), reg) for i, reg in chosen]


def _first_records(side: RunSide, examples: IntArray) -> dict[int, int]:
    """For each example, the row of its record with the lowest sample index."""
    rows = np.flatnonzero(np.isin(side.example, examples))
    if "sample_index" in side.table.column_names:
        sample = side.table.column("sample_index").take(pa.array(rows))
        key = np.asarray(pc.fill_null(sample, 0).to_numpy(), dtype=np.int64)
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
    values = side.table.column(column).take(pa.array([rows[e] for e in examples]))
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
    ids = paired.example_ids.take(pa.array(examples)).to_pylist()
    id_of = dict(zip(examples.tolist(), ids, strict=True))
    ordered = [f for f in found if f.regression] + [f for f in found if not f.regression]
    return [
        Flip(
            example_id=id_of[f.example],
            metric=f.metric,
            baseline_score=f.baseline_score,
            candidate_score=f.candidate_score,
            input=inputs.get(f.example),
            reference=references.get(f.example),
            baseline_output=out_b.get(f.example),
            candidate_output=out_c.get(f.example),
        )
        for f in ordered
    ]
