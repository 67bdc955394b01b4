"""The collector's thresholds with blocks that overlap in any order, in any thread: a short
command's and a listing's or a run's; put back once, as they were or as set meanwhile."""

from __future__ import annotations

import gc
import random
import threading
from collections.abc import Iterator

import pytest

from assay._util import YOUNG_THRESHOLD, fewer_young_collections, quiet_collector


@pytest.fixture(autouse=True)
def _thresholds_kept() -> Iterator[tuple[int, ...]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


@pytest.mark.parametrize("first_out", ["command", "listing"])
def test_a_command_and_a_listing_that_overlap_put_the_thresholds_back(first_out, _thresholds_kept):
    command, listing = fewer_young_collections(), quiet_collector()
    command.__enter__()
    listing.__enter__()  # another thread's listing begins during the command
    order = [command, listing] if first_out == "command" else [listing, command]
    for block in order:
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD  # one of them is still under way
        block.__exit__(None, None, None)
    assert gc.get_threshold() == _thresholds_kept


def test_thresholds_set_meanwhile_stand_after_the_last_block(_thresholds_kept):
    older = _thresholds_kept[1:]
    with quiet_collector():
        gc.set_threshold(0, *older)  # automatic collection turned off by the user meanwhile
    assert gc.get_threshold() == (0, *older)

    gc.set_threshold(*_thresholds_kept)
    outer = quiet_collector()
    outer.__enter__()
    with fewer_young_collections():
        gc.set_threshold(5_000, *older)
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *older)  # the listing is still under way
    outer.__exit__(None, None, None)
    assert gc.get_threshold() == (5_000, *older)


def test_a_short_command_keeps_automatic_collection_off_where_it_was(_thresholds_kept):
    gc.set_threshold(0, *_thresholds_kept[1:])
    with fewer_young_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_blocks_in_many_threads_put_the_thresholds_back(_thresholds_kept):
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        try:
            for _ in range(300):
                block = quiet_collector() if rng.random() < 0.7 else fewer_young_collections()
                with block:
                    assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
                    if rng.random() < 0.1:
                        raise_inside()
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    def raise_inside() -> None:
        with pytest.raises(KeyError), quiet_collector():
            raise KeyError("inside")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert gc.get_threshold() == _thresholds_kept
