"""The garbage collector kept out of the way: of a run of sends, of a short command's start."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["existing_objects_frozen", "fewer_young_collections"]

YOUNG_THRESHOLD = 200_000
"""Allocations between two young collections inside :func:`fewer_young_collections` (CPython's
default is 700)."""


@contextlib.contextmanager
def existing_objects_frozen() -> Iterator[None]:
    """Leave the objects that exist now out of the garbage collector's passes until the block
    ends, then give them back. Where something else had frozen objects, that freeze stands and
    nothing more is frozen: a freeze can only be undone whole, so what a second one took along
    (garbage not yet collected, objects dropped during the block) would never be collected.

    A full collection walks every object of a process holding numpy, pyarrow and a suite (tens
    of milliseconds) and nothing else runs meanwhile: at 2,000 requests per second it put a
    load test's client lag p99 at 22 ms where the same loop measured 1.3 ms without it
    (``benchmarks/bench_load.py``). Objects made inside the block are collected as usual.
    """
    if gc.get_freeze_count() != 0:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def fewer_young_collections(
    *, process_ends: bool = False, threshold: int = YOUNG_THRESHOLD
) -> Iterator[None]:
    """Collect the youngest generation after ``threshold`` allocations (not fewer) until the
    block ends, then put the collector's thresholds back as they were.

    A command that imports NumPy, pyarrow, SciPy and the typed models, compares two runs and
    exits (``assay compare``) makes about a hundred thousand objects that nearly all live to
    the end: at CPython's default of 700 the collector walked them some 170 times (60 to 130 ms
    of a 1.4 s command) to free about a thousand. The older generations' thresholds count
    young collections, so they come less often too; nothing is left uncollected.

    ``process_ends``: the process exits after the block (a command line's own command). The
    objects that exist then are frozen (:func:`gc.freeze`) instead of walked once more by the
    collection the restored threshold would start and again by the one at exit, which took
    longer than the comparison's own statistics.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], threshold), *before[1:])
    try:
        yield
    finally:
        if process_ends:
            gc.freeze()
        gc.set_threshold(*before)
