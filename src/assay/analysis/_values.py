"""Each example's value for slice discovery, from a run's records (or two runs' records).

Repeated samples of an example are averaged first; records whose model call failed have no
score. The value is the example's *error*: ``1 - score`` for a metric whose per-example scores
lie in [0, 1] and whose goal is ``higher`` (``score`` itself for goal ``lower``); for any other
metric, the score oriented so that higher is worse (``-score`` for goal ``higher``). Against a
baseline the value is the paired difference of errors, candidate minus baseline: positive
where the candidate is worse. Examples without a value (no score on a side) are left out and
counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay._util.arrow import numpy_array
from assay.errors import DataError

__all__ = ["ExampleValues", "example_values"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ExampleValues:
    """One row per example with a value, sorted by example id."""

    examples: pa.Table
    """``example_id``, ``cluster`` (when present), the attribute columns, ``input``."""
    values: FloatArray
    definition: str
    """How the values were computed, in words (with how many examples were left out)."""
    left_out: int


def _per_example(records: pa.Table, metric: str, keep: Sequence[str], side: str) -> pa.Table:
    if metric not in records.column_names:
        raise DataError(
            f"the {side} records have no {metric!r} column",
            column=metric,
            expected="a metric of the suite",
            found=f"columns {records.column_names[:12]}",
        )
    score = records.column(metric).cast(pa.float64())
    if "error" in records.column_names:
        failed = pc.is_valid(records.column("error"))
        score = pc.if_else(failed, pa.scalar(None, pa.float64()), score)
    table = pa.table({"example_id": records.column("example_id").cast(pa.string()), "_s": score})
    present = [c for c in keep if c in records.column_names]
    for c in present:
        column = records.column(c)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        table = table.append_column(c, column)
    grouped = table.group_by("example_id", use_threads=False).aggregate(
        [("_s", "mean"), *((c, "first") for c in present)]
    )
    grouped = grouped.rename_columns(
        ["_s" if c == "_s_mean" else c.removesuffix("_first") for c in grouped.column_names]
    )
    return grouped.sort_by("example_id")


def _errors(scores: FloatArray, goal: str, bounded: bool) -> tuple[FloatArray, str]:
    if bounded:
        return (1.0 - scores, "1 - score") if goal == "higher" else (scores, "score")
    return (-scores, "-score") if goal == "higher" else (scores, "score")


def _bounded(*scores: FloatArray) -> bool:
    seen = np.concatenate([s[~np.isnan(s)] for s in scores])
    return bool(seen.size == 0 or (seen.min() >= 0.0 and seen.max() <= 1.0))


def example_values(
    records: pa.Table,
    metric: str,
    *,
    goal: str = "higher",
    attributes: Sequence[str] = (),
    baseline: pa.Table | None = None,
) -> ExampleValues:
    """Per-example errors of ``records`` on ``metric`` (or, with ``baseline``, the paired
    difference of errors), with the columns slices are made of."""
    keep = ["cluster", *attributes, "input"]
    own = _per_example(records, metric, keep, "run")
    scores = np.asarray(numpy_array(own.column("_s")), dtype=np.float64)
    table = own.drop_columns(["_s"])
    if baseline is None:
        values, how = _errors(scores, goal, _bounded(scores))
        definition = f"error of {metric} per example ({how}; repeated samples averaged)"
    else:
        other = _per_example(baseline, metric, [], "baseline")
        where = pc.index_in(table.column("example_id"), value_set=other.column("example_id"))
        paired = np.asarray(numpy_array(pc.is_valid(where)), dtype=bool)
        index = np.asarray(numpy_array(pc.fill_null(where, 0)), dtype=np.int64)
        base_all = np.asarray(numpy_array(other.column("_s")), dtype=np.float64)
        base_scores = np.where(paired, base_all[index], np.nan)
        bounded = _bounded(scores, base_all)
        values, how = _errors(scores, goal, bounded)
        values = values - _errors(base_scores, goal, bounded)[0]
        definition = (
            f"paired difference of {metric} errors per example, candidate minus baseline "
            f"({how} on each side; positive = candidate worse)"
        )
    ok = ~np.isnan(values)
    left_out = int((~ok).sum())
    if left_out:
        definition += f"; {left_out:,} example(s) without a score on a side left out"
    if not ok.any():
        raise DataError(
            f"no example has a {metric!r} score" + (" in both runs" if baseline else ""),
            column=metric,
            expected="scored examples",
            found="none",
        )
    return ExampleValues(table.filter(pa.array(ok)), values[ok], definition, left_out)
