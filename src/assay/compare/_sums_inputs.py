"""The statistics of functions of sums per paired example, from the records' inputs.

Metrics that read the same inputs (macro-F1 and MCC both read ``reference`` and ``output``)
share everything that does not depend on the metric: the inputs per record, which records are
usable, their label combinations and each example's combination, computed once per comparison.
With few label combinations a metric's statistics are computed once per combination and kept
as that small table and each example's row of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.compare._align import BoolArray, IntArray, PairedRuns, RunSide
from assay.compare._inputs import RecordInputs, TextCache, input_column, record_inputs
from assay.core import MetricSpec
from assay.errors import DataError
from assay.metrics import MetricDefinition

__all__ = ["ExampleStatistics", "SharedInputs", "bind", "example_statistics"]


@dataclass(frozen=True, eq=False)
class ExampleStatistics:
    """``(n, k)`` statistics of one run per paired example, held as distinct rows and each
    example's row when the examples take few distinct statistics (label combinations): the
    full matrix is built only if a family needs it."""

    rows: npt.NDArray[Any]
    """The distinct rows (with ``index``), or the ``(n, k)`` statistics themselves."""
    index: IntArray | None = None
    """Each example's row of ``rows``; ``None`` when ``rows`` has one row per example."""

    def take(self, examples: IntArray) -> npt.NDArray[Any]:
        """The statistics of the given examples."""
        return self.rows[examples if self.index is None else self.index[examples]]

    @cached_property
    def full(self) -> npt.NDArray[Any]:
        """The ``(n, k)`` statistics of every example."""
        return self.rows if self.index is None else self.rows[self.index]


def bind(
    d: MetricDefinition, spec: MetricSpec, b: RecordInputs, c: RecordInputs, shared: SharedInputs
) -> MetricDefinition:
    try:
        return d.bound(shared.distinct_of(b), shared.distinct_of(c))
    except TypeError as exc:
        raise DataError(
            f"metric {spec.name!r} ({spec.aggregate}): the labels of the reference and output "
            "columns cannot be ordered together",
            column="reference",
            expected="labels of one type (all numbers or all text)",
            found=str(exc),
        ) from exc


def _compact(stats: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Small whole-number statistics (confusion cells) as uint8: an eighth of the memory."""
    if stats.dtype.kind != "f" or stats.size == 0:
        return stats
    if stats.min() >= 0 and stats.max() <= 255 and np.array_equal(stats, np.rint(stats)):
        return stats.astype(np.uint8)
    return stats


Combinations = tuple[IntArray, int, dict[str, Any]] | None
"""Each record's label combination, their number and each combination's labels
(:meth:`RecordInputs.combinations`)."""


@dataclass(frozen=True, eq=False)
class _Usable:
    """Where one run's usable records fall among the paired examples (per inputs, shared by
    the metrics that read the same inputs; only what they need is kept)."""

    valid: BoolArray
    """Paired examples with a usable record."""
    labels: tuple[int, dict[str, Any]] | None
    """With few label combinations: their number m and each combination's labels."""
    per_example: IntArray | None
    """With few label combinations and one record per example: each example's combination
    (m: none)."""
    records: tuple[IntArray, IntArray, IntArray, IntArray | None] | None
    """Without ``per_example``: the usable records of paired examples, their examples, the
    records of each example and each record's combination (with few combinations)."""

    @classmethod
    def of(cls, side: RunSide, inputs: RecordInputs, n: int, limit: int) -> _Usable:
        rows = np.flatnonzero(inputs.usable & (side.example >= 0))
        ex = side.example[rows]
        counts = np.bincount(ex, minlength=n)
        combos = inputs.combinations(limit=limit) if rows.size else None
        labels = None if combos is None else (combos[1], combos[2])
        if combos is not None and counts.max(initial=0) <= 1:
            per_example = np.full(n, combos[1], dtype=np.int64)
            per_example[ex] = combos[0][rows]
            return cls(counts > 0, labels, per_example, None)
        code = None if combos is None else combos[0]
        return cls(counts > 0, labels, None, (rows, ex, counts, code))


def example_statistics(
    d: MetricDefinition, inputs: RecordInputs, usable: _Usable, n: int
) -> tuple[ExampleStatistics, npt.NDArray[np.bool_], IntArray | None]:
    """Per-example sufficient statistics (averaged over samples), which examples have them,
    and, when the inputs are labels with few combinations, each example's label combination
    (``m``: none)."""
    assert d.statistics is not None
    valid = usable.valid
    if not valid.any():  # no usable record: the metric is reported unscored
        return ExampleStatistics(np.zeros((n, 0))), np.zeros(n, dtype=bool), None
    table = None
    if usable.labels is not None:
        # statistics are per example: compute them once per combination of labels
        m, at = usable.labels
        table = np.asarray(d.statistics(**at)).reshape(m, -1)
        table = _compact(np.vstack([table, np.zeros((1, table.shape[1]), table.dtype)]))
        if usable.per_example is not None:
            return ExampleStatistics(table, usable.per_example), valid, usable.per_example
    assert usable.records is not None
    rows, ex, counts, code = usable.records
    if table is not None and code is not None:
        stats = table[code[rows]]
    else:
        values = {k: inputs.values(k)[rows] for k in d.inputs}
        stats = _compact(np.asarray(d.statistics(**values)).reshape(rows.size, -1))
    if counts.max(initial=0) <= 1:
        out = np.zeros((n, stats.shape[1]), dtype=stats.dtype)
        out[ex] = stats
        return ExampleStatistics(out), valid, None
    sums = np.zeros((n, stats.shape[1]))
    for j in range(stats.shape[1]):
        sums[:, j] = np.bincount(ex, weights=stats[:, j], minlength=n)
    sums[valid] /= counts[valid, None]
    return ExampleStatistics(sums), valid, None


@dataclass(eq=False)
class SharedInputs:
    """What the metrics of one comparison that read the same inputs share, computed once:
    their inputs per record, usable records, label combinations and distinct labels."""

    paired: PairedRuns
    limit: int
    texts: TextCache = field(default_factory=dict)
    """Each text column decoded once, whichever metrics read it."""
    inputs: dict[tuple[str, tuple[tuple[str, str], ...]], RecordInputs] = field(
        default_factory=dict
    )
    usable: dict[int, _Usable] = field(default_factory=dict)
    """By ``id`` of the inputs (kept alive in ``inputs``)."""
    distinct: dict[int, dict[str, npt.NDArray[Any]]] = field(default_factory=dict)
    codes: dict[tuple[int, int], IntArray] = field(default_factory=dict)

    def record_inputs(self, side: RunSide, d: MetricDefinition, spec: MetricSpec) -> RecordInputs:
        columns = tuple((k, input_column(k, spec.name, spec.aggregate)) for k in d.inputs)
        key = (side.name, columns)
        if key not in self.inputs:
            self.inputs[key] = record_inputs(side, d, spec.name, spec.aggregate, self.texts)
        return self.inputs[key]

    def usable_of(self, side: RunSide, inputs: RecordInputs) -> _Usable:
        if id(inputs) not in self.usable:
            self.usable[id(inputs)] = _Usable.of(side, inputs, self.paired.n, self.limit)
        return self.usable[id(inputs)]

    def distinct_of(self, inputs: RecordInputs) -> dict[str, npt.NDArray[Any]]:
        if id(inputs) not in self.distinct:
            self.distinct[id(inputs)] = inputs.distinct()
        return self.distinct[id(inputs)]

    def pair_codes(self, kb: IntArray, kc: IntArray) -> IntArray:
        """Codes equal where both runs' combinations are equal (the same array for the same
        combinations, so metrics with the same inputs are seen to share them)."""
        key = (id(kb), id(kc))
        if key not in self.codes:
            self.codes[key] = kb * (int(kc.max()) + 1) + kc
        return self.codes[key]
