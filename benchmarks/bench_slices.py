"""Slice discovery on 1,000,000 examples x 10 attributes (4 to 10 levels), up to 3 predicates.

assay's :func:`assay.analysis.discover_slices` tests every slice of the lattice (Welch t,
Benjamini-Hochberg over all candidates, same-row merging) and returns the example ids of what
it finds. The reference is the ``sliceline`` package (PyPI; SliceLine's lattice with size and
score pruning, top 10, no test; alpha 0.99, since at 0.95 its size penalty ranks the planted
slice below zero) on the same codes and errors, with the same minimum size and 3 levels. The
package holds dense intermediates of every row and candidate (about 2 GB at 10,000 rows and 7 GB
at 30,000, growing with the rows), so it runs on the first ``--reference-rows`` rows (10,000 by
default), with assay timed on the same rows; "not measured" when it is not installed. Errors are
binary, 10% everywhere but on a planted slice of two predicates (a sixtieth of the rows) at 25%;
assay must rank it first at the full size (checked). On 10,000 rows the planted slice (about 170
rows) does not survive Benjamini-Hochberg among the candidates, while sliceline ranks it first
untested: the two answer different questions, and the ratio is of their times.

The nesting step (which discoveries another one explains: the pairwise intersection counts,
sums and sums of squares of every raw discovery) is timed inside ``discover_slices`` and again
on the same inputs with the three sparse products it used before (``MᵀM``, ``Mᵀ diag(y) M``,
``Mᵀ diag(y²) M``); both must name the same discoveries as explained.

    python benchmarks/bench_slices.py            # 1,000,000 examples; reference on 10,000
    python benchmarks/bench_slices.py --quick    # 100,000 examples; reference on 10,000
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pyarrow as pa

from assay.analysis import SliceDiscovery, discover_slices
from assay.stats import slice_tests

LEVELS = (4, 5, 6, 7, 8, 9, 10, 4, 6, 8)
MIN_SIZE = 100
PLANTED = "a2 = 1 AND a6 = 3"


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = np.stack([rng.integers(0, k, n) for k in LEVELS], axis=1)
    planted = (codes[:, 2] == 1) & (codes[:, 6] == 3)
    errors = (rng.random(n) < np.where(planted, 0.25, 0.10)).astype(np.float64)
    return codes, errors


def _sliceline(codes: np.ndarray, errors: np.ndarray) -> tuple[float, str] | None:
    try:
        from sliceline.slicefinder import Slicefinder
    except ImportError:
        return None
    finder = Slicefinder(alpha=0.99, k=10, max_l=3, min_sup=MIN_SIZE, verbose=False)
    start = time.perf_counter()
    finder.fit(codes + 1, errors)
    took = time.perf_counter() - start
    top = finder.top_slices_[0]
    text = " AND ".join(f"a{j} = {int(v) - 1}" for j, v in enumerate(top) if v is not None)
    return took, text


def _table(codes: np.ndarray) -> pa.Table:
    ids = pa.array(np.char.add("e", np.arange(len(codes)).astype(str)))
    columns = {f"a{j}": pa.array(codes[:, j].astype(str)) for j in range(codes.shape[1])}
    return pa.table({"example_id": ids, **columns})


def _sparse_products(rows: list[np.ndarray], y: np.ndarray) -> tuple[np.ndarray, ...]:
    """The nesting step's statistics as computed before: three sparse products."""
    from scipy import sparse

    d = len(rows)
    index = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    column = np.repeat(np.arange(d), [r.size for r in rows])
    m = sparse.csc_matrix((np.ones(index.size), (index, column)), shape=(y.size, d))
    mt = m.T.tocsr()
    count = (mt @ m).toarray()
    total = (mt @ sparse.diags(y) @ m).toarray()
    squares = (mt @ sparse.diags(y * y) @ m).toarray()
    return count, total, squares


class _NestingTimer:
    """Times the nesting step inside ``discover_slices`` and keeps its inputs."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.inputs: tuple[Any, ...] = ()
        self.result: dict[int, int] = {}

    def __enter__(self) -> _NestingTimer:
        import assay.analysis._discover as discover

        self.original = discover.explained_pairs

        def timed(*args: Any) -> dict[int, int]:
            start = time.perf_counter()
            self.result = self.original(*args)
            self.seconds = time.perf_counter() - start
            self.inputs = args
            return self.result

        discover.explained_pairs = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        import assay.analysis._discover as discover

        discover.explained_pairs = self.original  # type: ignore[assignment]

    def reference(self) -> tuple[float, dict[int, int]]:
        """The step on the same inputs with the sparse products: seconds, what it explains."""
        import assay.analysis._nesting as nesting

        kept = nesting.pair_moments
        nesting.pair_moments = _sparse_products  # type: ignore[assignment]
        try:
            start = time.perf_counter()
            found = nesting.explained_pairs(*self.inputs)
            return time.perf_counter() - start, found
        finally:
            nesting.pair_moments = kept  # type: ignore[assignment]


def _discover(codes: np.ndarray, errors: np.ndarray) -> tuple[float, SliceDiscovery]:
    table = _table(codes)
    start = time.perf_counter()
    found = discover_slices(
        table, errors, attributes=table.column_names[1:], max_predicates=3, min_size=MIN_SIZE
    )
    return time.perf_counter() - start, found


def _top(found: SliceDiscovery) -> str:
    return found.slices[0].description if found.slices else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 examples")
    parser.add_argument("--reference-rows", type=int, default=10_000, help="rows for sliceline")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    codes, errors = _data(n)
    start = time.perf_counter()
    lattice = slice_tests(codes, errors, max_predicates=3, min_size=MIN_SIZE)
    engine = time.perf_counter() - start
    with _NestingTimer() as nest:
        ours, found = _discover(codes, errors)
    top = _top(found)
    assert top == PLANTED, top
    before, explained = nest.reference()
    assert explained == nest.result, "the nesting step changed what it explains"
    print(f"data                       {n:,} examples x {len(LEVELS)} attributes {LEVELS}")
    print(f"candidates tested          {found.candidates:,} slices ({lattice.attribute_sets} sets)")
    print(f"assay slice_tests          {engine:8.2f} s (lattice + every test)")
    print(f"assay discover_slices      {ours:8.2f} s (+ encoding, BH, merging, ids); top: {top}")
    print(f"discoveries                {len(found.slices)} ({len(found.explained)} explained)")
    raw = len(nest.inputs[0])
    print(f"nesting step               {nest.seconds:8.2f} s ({raw:,} raw discoveries)")
    print(f"  with sparse products     {before:8.2f} s (before); the same explained")
    print(f"  ratio                    {before / nest.seconds:8.1f}x faster")
    rows = min(args.reference_rows, n)
    small_codes, small_errors = codes[:rows], errors[:rows]
    reference = _sliceline(small_codes, small_errors)
    if reference is None:
        print("sliceline (reference)      not measured: pip install sliceline")
        return
    took, text = reference
    small, small_found = _discover(small_codes, small_errors)
    print(f"on the first {rows:,} rows:")
    print(f"  assay discover_slices    {small:8.2f} s; top: {_top(small_found)}")
    print(f"  sliceline (reference)    {took:8.2f} s; top: {text}")
    print(f"ratio                      {took / small:8.1f}x faster than sliceline at {rows:,} rows")


if __name__ == "__main__":
    main()
