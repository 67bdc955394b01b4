"""Paired bootstrap of functions of sums from category counts, shared by the in-memory and
the streaming comparison.

Examples with identical statistics in one slice value form a category; one draw of category
totals of the resample weights (:meth:`assay.stats.ResampleWeights.category_counts`) resamples
every metric and every value of a slice attribute at once. :class:`CountDraws` draws the
counts of every family in a background thread while the comparison computes other metrics:
each family's counts come from its own streams, so when and where they are drawn changes no
number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from assay.stats import PairedResult, Replicates, ResampleWeights, paired_from_replicates_many

__all__ = ["MAX_CATEGORIES", "Categories", "CountDraws", "category_results"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Statistic = Callable[[FloatArray], FloatArray]

MAX_CATEGORIES = 1 << 20
"""The most label combinations × slice values a Poisson category bootstrap of label inputs
keeps per family, in memory as in a stream."""


@dataclass(frozen=True, eq=False)
class Categories:
    """Examples of one family grouped into categories of identical statistics and group.

    Categories are ordered by (group, first example), so each group's categories are
    contiguous and the draw depends on neither the order of the records nor how they were
    read."""

    sizes: IntArray
    """Examples in each category."""
    groups: IntArray
    """Group of each category (non-decreasing; -1: examples without a value come first)."""
    tables: list[FloatArray]
    """Per metric, then per run: ``(categories, k)`` statistics, zero where not valid."""
    valids: list[BoolArray]
    """Per metric: categories whose examples have statistics in both runs."""


def category_results(
    metrics: Sequence[tuple[str, Statistic]],
    categories: Categories,
    family_size: int,
    stream: int,
    weights: ResampleWeights,
    confidence: float,
    drawn: npt.NDArray[np.integer] | None = None,
) -> dict[str, list[PairedResult | None]]:
    """Paired bootstrap results of every metric on every group of one family, from one draw
    of category counts (``stream``: the family's index; ``drawn``: those counts, when
    :class:`CountDraws` drew them already)."""
    sizes = categories.sizes
    if drawn is None:
        drawn = weights.category_counts(sizes, stream=stream)
    counts = drawn.astype(np.float64)
    bounds = np.searchsorted(categories.groups, np.arange(family_size + 1))
    # every metric's statistics side by side, zero where the metric has no pair, so one
    # product per group gives every metric's resampled sums
    table = np.hstack(categories.tables)
    offsets = np.concatenate(([0], np.cumsum([t.shape[1] for t in categories.tables])))
    columns, column_of = _distinct_columns(counts, categories.tables)
    # the groups' resampled sums in batches that fit SUMS_BYTES: every group's at once would
    # hold groups x resamples x statistics values (a few MiB for the usual metrics; hundreds
    # for averaged statistics of many samples over many slice values)
    note = f"category fast path ({sizes.size} categories)"
    per_group = 8 * counts.shape[0] * max(columns.shape[1], table.shape[1], 1)
    step = max(1, SUMS_BYTES // per_group)
    edges = bounds.tolist()
    out: dict[str, list[PairedResult | None]] = {name: [None] * family_size for name, _ in metrics}
    for first in range(0, family_size, step):
        batch = range(first, min(first + step, family_size))
        sums = {
            v: counts[:, edges[v] : edges[v + 1]] @ columns[edges[v] : edges[v + 1]] for v in batch
        }
        for i, (name, value) in enumerate(metrics):
            cats = {
                v: edges[v] + np.flatnonzero(categories.valids[i][edges[v] : edges[v + 1]])
                for v in batch
            }
            filled = [v for v in batch if cats[v].size]
            runs = [
                _replicates(
                    value,
                    [np.take(sums[v], column_of[a:b], axis=1) for v in filled],
                    sizes,
                    table[:, a:b],
                    cats,
                    filled,
                )
                for a, b in pairwise(offsets[2 * i : 2 * i + 3].tolist())
            ]
            family = paired_from_replicates_many(
                list(zip(runs[0], runs[1], strict=True)),
                n=[int(sizes[cats[v]].astype(np.float64).sum()) for v in filled],
                confidence=confidence,
                weights=weights,
                notes=(note,),
            )
            for v, result in zip(filled, family, strict=True):
                out[name][v] = result
    return out


def _distinct_columns(counts: FloatArray, tables: list[FloatArray]) -> tuple[FloatArray, IntArray]:
    """The tables side by side without repeats, and where each column of ``np.hstack(tables)``
    is among them: metrics with the same statistics (macro-F1 and MCC) share one product.
    Only when every resampled sum is a whole number below 2**53, so computed exactly in any
    order; else all the columns."""
    table = np.hstack(tables)
    every = np.arange(table.shape[1])
    if table.size == 0 or not np.array_equal(table, np.rint(table)):
        return table, every
    if float(counts.sum(axis=1).max()) * float(np.abs(table).max()) >= 2.0**53:
        return table, every
    kept: list[FloatArray] = []
    starts = []
    for t in tables:
        same = next((j for j, k in enumerate(kept) if np.array_equal(k, t)), None)
        if same is None:
            same = len(kept)
            kept.append(t)
        starts.append(sum(k.shape[1] for k in kept[:same]))
    if len(kept) == len(tables):
        return table, every
    column_of = [start + np.arange(t.shape[1]) for start, t in zip(starts, tables, strict=True)]
    return np.hstack(kept), np.concatenate(column_of).astype(np.int64)


def _replicates(
    value: Statistic,
    sums: list[FloatArray],
    sizes: IntArray,
    table: FloatArray,
    cats: Mapping[int, IntArray],
    filled: list[int],
) -> list[Replicates]:
    """One run's replicates of one metric in each group with categories (``filled``): the
    metric is evaluated once for all those groups, on rows of statistics as for one group
    (2-D and in row order, so a sum over statistics inside ``value`` adds them in the same
    order, and a value written for ``(rows, k)`` works)."""
    if not filled:
        return []
    size = [sizes[cats[v]].astype(np.float64) for v in filled]
    rows = [table[cats[v]] for v in filled]
    total = np.stack([s @ t for s, t in zip(size, rows, strict=True)])
    with np.errstate(divide="ignore", invalid="ignore"):
        estimates = np.asarray(value(total), dtype=np.float64).tolist()
        resampled = np.ascontiguousarray(np.concatenate(sums))
        replicates = np.asarray(value(resampled), dtype=np.float64).reshape(len(filled), -1)
        left_out = np.concatenate([t[None, :] - r for t, r in zip(total, rows, strict=True)])
        jackknife = np.asarray(value(left_out), dtype=np.float64)
    ends = np.cumsum([r.shape[0] for r in rows]).tolist()
    return [
        Replicates(estimates[j], replicates[j], jackknife[end - len(size[j]) : end], size[j])
        for j, end in enumerate(ends)
    ]


SUMS_BYTES = 32 << 20
"""The most memory the resampled sums of one batch of a family's groups may hold: 32 MiB (one
group more when a single group is larger)."""

AHEAD_BYTES = 32 << 20
"""The most memory the counts of families drawn but not yet taken may hold: 32 MiB (one
family more when a single family is larger)."""


class CountDraws:
    """The category counts of several families, drawn ahead in a background thread
    (numpy's generators release the GIL while they draw), in order, while the comparison
    computes its other metrics.

    ``families`` maps each family's stream to its category sizes. Draws start at once, one
    family after another, as long as the counts drawn and not yet taken fit
    :data:`AHEAD_BYTES` (always at least the next family); taking a family's counts makes
    room for the next ones. Counts are drawn into a small integer type that holds them
    (uint16 or int32: a quarter or half the memory of int64, the same values). Call
    :meth:`close` when done, also after an error, so a draw not yet started is cancelled.
    """

    def __init__(self, weights: ResampleWeights, families: dict[int, IntArray]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-counts")
        self._weights = weights
        self._waiting = dict(families)
        self._futures: dict[int, tuple[Future[npt.NDArray[np.integer]], int]] = {}
        self._start_next()

    def counts(self, stream: int) -> npt.NDArray[np.integer]:
        """The counts of the family drawn with ``stream`` (waits for its draw), starting the
        next families' draws that fit."""
        if stream not in self._futures:
            self._start(stream)
        drawn = self._futures.pop(stream)[0].result()
        self._start_next()
        return drawn

    def close(self) -> None:
        """Cancel the draws not yet started; one under way finishes in its thread."""
        self._waiting.clear()
        self._futures.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _start_next(self) -> None:
        ahead = sum(size for _, size in self._futures.values())
        while self._waiting:
            stream = next(iter(self._waiting))
            size = _count_bytes(self._weights, self._waiting[stream])
            if self._futures and ahead + size > AHEAD_BYTES:
                return
            self._start(stream)
            ahead += size

    def _start(self, stream: int) -> None:
        sizes = self._waiting.pop(stream)
        future = self._pool.submit(_draw, self._weights, sizes, stream)
        self._futures[stream] = (future, _count_bytes(self._weights, sizes))


def _count_type(sizes: IntArray) -> type[np.integer]:
    """The smallest integer type that likely holds the counts of categories of ``sizes``: a
    category's count rarely exceeds its size by more than a few standard deviations."""
    top = int(sizes.max())
    likely = top + 8 * math.isqrt(top) + 64
    return np.uint16 if likely <= 0xFFFF else np.int32 if likely < 2**31 else np.int64


def _count_bytes(weights: ResampleWeights, sizes: IntArray) -> int:
    return weights.resamples * sizes.size * np.dtype(_count_type(sizes)).itemsize


def _draw(weights: ResampleWeights, sizes: IntArray, stream: int) -> npt.NDArray[np.integer]:
    kind = _count_type(sizes)
    try:
        return weights.category_counts(sizes, stream=stream, dtype=kind)
    except OverflowError:  # the same counts, drawn again in a type that holds them
        return weights.category_counts(sizes, stream=stream)
