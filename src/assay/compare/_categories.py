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
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.stats import PairedResult, Replicates, ResampleWeights, paired_from_replicates

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
    note = f"category fast path ({sizes.size} categories)"
    out: dict[str, list[PairedResult | None]] = {name: [] for name, _ in metrics}
    for v in range(family_size):
        lo, hi = int(bounds[v]), int(bounds[v + 1])
        sums = counts[:, lo:hi] @ table[lo:hi]
        for i, (name, value) in enumerate(metrics):
            cats = lo + np.flatnonzero(categories.valids[i][lo:hi])
            if cats.size == 0:
                out[name].append(None)
                continue
            size = sizes[cats].astype(np.float64)
            reps = [
                _replicates(value, sums[:, a:b], size, table[cats, a:b])
                for a, b in (
                    (int(offsets[2 * i]), int(offsets[2 * i + 1])),
                    (int(offsets[2 * i + 1]), int(offsets[2 * i + 2])),
                )
            ]
            out[name].append(
                paired_from_replicates(
                    reps[0],
                    reps[1],
                    n=int(size.sum()),
                    confidence=confidence,
                    weights=weights,
                    notes=(note,),
                )
            )
    return out


def _replicates(
    value: Statistic, sums: FloatArray, sizes: FloatArray, table: FloatArray
) -> Replicates:
    total = sizes @ table
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = float(np.asarray(value(total[None, :]), dtype=np.float64)[0])
        replicates = np.asarray(value(sums), dtype=np.float64)
        jackknife = np.asarray(value(total[None, :] - table), dtype=np.float64)
    return Replicates(estimate, replicates, jackknife, sizes)


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
