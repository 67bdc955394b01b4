"""The garbage collector kept out of a run's way, for runs that overlap too.

A run makes a few objects per request that live to its end (requests, keys, answers), in a
process that holds a hundred thousand more from its imports and the suite. At CPython's
default thresholds the collector walked them some 250 times in a run of 10,000 requests,
twice all of them: 3-4% of the run's CPU (``benchmarks/bench_http.py``). While any run is
under way, the objects that existed when the first began are left out of the collector's
passes (:func:`gc.freeze`) and the youngest generation is collected after
:data:`~assay._util._gc.YOUNG_THRESHOLD` allocations; when the last run ends both are put
back as they were, so what was left uncollected meanwhile is collected as usual after.

Where objects were frozen already (a server's start-up, the caller's own :func:`gc.freeze`),
nothing more is frozen: that freeze stands after the run, and the objects a second one took
along (garbage the collector had not reached yet, what the run's caller drops later) could
only be given back with it, so they would never be collected.
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
_before: tuple[tuple[int, ...], bool] = ((), False)
"""The thresholds when the first of the runs under way began, and whether it froze objects."""


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Fewer collections until the block ends (see the module); blocks may overlap, in one
    thread's event loop or in several threads."""
    global _runs, _before
    with _lock:
        if _runs == 0:
            _before = (gc.get_threshold(), gc.get_freeze_count() == 0)
            young, *older = _before[0]
            # a threshold of 0 turns automatic collection off: it stays off
            gc.set_threshold(young and max(young, YOUNG_THRESHOLD), *older)
            if _before[1]:  # else someone else's freeze stands, and no second one (module)
                gc.freeze()
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                thresholds, froze = _before
                gc.set_threshold(*thresholds)
                if froze:
                    gc.unfreeze()
