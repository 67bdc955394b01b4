"""Slice discovery on 1,000,000 examples x 10 attributes (4 to 10 levels), up to 3 predicates.

assay's :func:`assay.analysis.discover_slices` tests every slice of the lattice (Welch t,
Benjamini-Hochberg over all candidates, same-row merging) and returns the example ids of what
it finds. The reference is the ``sliceline`` package (PyPI; SliceLine's lattice with size and
score pruning, top 10, no test) on the same codes and errors, with the same minimum size and
3 levels; "not measured" when it is not installed. Errors are binary, 10% everywhere but on a
planted slice of two predicates (about 1% of the rows) at 25%; both must rank it first (checked).

    python benchmarks/bench_slices.py            # 1,000,000 examples
    python benchmarks/bench_slices.py --quick    # 100,000 examples
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pyarrow as pa

from assay.analysis import discover_slices
from assay.stats import slice_tests

LEVELS = (4, 5, 6, 7, 8, 9, 10, 4, 6, 8)
MIN_SIZE = 100


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
    finder = Slicefinder(alpha=0.95, k=10, max_l=3, min_sup=MIN_SIZE, verbose=False)
    start = time.perf_counter()
    finder.fit(codes + 1, errors)
    took = time.perf_counter() - start
    top = finder.top_slices_[0]
    text = " AND ".join(f"a{j} = {int(v) - 1}" for j, v in enumerate(top) if v is not None)
    return took, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 examples")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    codes, errors = _data(n)
    names = [f"a{j}" for j in range(len(LEVELS))]
    table = pa.table(
        {
            "example_id": pa.array(np.char.add("e", np.arange(n).astype(str))),
            **{name: pa.array(codes[:, j].astype(str)) for j, name in enumerate(names)},
        }
    )
    start = time.perf_counter()
    lattice = slice_tests(codes, errors, max_predicates=3, min_size=MIN_SIZE)
    engine = time.perf_counter() - start
    start = time.perf_counter()
    found = discover_slices(table, errors, attributes=names, max_predicates=3, min_size=MIN_SIZE)
    ours = time.perf_counter() - start
    top = found.slices[0].description if found.slices else "none"
    assert top == "a2 = 1 AND a6 = 3", top
    print(f"data                       {n:,} examples x {len(LEVELS)} attributes {LEVELS}")
    print(
        f"candidates tested          {found.candidates:,} slices, {lattice.attribute_sets} attribute sets"
    )
    print(f"assay slice_tests          {engine:8.2f} s (lattice + every test)")
    print(f"assay discover_slices      {ours:8.2f} s (+ encoding, BH, merging, ids); top: {top}")
    print(
        f"discoveries                {len(found.slices)} ({len(found.explained)} explained by them)"
    )
    reference = _sliceline(codes, errors)
    if reference is None:
        print("sliceline (reference)      not measured: pip install sliceline")
        return
    took, text = reference
    print(f"sliceline 0.x (reference)  {took:8.2f} s; top: {text}")
    print(f"ratio                      {took / ours:8.1f}x the reference's time (whole discovery)")


if __name__ == "__main__":
    main()
