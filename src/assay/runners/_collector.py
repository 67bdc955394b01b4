"""The garbage collector kept out of a run's way, for runs that overlap too.

A run makes a few objects per request that live to its end (requests, keys, answers), in a
process that holds a hundred thousand more from its imports and the suite. At CPython's
default thresholds the collector's young passes ran some 250 times in a run of 10,000
requests (``benchmarks/bench_http.py``). While any run is under way, the youngest generation
is collected after :data:`~assay._util.YOUNG_THRESHOLD` allocations (a threshold of 0, the
collector turned off, stays 0); when the last run ends the thresholds are put back as they
were. Nothing is frozen: a run may be one of many in a long-lived process (a notebook, a
server), where objects left out of the collector's passes could never be collected.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

from assay._util import YOUNG_THRESHOLD

__all__ = ["quiet_collector"]

_lock = threading.Lock()
_runs = 0
_before: tuple[int, ...] = ()
"""The thresholds when the first of the runs under way began."""


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Fewer young collections until the block ends (see the module); blocks may overlap, in
    one thread's event loop or in several threads."""
    global _runs, _before
    with _lock:
        if _runs == 0:
            _before = gc.get_threshold()
            young, *older = _before
            gc.set_threshold(young and max(young, YOUNG_THRESHOLD), *older)
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                gc.set_threshold(*_before)
