"""Mean metrics and flips of a streamed comparison: per-cell totals merged chunk by chunk.

Whether a metric's scores are all 0/1 is known only at the end, so each chunk adds to both
the 2×2 table (while every score so far is 0 or 1) and the sums of deviations; the end picks
the methods the in-memory comparison would pick (:func:`assay.compare._means.compare_means`).
Flips keep, per chunk, the largest changes of each direction (enough for any final share of
``max_flips``) with their texts; the end chooses among them with the true totals.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from assay.compare._align import PairedRuns
from assay.compare._flips import FlipCandidate, build_flips, find_flips, listed_counts
from assay.compare._groups import Layout
from assay.compare._means import GroupResults
from assay.compare._moments import (
    binary_moments,
    binary_results,
    continuous_results,
    family_moments,
)
from assay.compare._stream_cells import CellTotals, _grow
from assay.core import Flip, FlipCount

__all__ = ["FlipTotals", "MeanTotals", "PairedScores"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class PairedScores:
    """One metric's scores of a chunk's paired examples (NaN: not scored), and what the mean
    totals learn of them that the flips need too, so that neither computes it twice."""

    def __init__(self, b: FloatArray, c: FloatArray) -> None:
        self.b, self.c = b, c
        self.valid: BoolArray = ~(np.isnan(b) | np.isnan(c))
        """Pairs scored in both runs."""
        self.pairs: IntArray | None = None
        """When every scored pair is 0/1: how many pairs are 0-0, 0-1, 1-0, 1-1 and unscored."""
        self.scored_change: FloatArray | None = None
        """``c - b`` over the scored pairs, when computed."""

    def tally(self, goal: Literal["higher", "lower"]) -> tuple[int, int, float, float]:
        """Changes for the worse and for the better, and the smallest and largest change (0
        included, as for an unscored pair), in the goal's direction."""
        if self.pairs is not None:  # changes of 0/1 scores are -1, 0 or 1
            worse, better = (self.pairs[2], self.pairs[1])[:: 1 if goal == "higher" else -1]
            return int(worse), int(better), -1.0 if worse else 0.0, 1.0 if better else 0.0
        d = self.scored_change
        if d is None:
            d = (self.c - self.b)[self.valid]
        down, up = int(np.count_nonzero(d < 0)), int(np.count_nonzero(d > 0))
        low, high = float(d.min(initial=0.0)), float(d.max(initial=0.0))
        return (down, up, low, high) if goal == "higher" else (up, down, -high, -low)

    def change(self, goal: Literal["higher", "lower"]) -> FloatArray:
        """How much better the candidate scored on each example (0 where unscored)."""
        return np.where(
            self.valid, (self.c - self.b) if goal == "higher" else (self.b - self.c), 0.0
        )


@dataclass
class MeanTotals:
    """One mean metric's running totals over every chunk."""

    name: str
    goal: Literal["higher", "lower"]
    binary: bool = True
    scored: bool = False
    table: IntArray = field(default_factory=lambda: np.zeros((0, 5), dtype=np.int64))
    runs: tuple[CellTotals, CellTotals, CellTotals] = field(
        default_factory=lambda: (CellTotals(), CellTotals(), CellTotals())
    )
    spread: dict[str, list[float]] = field(
        default_factory=lambda: {"baseline": [0.0, 0.0], "candidate": [0.0, 0.0]}
    )
    """Per run: sum of within-example SDs and the number of examples they come from."""

    def add(
        self, scores: PairedScores, cells: IntArray, n_cells: int, slots: IntArray | None = None
    ) -> None:
        """Add a chunk's per-example scores of cells ``cells`` (``slots``: ``cells * 5``, when
        the caller has it)."""
        b, c, valid = scores.b, scores.c, scores.valid
        if not valid.any():
            return
        self.scored = True
        if self.binary:
            # the pairs of 0/1 scores are among the scored pairs: all of them when binary
            zero_one = ((b == 0.0) | (b == 1.0)) & ((c == 0.0) | (c == 1.0))
            self.binary = np.count_nonzero(zero_one) == np.count_nonzero(valid)
            if not self.binary:
                self._from_table()
        if self.binary:
            # while every score is 0 or 1 the 2x2 table is all there is to keep
            pair = b * 2.0 + c
            np.copyto(pair, 4.0, where=~valid)
            key = pair.astype(np.int64)
            scores.pairs = np.bincount(key, minlength=5)
            key += cells * 5 if slots is None else slots
            # counted into the table in place: whole numbers, so the order does not matter, and
            # no table-sized array of the chunk's counts is made, cleared and added
            self.table = np.ascontiguousarray(_grow(self.table, n_cells))
            np.add.at(self.table.reshape(-1), key, 1)
            return
        rows = cells[valid]
        counts = np.bincount(rows, minlength=n_cells)
        bv, cv = b[valid], c[valid]
        scores.scored_change = dv = cv - bv
        # the three totals count the same pairs, so a cell is new to all of them or to none
        fresh = self.runs[0].fresh(rows, n_cells)
        for totals, x in zip(self.runs, (bv, cv, dv), strict=True):
            totals.add(x, rows, n_cells, counts, fresh)

    def _from_table(self) -> None:
        """The sums of the chunks so far, from their 2x2 tables (exact: whole numbers)."""
        t = self.table.astype(np.float64)
        n = self.table[:, :4].sum(axis=1)
        ones_b, ones_c = t[:, 2] + t[:, 3], t[:, 1] + t[:, 3]
        for totals, ones in zip(self.runs[:2], (ones_b, ones_c), strict=True):
            # anchored at 1 when every value is 1, else at 0: zero spread exactly when constant
            anchor = np.where((ones == n) & (n > 0), 1.0, 0.0)
            off = np.where(anchor == 1.0, n - ones, ones)
            totals.set(n, anchor, np.where(anchor == 1.0, -off, off), off, off)
        up, down = t[:, 1], t[:, 2]
        anchor = np.where((up == n) & (n > 0), 1.0, np.where((down == n) & (n > 0), -1.0, 0.0))
        off = np.where(anchor == 0.0, up + down, 0.0)
        self.runs[2].set(n, anchor, np.where(anchor == 0.0, up - down, 0.0), off, off)

    def as_continuous(self) -> None:
        """Compare as a mean of scores even when every score is 0 or 1 (cost)."""
        if self.binary:
            self._from_table()
            self.binary = False

    def add_spread(self, side: str, sd_mean: float | None, count: int) -> None:
        """Add a chunk's mean within-example SD over ``count`` examples with repeats."""
        if sd_mean is not None and count:
            self.spread[side][0] += sd_mean * count
            self.spread[side][1] += count

    def within_sd(self, side: str) -> float | None:
        """Mean within-example SD over every example with repeated samples."""
        total, count = self.spread[side]
        return total / count if count else None

    def results(self, layout: Layout, confidence: float) -> GroupResults:
        """The paired results of every group, as the in-memory comparison computes them."""
        out: GroupResults = []
        g = layout.n_cells
        table = _grow(self.table, g)[:g]
        sums = [t.sums(g) for t in self.runs]
        for f, fam in enumerate(layout.families):
            groups = layout.cell_groups[f]
            if self.binary:
                grp = np.where(groups >= 0, groups, fam.size)
                slots = (grp[:, None] * 5 + np.arange(5)).ravel()
                counts = np.bincount(slots, weights=table.ravel(), minlength=5 * (fam.size + 1))
                cell = counts.reshape(fam.size + 1, 5)[: fam.size].astype(np.int64)
                n = cell[:, 0] + cell[:, 1] + cell[:, 2] + cell[:, 3]
                k_b, k_c, both = cell[:, 2] + cell[:, 3], cell[:, 1] + cell[:, 3], cell[:, 3]
                mb, mc = binary_moments(n, k_b), binary_moments(n, k_c)
                out.append(binary_results(mb, mc, None, k_b, k_c, both, confidence))
                continue
            mb, mc, md = (family_moments(s, groups, fam.size) for s in sums)
            out.append(continuous_results(mb, mc, md, confidence))
        return out


@dataclass
class FlipTotals:
    """True counts of changed examples per metric, and the largest changes with texts."""

    max_flips: int | None
    counts: dict[str, list[int]] = field(default_factory=dict)
    kept: list[tuple[FlipCandidate, Flip]] = field(default_factory=list)
    best: dict[tuple[str, bool], list[tuple[float, int]]] = field(default_factory=dict)
    """Per metric and direction, the order keys of the best ``max_flips`` kept so far: a
    later example that cannot beat the last of them is never listed, nor its text read."""

    def _promising(self, found: list[FlipCandidate], offset: int) -> list[FlipCandidate]:
        if self.max_flips is None:
            return found
        out = []
        for cand in found:
            best = self.best.setdefault((cand.metric, cand.regression), [])
            key = (-abs(cand.change), cand.example + offset)
            if len(best) >= self.max_flips and key >= best[-1]:
                continue
            bisect.insort(best, key)
            del best[self.max_flips :]
            out.append(cand)
        return out

    def _cut(self, metric: str, regression: bool) -> float:
        """The size a change must pass to be listed in this direction (0: any change)."""
        best = self.best.get((metric, regression), [])
        if self.max_flips is None or len(best) < self.max_flips:
            return 0.0
        return -best[-1][0]

    def add(
        self,
        metric: str,
        goal: Literal["higher", "lower"],
        scores: PairedScores,
        paired: PairedRuns,
        offset: int,
    ) -> None:
        """Count a chunk's flips of ``metric`` and keep its largest ones, with their texts.

        A direction whose best ``max_flips`` are already kept lists only changes larger than
        the smallest of them (a later example with an equal change comes after it), so only
        those are looked at."""
        cap = None if self.max_flips is None else 2 * self.max_flips
        worse, better, low, high = scores.tally(goal)
        total = self.counts.setdefault(metric, [0, 0])
        total[0] += worse
        total[1] += better
        if self.max_flips == 0:
            return
        down, up = self._cut(metric, True), self._cut(metric, False)
        if low >= -down and high <= up:
            return  # no change large enough to be listed
        b, c, change = scores.b, scores.c, scores.change(goal)
        wanted = (change < -down) | (change > up)
        if not wanted.all():
            b, c = np.where(wanted, b, np.nan), np.where(wanted, c, np.nan)
        found = self._promising(find_flips(metric, goal, b, c, cap)[1], offset)
        if self.max_flips == 0 or not found:
            return
        flips = {(f.metric, f.example_id, f.regression): f for f in build_flips(paired, found)}
        ids = paired.example_ids
        for cand in found:
            key = (cand.metric, ids[cand.example].as_py(), cand.regression)
            moved = FlipCandidate(
                cand.example + offset,
                cand.metric,
                cand.baseline_score,
                cand.candidate_score,
                cand.change,
            )
            self.kept.append((moved, flips[key]))

    def finish(self, order: dict[str, int]) -> tuple[list[FlipCount], list[Flip]]:
        """Flip counts in suite order, and the flips to list (as the in-memory comparison
        lists them)."""
        counts = [FlipCount(metric=m, worse=w, better=b) for m, (w, b) in self.counts.items()]
        counts.sort(key=lambda c: order.get(c.metric, len(order)))
        listed: list[tuple[FlipCandidate, Flip]] = []
        for metric, (worse, better) in self.counts.items():
            mine = [k for k in self.kept if k[0].metric == metric]
            n_worse, n_better = listed_counts(worse, better, self.max_flips)
            down = sorted((k for k in mine if k[0].change < 0), key=_largest_first)
            up = sorted((k for k in mine if k[0].change > 0), key=_largest_first)
            listed += down[:n_worse] + up[:n_better]
        listed.sort(key=lambda k: order.get(k[0].metric, len(order)))
        flips = [f for _, f in listed]
        return counts, [f for f in flips if f.regression] + [f for f in flips if not f.regression]


def _largest_first(kept: tuple[FlipCandidate, Flip]) -> tuple[float, int]:
    return (-abs(kept[0].change), kept[0].example)
