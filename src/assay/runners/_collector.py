"""The garbage collector kept out of a run's way, for runs that overlap too.

A run makes a few objects per request that live to its end (requests, keys, answers), in a
process that holds a hundred thousand more from its imports and the suite. At CPython's
default thresholds the collector walked them some 250 times in a run of 10,000 requests,
twice all of them: 3-4% of the run's CPU (``benchmarks/bench_http.py``). While any run is
under way, the objects that existed when the first began are left out of the collector's
passes (:func:`gc.freeze`) and the youngest generation is collected after
:data:`~assay._util._gc.YOUNG_THRESHOLD` allocations; when the last run ends both are put
back as they were, so what was left uncollected meanwhile is collected as usual after.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

from assay._util._gc import YOUNG_THRESHOLD

__all__ = ["quiet_collector"]

_lock = threading.Lock()
_runs = 0
_before: tuple[tuple[int, ...], int] = ((), 0)
"""The thresholds and the count of frozen objects when the first of the runs under way began."""


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Fewer collections until the block ends (see the module); blocks may overlap, in one
    thread's event loop or in several threads."""
    global _runs, _before
    with _lock:
        if _runs == 0:
            _before = (gc.get_threshold(), gc.get_freeze_count())
            young, *older = _before[0]
            gc.set_threshold(max(young, YOUNG_THRESHOLD), *older)
            gc.freeze()
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                thresholds, frozen = _before
                gc.set_threshold(*thresholds)
                if frozen == 0:  # objects frozen by someone else stay frozen
                    gc.unfreeze()
