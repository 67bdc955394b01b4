"""Runs of scheduled sends leave existing objects out of the collector's full passes."""

from __future__ import annotations

import gc

from assay._util import existing_objects_frozen


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
