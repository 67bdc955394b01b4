"""Resample weights: one seeded set of bootstrap weights shared by every metric and slice.

A bootstrap resample is a vector of non-negative integer weights, one per resampling unit
(an example, or a cluster when examples are clustered): how many times the unit is drawn.
:class:`ResampleWeights` defines ``resamples`` such vectors without ever holding the dense
``resamples × n`` matrix. Weights are generated on demand in *tiles* of
``_RESAMPLE_BLOCK`` resamples × ``_UNIT_BLOCK`` units, each tile from its own counter-based
stream keyed by (seed, tile), so the weight of unit ``i`` in resample ``b`` depends only on the
seed, ``b`` and ``i``: never on how the work is chunked, sharded or ordered.

Two kinds of weights:

``"multinomial"``
    The classic bootstrap: ``n`` draws with replacement, so each resample's weights sum to
    ``n``. Generated top-down: a per-resample multinomial split of ``n`` over unit blocks,
    then, inside each block, a uniform split of the block's count over its units. This is
    exactly the multinomial distribution, and it needs the total number of units.
``"poisson"``
    Each unit's weight is an independent Poisson(1) draw (the Poisson bootstrap). No unit
    depends on any other, so shards of a stream can be resampled independently and their
    per-resample sums merged by addition. Poisson(1) is drawn by inverting its CDF at a
    32-bit uniform, so probabilities are exact to 2**-32 (values above 12 have probability
    below that and never occur).

Per-resample sums of per-unit sufficient statistics are computed by :meth:`ResampleWeights.reduce`
as ``W @ S`` one tile at a time, accumulated tile by tile in unit-index order; memory stays
at a few tiles (about 6 MB each) whatever ``n`` and ``resamples`` are.

The fast path :meth:`ResampleWeights.category_counts` draws, for units grouped into categories
of identical statistics, the per-resample category totals directly (multinomial or Poisson):
the same distribution as summing the unit weights, in ``O(resamples × categories)``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from assay._util import check_int
from assay.errors import ParameterError
from assay.stats._checks import as_float_array, check_rng

__all__ = ["ResampleKind", "ResampleWeights", "bootstrap_weights"]

ResampleKind = Literal["multinomial", "poisson"]

_UNIT_BLOCK = 4096
_RESAMPLE_BLOCK = 128
# Stream tags: each use of randomness has its own family of counter-based streams.
_TAG_POISSON = 1
_TAG_ROOT = 2
_TAG_SPLIT = 3
_TAG_CATEGORIES = 4
_TAG_MEMBERS = 5
_SPLIT_CHUNK = 1 << 20  # member draws per piece of split_counts

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
T = TypeVar("T")


def _poisson_thresholds() -> npt.NDArray[np.uint32]:
    """Poisson(1) CDF scaled to 2**32: weight = number of thresholds a uniform uint32 reaches."""
    out: list[int] = []
    cdf, term, k = 0.0, math.exp(-1.0), 0
    while True:
        cdf += term
        t = round(cdf * 2.0**32)
        if t >= 2**32:
            break
        out.append(t)
        k += 1
        term /= k
    return np.asarray(out, dtype=np.uint32)


def _poisson_table(thresholds: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """Weight for each 16-bit prefix of the uniform; 255 where a threshold splits the prefix."""
    prefix = np.arange(2**16, dtype=np.uint64) << np.uint64(16)
    t = thresholds.astype(np.uint64)
    low = np.searchsorted(t, prefix, side="right")
    high = np.searchsorted(t, prefix + np.uint64(2**16 - 1), side="right")
    return np.where(low == high, low, 255).astype(np.uint8)


_POISSON_T = _poisson_thresholds()
_POISSON_TABLE = _poisson_table(_POISSON_T)


def _poisson_draws(gen: np.random.Generator, count: int) -> npt.NDArray[np.uint8]:
    """``count`` Poisson(1) draws: a 16-bit table lookup, finished with 16 more bits if needed."""
    prefix = gen.bit_generator.random_raw(-(-count // 4)).view(np.uint16)[:count]
    w = _POISSON_TABLE[prefix]
    split = np.flatnonzero(w == 255)
    if split.size:
        # the 16-bit prefix straddles a threshold: decide with 16 more uniform bits
        extra = gen.bit_generator.random_raw(split.size) & np.uint64(0xFFFF)
        full = (prefix[split].astype(np.uint64) << np.uint64(16)) | extra
        w[split] = np.searchsorted(_POISSON_T.astype(np.uint64), full, side="right")
    return w


_UNIT_SHIFT = 16 - int(math.log2(_UNIT_BLOCK))


@dataclass(frozen=True)
class ResampleWeights:
    """A reproducible set of bootstrap resample weights over ``n_units`` resampling units.

    Build it with :func:`bootstrap_weights`. Pass the same object to every metric and slice
    of a comparison so that all of them are computed on the same resamples.
    """

    resamples: int
    """Number of resamples ``B``."""
    kind: ResampleKind
    """``"multinomial"`` (classic bootstrap, weights sum to ``n_units``) or ``"poisson"``."""
    key: int
    """128-bit key of the counter-based streams, derived from the seed."""
    n_units: int | None
    """Number of resampling units (examples or clusters); ``None`` only for Poisson weights."""
    seed: int | None = None
    """The integer seed the key came from, when one was given (for reporting)."""

    # -- dense weights ---------------------------------------------------------------------

    def dense(
        self, units: npt.ArrayLike | None = None, resamples: slice | None = None
    ) -> FloatArray:
        """Weights of the given units (global unit indices) for a range of resamples.

        Returns a ``(len(resamples), len(units))`` float array. Without ``units``, all units
        ``0 .. n_units - 1``. Use for statistics that need each resample's full weight vector
        (AUC, quantiles); prefer :meth:`reduce` for sums.
        """
        ids = self._unit_ids(units, None, "dense")
        start, stop = self._resample_range(resamples)
        out = np.empty((stop - start, ids.size), dtype=np.float64)
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        bounds = self._block_bounds(sorted_ids)

        def fill(block: tuple[int, int, int]) -> None:
            rb, r0, r1 = block
            root = self._root_counts(rb) if self.kind == "multinomial" else None
            for ub, lo, hi in bounds:
                tile = self._tile(rb, ub, root)
                local = sorted_ids[lo:hi] - ub * _UNIT_BLOCK
                rows = slice(r0 - rb * _RESAMPLE_BLOCK, r1 - rb * _RESAMPLE_BLOCK)
                out[r0 - start : r1 - start, order[lo:hi]] = tile[rows][:, local]

        parallel_map(fill, list(self._resample_blocks(start, stop)))
        return out

    def iter_dense(
        self, units: npt.ArrayLike | None = None, max_elements: int = 2**23
    ) -> Iterator[tuple[slice, FloatArray]]:
        """Yield ``(resample range, weights)`` blocks covering all resamples, bounded in memory.

        Each block holds at most about ``max_elements`` weights (at least one resample).
        """
        ids = self._unit_ids(units, None, "iter_dense")
        step = max(1, min(self.resamples, max_elements // max(ids.size, 1)))
        for r0 in range(0, self.resamples, step):
            sl = slice(r0, min(self.resamples, r0 + step))
            yield sl, self.dense(ids, sl)

    # -- sums of sufficient statistics -------------------------------------------------------

    def reduce(
        self,
        stats: npt.ArrayLike,
        units: npt.ArrayLike | None = None,
        cells: npt.ArrayLike | None = None,
        n_cells: int | None = None,
    ) -> FloatArray:
        """Per-resample weighted sums ``W @ S`` of per-row sufficient statistics.

        ``stats`` is ``(m, k)``; ``units`` gives each row's global unit index (default
        ``0 .. m - 1``); rows sharing a unit (a cluster) share its weight. Returns
        ``(resamples, k)``, or ``(n_cells, resamples, k)`` when rows carry ``cells`` codes
        in ``[0, n_cells)`` (per-cell sums on the same weights). Sums are accumulated tile
        by tile in unit order, so for integer-valued statistics the result is exact and
        identical however the rows are ordered or sharded; partial results of shards over
        disjoint units add up to the unsharded result.
        """
        s = as_float_array(stats, "stats", "ResampleWeights.reduce", ndim=2)
        ids = self._unit_ids(units, s.shape[0], "reduce")
        if cells is None:
            cell = np.zeros(s.shape[0], dtype=np.int64)
            g = 1
        else:
            cell = np.asarray(cells, dtype=np.int64)
            g = check_int(n_cells, "n_cells", "ResampleWeights.reduce")
            if cell.shape != (s.shape[0],) or (cell.size and (cell.min() < 0 or cell.max() >= g)):
                raise ParameterError(
                    "cells", "ResampleWeights.reduce", f"{s.shape[0]} codes in [0, {g})", cells
                )
        out = np.zeros((g, self.resamples, s.shape[1]), dtype=np.float64)
        order = np.lexsort((cell, ids))
        sorted_ids, sorted_cell, sorted_s = ids[order], cell[order], s[order]
        bounds = self._block_bounds(sorted_ids)

        def accumulate(block: tuple[int, int, int]) -> None:
            # each resample block owns its rows of ``out``; unit blocks add up in index order
            rb, r0, r1 = block
            root = self._root_counts(rb) if self.kind == "multinomial" else None
            for ub, lo, hi in bounds:
                tile = self._tile(rb, ub, root)
                local = sorted_ids[lo:hi] - ub * _UNIT_BLOCK
                contiguous = local.size > 1 and bool((np.diff(local) == 1).all())
                w = tile[:, local[0] : local[-1] + 1] if contiguous else tile[:, local]
                c = sorted_cell[lo:hi]
                edges = np.flatnonzero(np.diff(c)) + 1
                starts = np.concatenate(([0], edges))
                ends = np.concatenate((edges, [c.size]))
                for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                    out[c[a], r0:r1] += w[:, a:b] @ sorted_s[lo + a : lo + b]

        parallel_map(accumulate, list(self._resample_blocks(0, self.resamples)))
        return out[0] if cells is None else out

    # -- category fast path ----------------------------------------------------------------

    def category_counts(
        self, sizes: npt.ArrayLike, stream: int = 0, dtype: npt.DTypeLike = np.int64
    ) -> npt.NDArray[np.integer]:
        """Per-resample totals of unit weights over categories of ``sizes`` units each.

        Returns ``(resamples, len(sizes))`` integer counts with the distribution of summing
        the unit weights inside each category: multinomial of ``sum(sizes)`` draws with
        probabilities ``sizes / sum(sizes)`` (multinomial kind) or independent Poisson of mean
        ``sizes`` (Poisson kind). ``stream`` selects an independent family of draws, for
        callers that need more than one set from the same weights. ``dtype``: a smaller
        integer type saves memory (the same counts); a count it cannot hold raises
        ``OverflowError``.
        """
        fn = "ResampleWeights.category_counts"
        m = np.asarray(sizes, dtype=np.int64)
        if m.ndim != 1 or m.size == 0 or (m < 0).any() or m.sum() == 0:
            raise ParameterError("sizes", fn, "a non-empty array of counts", sizes)
        kind = np.dtype(dtype)
        if kind.kind not in "iu":
            raise ParameterError("dtype", fn, "an integer type", dtype)
        top = None if kind == np.int64 else int(np.iinfo(kind).max)
        total = int(m.sum())
        out = np.empty((self.resamples, m.size), dtype=kind)
        p = m / total

        def draw(block: tuple[int, int, int]) -> None:
            rb, r0, r1 = block
            gen = self._stream(_TAG_CATEGORIES, stream, rb)
            if self.kind == "multinomial":
                counts = gen.multinomial(total, p, size=r1 - r0)
            else:
                counts = gen.poisson(m.astype(np.float64), size=(r1 - r0, m.size))
            if top is not None and int(counts.max()) > top:
                raise OverflowError(f"a category count above {top} does not fit {kind}")
            out[r0:r1] = counts

        parallel_map(draw, list(self._resample_blocks(0, self.resamples)))
        return out

    def split_counts(
        self,
        counts: npt.ArrayLike,
        sizes: npt.ArrayLike,
        stream: int = 0,
        block: int = 0,
        dtype: npt.DTypeLike = np.int64,
    ) -> npt.NDArray[np.integer]:
        """Split category totals uniformly over each category's exchangeable members.

        ``counts`` is ``(r, C)`` (category totals for ``r`` resamples), ``sizes`` ``(C,)``.
        Returns ``(r, sum(sizes))`` member weights, the members of category ``c`` in columns
        ``offset[c] : offset[c] + sizes[c]``. Given a category's total weight, its members'
        weights are multinomial with equal probabilities under both kinds, so this refines
        category totals into exact unit weights. ``stream`` and ``block`` pick the stream.
        Member indices are ``floor(u * size)`` of 53-bit uniforms (exact to 2**-53).
        ``dtype``: a smaller integer type saves memory (the same weights); a weight it cannot
        hold raises ``OverflowError``.
        """
        k = np.asarray(counts, dtype=np.int64)
        m = np.asarray(sizes, dtype=np.int64)
        rows, n_cat = k.shape
        start = np.concatenate(([0], np.cumsum(m)))
        kind = np.dtype(dtype)
        if kind.kind not in "iu":
            raise ParameterError("dtype", "ResampleWeights.split_counts", "an integer type", dtype)
        top = None if kind == np.int64 else int(np.iinfo(kind).max)
        out = np.zeros((rows, int(start[-1])), dtype=kind)
        gen = self._stream(_TAG_MEMBERS, stream, block)
        # draws run category by category, rows in order inside each, read from the stream
        # in pieces of whole categories (the same numbers as one read per category)
        by_cat = k.T.ravel()
        ends = np.cumsum(by_cat.reshape(n_cat, rows).sum(axis=1))
        row_ids = np.arange(rows, dtype=np.int64)
        c0 = 0
        while c0 < n_cat:
            done = int(ends[c0 - 1]) if c0 else 0
            c1 = int(np.searchsorted(ends, done + _SPLIT_CHUNK, side="right"))
            c1 = min(n_cat, max(c0 + 1, c1))
            total = int(ends[c1 - 1]) - done
            if total:
                reps = by_cat[c0 * rows : c1 * rows]
                size = np.repeat(m[c0:c1], rows)
                width = int(start[c1] - start[c0])
                # flat position in this piece's (rows, width) block of columns
                base = np.tile(row_ids * width, c1 - c0) + np.repeat(start[c0:c1] - start[c0], rows)
                idx = (gen.random(total) * np.repeat(size, reps)).astype(np.int64)
                idx += np.repeat(base, reps)
                piece = np.bincount(idx, minlength=rows * width).reshape(rows, width)
                if top is not None and int(piece.max()) > top:
                    raise OverflowError(f"a member weight above {top} does not fit {kind}")
                out[:, start[c0] : start[c1]] = piece
            c0 = c1
        return out

    def fresh_poisson(
        self, rows: int, members: int, stream: int = 0, block: int = 0
    ) -> npt.NDArray[np.uint8]:
        """``(rows, members)`` independent Poisson(1) weights from their own stream."""
        gen = self._stream(_TAG_MEMBERS, stream, block)
        return _poisson_draws(gen, rows * members).reshape(rows, members)

    # -- internals ---------------------------------------------------------------------------

    def _stream(self, tag: int, a: int, b: int) -> np.random.Generator:
        seq = np.random.SeedSequence(entropy=self.key, spawn_key=(tag, a, b))
        return np.random.Generator(np.random.SFC64(seq))

    def _unit_ids(self, units: npt.ArrayLike | None, m: int | None, fn: str) -> IntArray:
        name = f"ResampleWeights.{fn}"
        if units is None:
            count = m if m is not None else self.n_units
            if count is None:
                raise ParameterError("units", name, "given when n_units is unknown", None)
            ids = np.arange(count, dtype=np.int64)
        else:
            ids = np.asarray(units)
            if ids.ndim != 1 or (m is not None and ids.size != m):
                raise ParameterError("units", name, "one unit index per row", f"shape {ids.shape}")
            if ids.size and not np.issubdtype(ids.dtype, np.integer):
                raise ParameterError("units", name, "integer unit indices", ids.dtype)
            ids = ids.astype(np.int64, copy=False)
        if ids.size and (ids.min() < 0 or (self.n_units is not None and ids.max() >= self.n_units)):
            raise ParameterError("units", name, f"indices in [0, {self.n_units})", "out of range")
        return ids

    def _resample_range(self, resamples: slice | None) -> tuple[int, int]:
        if resamples is None:
            return 0, self.resamples
        start, stop, step = resamples.indices(self.resamples)
        if step != 1 or stop <= start:
            raise ParameterError(
                "resamples", "ResampleWeights.dense", "a non-empty range", resamples
            )
        return start, stop

    @staticmethod
    def _resample_blocks(start: int, stop: int) -> Iterator[tuple[int, int, int]]:
        for rb in range(start // _RESAMPLE_BLOCK, (stop - 1) // _RESAMPLE_BLOCK + 1):
            lo = max(start, rb * _RESAMPLE_BLOCK)
            hi = min(stop, (rb + 1) * _RESAMPLE_BLOCK)
            yield rb, lo, hi

    @staticmethod
    def _block_bounds(sorted_ids: IntArray) -> list[tuple[int, int, int]]:
        """(unit block, first row, end row) for the blocks that the sorted ids touch."""
        blocks = sorted_ids // _UNIT_BLOCK
        present = np.unique(blocks)
        lo = np.searchsorted(blocks, present, side="left")
        hi = np.searchsorted(blocks, present, side="right")
        return list(zip(present.tolist(), lo.tolist(), hi.tolist(), strict=True))

    def _block_size(self, ub: int) -> int:
        # Poisson tiles are always full width so a unit's weight never depends on n_units.
        if self.n_units is None or self.kind == "poisson":
            return _UNIT_BLOCK
        return min(_UNIT_BLOCK, self.n_units - ub * _UNIT_BLOCK)

    def _rows(self, rb: int) -> int:
        return min(_RESAMPLE_BLOCK, self.resamples - rb * _RESAMPLE_BLOCK)

    def _root_counts(self, rb: int) -> IntArray:
        """Multinomial split of the ``n_units`` draws over unit blocks, per resample."""
        assert self.n_units is not None
        n_blocks = -(-self.n_units // _UNIT_BLOCK)
        sizes = np.full(n_blocks, _UNIT_BLOCK, dtype=np.float64)
        sizes[-1] = self.n_units - (n_blocks - 1) * _UNIT_BLOCK
        gen = self._stream(_TAG_ROOT, rb, 0)
        return gen.multinomial(self.n_units, sizes / self.n_units, size=self._rows(rb))

    def _tile(self, rb: int, ub: int, root: IntArray | None) -> FloatArray:
        rows, size = self._rows(rb), self._block_size(ub)
        if self.kind == "poisson":
            gen = self._stream(_TAG_POISSON, rb, ub)
            return _poisson_draws(gen, rows * size).reshape(rows, size).astype(np.float64)
        assert root is not None
        k = root[:, ub]
        gen = self._stream(_TAG_SPLIT, rb, ub + 1)
        total = int(k.sum())
        pos = np.repeat(np.arange(0, rows * size, size, dtype=np.int64), k)
        if size == _UNIT_BLOCK:
            # a power-of-two block: uniform indices are the top bits of 16-bit words
            bits = gen.bit_generator.random_raw(-(-total // 4)).view(np.uint16)[:total]
            pos += bits >> np.uint16(_UNIT_SHIFT)
        else:
            pos += gen.integers(0, size, total, dtype=np.int64)
        counts = np.bincount(pos, minlength=rows * size)
        return counts.reshape(rows, size).astype(np.float64)


def parallel_map(fn: Callable[[T], None], items: Sequence[T]) -> None:
    """Run ``fn`` on every item, on all cores when there is more than one item.

    Each item is a resample block with its own stream and its own output rows, so the
    result does not depend on the number of threads; numpy's generators and array kernels
    release the GIL for the heavy lifting.
    """
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        for item in items:
            fn(item)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(fn, items):
            pass


def _key_from(rng: Any, function: str) -> tuple[int, int | None]:
    gen, seed = check_rng(rng, function)
    if seed is not None:
        state = np.random.SeedSequence(seed).generate_state(4, np.uint32)
    else:
        state = gen.integers(0, 2**32, size=4, dtype=np.uint64).astype(np.uint32)
    key = 0
    for word in state.tolist():
        key = (key << 32) | int(word)
    return key, seed


def bootstrap_weights(
    n_units: int | None,
    resamples: int = 2000,
    *,
    rng: int | np.random.Generator = 0,
    kind: ResampleKind = "multinomial",
) -> ResampleWeights:
    """Define ``resamples`` bootstrap resamples of ``n_units`` units, seeded by ``rng``.

    Use one object for every metric and slice of a comparison so they all see the same
    resamples. ``kind="multinomial"`` is the classic bootstrap (what ``scipy.stats.bootstrap``
    does) and needs ``n_units``; ``kind="poisson"`` gives each unit an independent Poisson(1)
    weight, which lets sharded or streamed data be resampled piece by piece (``n_units`` may
    then be ``None``) at the price of a random resample size. With clusters, the units are
    the clusters. An integer ``rng`` is reported as the seed; a Generator is consumed once to
    derive the key.
    """
    return make_weights(n_units, resamples, rng, kind, "bootstrap_weights")


def make_weights(
    n_units: int | None, resamples: int, rng: Any, kind: Any, fn: str
) -> ResampleWeights:
    """:func:`bootstrap_weights` for the public function ``fn`` (its name in the errors)."""
    b = check_int(resamples, "resamples", fn)
    if kind not in ("multinomial", "poisson"):
        raise ParameterError("kind", fn, "'multinomial' or 'poisson'", kind)
    n: int | None
    if n_units is None:
        if kind == "multinomial":
            raise ParameterError("n_units", fn, "an integer >= 1 for multinomial weights", None)
        n = None
    else:
        n = check_int(n_units, "n_units", fn)
    key, seed = _key_from(rng, fn)
    return ResampleWeights(resamples=b, kind=kind, key=key, n_units=n, seed=seed)
