"""Paired bootstrap of metrics that are not means: functions of sums and custom metrics.

Functions of sums (F1, macro-F1, MCC, BLEU, ...) are recomputed on every resample from the
resampled per-example sufficient statistics. All of them share one seeded
:class:`~assay.stats.ResampleWeights` over the paired examples (clusters, when there are
clusters). For each slice attribute the examples are grouped into categories of identical
statistics and slice value, and one draw of category counts from those weights resamples
every metric and every value of the attribute at once (the distribution of resampling the
examples, drawn in ``O(resamples × categories)``, as ``assay.stats.paired_bootstrap_table``'s
fast path does). When the statistics take too many distinct values (more categories than an
eighth of the examples), or the examples are clustered,
:func:`assay.stats.paired_bootstrap_table` resamples the exact unit weights. Poisson weights
on label inputs always take the categories, up to
:data:`~assay.compare._categories.MAX_CATEGORIES` (examples that errored or lack an input
included, as categories without statistics), so they draw exactly what a streamed
comparison draws.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.compare._categories import (
    MAX_CATEGORIES,
    Categories,
    CountDraws,
    category_results,
)
from assay.compare._groups import Family, Layout
from assay.compare._means import GroupResults
from assay.compare._sums_inputs import ExampleStatistics
from assay.errors import UnderpoweredWarning
from assay.metrics import MetricDefinition, compare_metric
from assay.stats import (
    PairedResult,
    PairedStats,
    ResampleWeights,
    paired_bootstrap_table,
)

__all__ = ["PendingSums", "SumsMetric", "compare_custom", "start_sums"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Statistic = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True, eq=False)
class SumsMetric:
    """A metric computed from summed per-example statistics, for both runs."""

    name: str
    """The suite's metric name."""
    value: Statistic
    """Metric from summed statistics, vectorised ``(..., k) -> (...)``."""
    baseline: ExampleStatistics
    """``(n, k)`` statistics of the baseline per paired example (zero rows where not valid)."""
    candidate: ExampleStatistics
    """``(n, k)`` statistics of the candidate."""
    valid: BoolArray
    """Examples with statistics in both runs."""
    codes: IntArray | None = None
    """Optional codes, equal only where the examples' rows of both runs are equal (label
    combinations); saves hashing the statistics."""


def _compact(code: IntArray, card: int) -> tuple[IntArray, int]:
    if card <= 4 * code.size + 1024:
        present = np.bincount(code, minlength=card) > 0
        return (np.cumsum(present) - 1)[code], int(present.sum())
    uniq, inverse = np.unique(code, return_inverse=True)
    return inverse.astype(np.int64).ravel(), int(uniq.size)


def _row_codes(matrix: npt.NDArray[Any], limit: int) -> tuple[IntArray, int] | None:
    """Codes equal exactly where rows are equal (0 .. m-1), or None past ``limit`` rows."""
    n = matrix.shape[0]
    code = np.zeros(n, dtype=np.int64)
    card = 1
    for j in range(matrix.shape[1]):
        col = matrix[:, j]
        lo, hi = col.min(), col.max()
        if lo == hi:
            continue
        integral = np.issubdtype(col.dtype, np.integer) or bool(np.array_equal(col, np.rint(col)))
        if integral and hi - lo < 1 << 20:
            values, width = (col - lo).astype(np.int64), int(hi - lo) + 1
        else:
            uniq, inverse = np.unique(col, return_inverse=True)
            if uniq.size > limit:
                return None
            values, width = inverse.astype(np.int64).ravel(), int(uniq.size)
        if card * width >= 1 << 62:
            code, card = _compact(code, card)
        code, card = code * width + values, card * width
        if card > limit:
            code, card = _compact(code, card)
            if card > limit:
                return None
    return _compact(code, card)


def _by_group(key: IntArray, card: int, group: IntArray) -> tuple[IntArray, IntArray]:
    """Number categories by (group, first example), so each group's categories are contiguous
    and the draw depends on neither the codes' values nor the order of the records.

    Returns each example's category and the first example of each category.
    """
    n = key.size
    first = np.zeros(card, dtype=np.int64)
    first[key[::-1]] = np.arange(n, dtype=np.int64)[::-1]
    order = np.lexsort((first, group[first]))
    rank = np.empty(card, dtype=np.int64)
    rank[order] = np.arange(card)
    return rank[key], first[order]


def _statistic_codes(metrics: Sequence[SumsMetric], limit: int) -> tuple[IntArray, int] | None:
    joint: tuple[IntArray, int] | None = None
    seen: list[IntArray] = []
    for m in metrics:
        if m.codes is not None and any(m.codes is codes for codes in seen):
            continue  # the same combinations as an earlier metric: they refine nothing
        if m.codes is not None:
            seen.append(m.codes)
            coded: tuple[IntArray, int] | None = _compact(m.codes, int(m.codes.max()) + 1)
        else:
            rows = np.hstack([m.baseline.full, m.candidate.full, m.valid[:, None]])
            coded = _row_codes(rows, limit)
        if coded is None:
            return None
        if joint is None:
            joint = coded
        else:
            joint = _compact(joint[0] * coded[1] + coded[0], joint[1] * coded[1])
            if joint[1] > limit:
                return None
    return joint


def _fast_family(
    metrics: Sequence[SumsMetric],
    family: Family,
    statistic_codes: tuple[IntArray, int],
    limit: int,
) -> Categories | None:
    """The family's categories (statistics and group), or None past ``limit`` of them."""
    codes, card = statistic_codes
    key, c = _compact((family.codes + 1) * card + codes, (family.size + 1) * card)
    if c > limit:
        return None
    category, leader = _by_group(key, c, family.codes)
    tables, valids = [], []
    for m in metrics:
        keep = m.valid[leader]
        for run in (m.baseline, m.candidate):
            tables.append(np.where(keep[:, None], np.asarray(run.take(leader), np.float64), 0.0))
        valids.append(keep)
    sizes = np.bincount(category, minlength=c)
    return Categories(sizes, family.codes[leader], tables, valids)


def _engine_family(
    m: SumsMetric, family: Family, layout: Layout, weights: ResampleWeights, confidence: float
) -> list[PairedResult | None]:
    masks = {str(v): (family.codes == v) & m.valid for v in range(family.size)}
    filled = {k: mask for k, mask in masks.items() if mask.any()}
    if not filled:
        return [None] * family.size
    with warnings.catch_warnings():
        # slices with one unit are reported with their unbounded interval and a note
        warnings.simplefilter("ignore", UnderpoweredWarning)
        table = paired_bootstrap_table(
            {m.name: PairedStats(m.baseline.full, m.candidate.full, m.value)},
            slices=filled,
            weights=weights,
            clusters=layout.clusters,
            confidence=confidence,
        )
    return [table.get((m.name, str(v))) for v in range(family.size)]


@dataclass(eq=False)
class PendingSums:
    """Functions of sums whose category counts are being drawn (see :func:`start_sums`)."""

    named: list[tuple[str, Statistic]]
    """Each metric's name and value function, in order."""
    engine: Sequence[SumsMetric]
    """The metrics with their per-example statistics, kept only while a family needs them
    (one whose examples are resampled by the engine, not by categories)."""
    layout: Layout
    weights: ResampleWeights
    confidence: float
    categories: list[Categories | None]
    """Per family: its categories, or None where the engine resamples the unit weights."""
    draws: CountDraws | None

    def close(self) -> None:
        """Stop the draws not yet started (after an error: :meth:`finish` closes too)."""
        if self.draws is not None:
            self.draws.close()

    def finish(self) -> dict[str, GroupResults]:
        """Paired bootstrap results of every function-of-sums metric on every group."""
        out: dict[str, GroupResults] = {name: [] for name, _ in self.named}
        try:
            for f, family in enumerate(self.layout.families):
                found = self.categories[f]
                if found is not None and self.draws is not None:
                    counts = self.draws.counts(f)  # starts the next family's draw
                    fast = category_results(
                        self.named, found, family.size, f, self.weights, self.confidence, counts
                    )
                    del counts  # held no longer than needed: room for the families drawn ahead
                    for name, _ in self.named:
                        out[name].append(fast[name])
                    continue
                for m in self.engine:
                    out[m.name].append(
                        _engine_family(m, family, self.layout, self.weights, self.confidence)
                    )
        finally:
            self.close()
        return out


def start_sums(
    metrics: Sequence[SumsMetric], layout: Layout, weights: ResampleWeights, confidence: float
) -> PendingSums:
    """Group every family's examples into categories and start drawing their counts in a
    background thread; :meth:`PendingSums.finish` turns them into results."""
    n = layout.cells.size
    limit = max(64, n // 8)
    if weights.kind == "poisson" and all(m.codes is not None for m in metrics):
        # labels: the categories a streamed comparison draws, however many (up to its bound)
        limit = max(limit, MAX_CATEGORIES)
    codes = None if layout.clusters is not None else _statistic_codes(metrics, limit)
    found: list[Categories | None] = [
        None if codes is None else _fast_family(metrics, family, codes, limit)
        for family in layout.families
    ]
    sizes = {f: c.sizes for f, c in enumerate(found) if c is not None}
    draws = CountDraws(weights, sizes) if sizes else None
    engine = metrics if len(sizes) < len(found) else []
    named = [(m.name, m.value) for m in metrics]
    return PendingSums(named, engine, layout, weights, confidence, found, draws)


def compare_custom(
    definition: MetricDefinition,
    baseline: Mapping[str, npt.NDArray[Any]],
    candidate: Mapping[str, npt.NDArray[Any]],
    valid: BoolArray,
    layout: Layout,
    rng: int,
    resamples: int,
    confidence: float,
) -> GroupResults:
    """A metric with its own resampling, on each group separately (seeded alike)."""
    out: GroupResults = []
    for family in layout.families:
        row: list[PairedResult | None] = []
        for v in range(family.size):
            rows = np.flatnonzero((family.codes == v) & valid)
            if rows.size == 0:
                row.append(None)
                continue
            clusters = None if layout.clusters is None else layout.clusters[rows]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnderpoweredWarning)
                row.append(
                    compare_metric(
                        definition,
                        {k: x[rows] for k, x in baseline.items()},
                        {k: x[rows] for k, x in candidate.items()},
                        rng=rng,
                        resamples=resamples,
                        clusters=clusters,
                        confidence=confidence,
                    )
                )
        out.append(row)
    return out
