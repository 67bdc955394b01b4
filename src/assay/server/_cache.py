"""Comparisons computed on demand and kept, keyed by the two runs' content and the options.

Runs are immutable, so a comparison of the same two stored runs with the same options is the
same every time: the cache key is the two content digests (not the ids a caller used) and the
options. A bounded LRU; one lock so that two requests for the same comparison compute it once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from assay.server._state import AppState

if TYPE_CHECKING:
    from assay.core import Comparison

__all__ = ["cached_comparison"]

_KEY = "comparisons"


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[object, ...], Comparison] = OrderedDict()
        self.lock = threading.Lock()


def cached_comparison(
    state: AppState,
    baseline: str,
    candidate: str,
    *,
    confidence: float = 0.95,
    shared_only: bool = False,
    max_flips: int | None = 50,
    seed: int = 0,
) -> Comparison:
    """The comparison of two stored runs (references as :func:`assay.get_run` takes them),
    its resampling seeded with ``seed``."""
    from assay.workflows import compare_runs, get_run

    store = state.store
    base, cand = get_run(baseline, store=store), get_run(candidate, store=store)
    key: tuple[object, ...] = (
        base.content_digest or base.run_id,
        cand.content_digest or cand.run_id,
    )
    key += (confidence, shared_only, max_flips, seed)
    lru = state.caches.get(_KEY)
    if not isinstance(lru, _Lru):
        lru = state.caches[_KEY] = _Lru(state.settings.comparison_cache_size)
    with lru.lock:
        found = lru.items.get(key)
        if found is not None:
            lru.items.move_to_end(key)
            return found
        comparison = compare_runs(
            base.run_id,
            cand.run_id,
            confidence=confidence,
            shared_only=shared_only,
            max_flips=max_flips,
            rng=seed,
            store=store,
        )
        lru.items[key] = comparison
        while len(lru.items) > lru.size:
            lru.items.popitem(last=False)
    return comparison
