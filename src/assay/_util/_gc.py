"""The garbage collector kept out of the way: of a run of sends, of a listing that builds
thousands of objects that all live on, of a short command's start."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["existing_objects_frozen", "fewer_young_collections", "quiet_collector"]

YOUNG_THRESHOLD = 200_000
"""Allocations between two young collections inside :func:`fewer_young_collections` and
:func:`quiet_collector` (CPython's default is 700)."""


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


_lock = threading.Lock()
_asked: list[int] = []
"""The young thresholds asked for by the blocks under way, in any thread."""
_base: tuple[int, ...] = ()
"""The thresholds to put back when the last block ends: as they were when the first began, or
as something else set them meanwhile."""
_applied: tuple[int, ...] = ()
"""The thresholds as last set here."""


def _ask(threshold: int, *, add: bool) -> None:
    """Count a block in or out and set the thresholds for the blocks still under way: the
    youngest generation's is the highest asked for, a threshold of 0 (the collector turned off)
    stays 0, and with no block left they are put back. Thresholds set by something else while
    blocks are under way are the ones put back."""
    global _base, _applied
    with _lock:
        current = gc.get_threshold()
        if (add and not _asked) or current != _applied:
            _base = current
        if add:
            _asked.append(threshold)
        else:
            _asked.remove(threshold)
        young, *older = _base
        wanted = (young and max(young, *_asked), *older) if _asked else _base
        gc.set_threshold(*wanted)
        _applied = gc.get_threshold()


@contextlib.contextmanager
def fewer_young_collections(
    *, process_ends: bool = False, threshold: int = YOUNG_THRESHOLD
) -> Iterator[None]:
    """Collect the youngest generation after ``threshold`` allocations (not fewer; a threshold
    of 0, the collector turned off, stays 0) until the block ends, then put the collector's
    thresholds back as they were. Blocks of this and of :func:`quiet_collector` may overlap in
    any order, in several threads: the thresholds are put back when the last one ends, and
    thresholds set meanwhile by something else are the ones put back.

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
    _ask(threshold, add=True)
    try:
        yield
    finally:
        if process_ends:
            gc.freeze()
        _ask(threshold, add=False)


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Fewer young collections until the block ends, for blocks that may overlap, in one
    thread's event loop or in several threads, in a long-lived process.

    A run of requests makes a few objects per request that live to its end, and a listing of
    runs some twenty per run, in a process that holds a hundred thousand more from its imports:
    at CPython's default thresholds the collector's young passes ran some 250 times in a run
    of 10,000 requests (``benchmarks/bench_http.py``), and the passes of the older generations
    they bring on made the mean first listing of 10,000 runs 1.7 times its median
    (``benchmarks/bench_store.py``). While any block is under way, the youngest generation is
    collected after :data:`YOUNG_THRESHOLD` allocations (a threshold of 0, the collector
    turned off, stays 0); when the last block ends the thresholds are put back as they were,
    or as something else set them meanwhile (see :func:`fewer_young_collections`). Nothing is
    frozen: objects left out of the collector's passes in a notebook or a server could never
    be collected.
    """
    _ask(YOUNG_THRESHOLD, add=True)
    try:
        yield
    finally:
        _ask(YOUNG_THRESHOLD, add=False)
