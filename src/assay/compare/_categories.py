"""Paired bootstrap of functions of sums from category counts, shared by the in-memory and
the streaming comparison.

Examples with identical statistics in one slice value form a category; one draw of category
totals of the resample weights (:meth:`assay.stats.ResampleWeights.category_counts`) resamples
every metric and every value of a slice attribute at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.stats import PairedResult, Replicates, ResampleWeights, paired_from_replicates

__all__ = ["MAX_CATEGORIES", "Categories", "category_results"]

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
) -> dict[str, list[PairedResult | None]]:
    """Paired bootstrap results of every metric on every group of one family, from one draw
    of category counts (``stream``: the family's index)."""
    sizes = categories.sizes
    counts = weights.category_counts(sizes, stream=stream).astype(np.float64)
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
