"""Two looks at one monitor at once: the one that finds the monitor moved on is refused with
a StorageError, and the stored history keeps every look that was recorded, once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import assay.workflows as wf
import assay.workflows._monitor_watch as watch_module
from assay.errors import StorageError
from assay.monitor import MonitorSpec, WatchSpec
from assay.workflows._monitor_store import head, save_state


def _window(seed: int) -> pa.Table:
    return pa.table({"accuracy": np.random.default_rng(seed).binomial(1, 0.8, 200) * 1.0})


def test_a_look_that_finds_the_monitor_moved_on_is_refused(
    decided: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    st = decided.store
    spec = MonitorSpec(
        name="busy", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(spec, store=st)
    real_look, calls = watch_module.look, []

    def look_while_another_look_lands(watch: Any, values: Any) -> Any:
        if not calls:
            calls.append(1)
            wf.record_window("busy", _window(1), store=st)  # the other look, recorded first
        return real_look(watch, values)

    monkeypatch.setattr(watch_module, "look", look_while_another_look_lands)
    with pytest.raises(StorageError, match="Another look at monitor 'busy'"):
        wf.record_window("busy", _window(2), store=st)
    monkeypatch.undo()
    status = wf.monitor_status("busy", store=st)[0]
    assert status.looks == 1 and status.watches[0].n == 200
    assert [h["look"] for h in wf.monitor_history("busy", store=st)] == [1]


def test_a_slot_taken_by_another_state_is_never_overwritten(decided: Any) -> None:
    st = decided.store
    spec = MonitorSpec(
        name="slots", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    first = wf.register_monitor(spec, store=st)
    state = {
        "kind": "monitor-state",
        "monitor": "slots",
        "spec": first.spec_digest,
        "looks": 1,
        "previous": first.state_digest,
    }
    won = save_state(st, "slots", 1, {**state, "winner": True})
    with pytest.raises(StorageError, match="Another look"):
        save_state(st, "slots", 1, {**state, "winner": False})
    assert head(st, "slots") == (1, won)  # the first state keeps the slot
