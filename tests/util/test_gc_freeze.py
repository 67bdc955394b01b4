"""The garbage collector kept out of the way: of scheduled sends, of a short command."""

from __future__ import annotations

import gc
import weakref

from assay._util import existing_objects_frozen, fewer_young_collections


def test_objects_are_frozen_inside_and_given_back_after() -> None:
    gc.unfreeze()
    with existing_objects_frozen():
        assert gc.get_freeze_count() > 0
        cycle: list[object] = []
        cycle.append(cycle)  # made inside: collected as usual
        del cycle
        assert gc.collect() >= 1
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_before_stands() -> None:
    gc.unfreeze()
    gc.freeze()
    try:
        with existing_objects_frozen():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_after_someone_elses_freeze_nothing_more_is_frozen_for_good() -> None:
    # a freeze is undone whole: garbage a second one took along could never be collected
    gc.unfreeze()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        del cycle
        with existing_objects_frozen():
            assert gc.get_freeze_count() <= frozen
        gc.collect()
        assert gone() is None
        assert gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


def test_fewer_young_collections_inside_and_the_thresholds_given_back_after() -> None:
    before = gc.get_threshold()
    gc.unfreeze()
    with fewer_young_collections(threshold=123_456):
        assert gc.get_threshold() == (123_456, *before[1:])
        counts: list[int] = []
        gc.callbacks.append(lambda phase, info: counts.append(info["generation"]))
        try:
            made = [[] for _ in range(50_000)]  # far above the default threshold
        finally:
            gc.callbacks.pop()
        assert counts == []  # no young pass over them
        del made
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # nothing frozen unless the process ends


def test_a_higher_threshold_set_before_stands_and_the_process_end_freezes() -> None:
    before = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(500_000, *before[1:])
    try:
        with fewer_young_collections(process_ends=True):
            assert gc.get_threshold()[0] == 500_000
        assert gc.get_freeze_count() > 0  # what exists at the end is left out of the last passes
        assert gc.get_threshold()[0] == 500_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
