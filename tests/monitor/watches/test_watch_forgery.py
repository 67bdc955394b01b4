"""A monitor's state log checked on read: a state forged through a team server that does not
continue the chain (wrong previous, another spec, another look number) is skipped and named,
never taken as the monitor's status; a bad entry in the ``monitors`` log is skipped with a
warning instead of hiding every monitor."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import assay.workflows as wf
from assay.errors import AssayWarning, StorageError
from assay.monitor import MonitorSpec, WatchSpec
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore
from assay.testing import running_server
from assay.workflows._slot_log import append, claim, put_json, slot


def _window(seed: int, p: float = 0.8) -> pa.Table:
    return pa.table({"accuracy": np.random.default_rng(seed).binomial(1, p, 200) * 1.0})


def _forge(store: Any, name: str, k: int, **change: Any) -> str:
    """Put a copy of slot k - 1's state, changed, into slot k, as any artifact writer could."""
    before = slot(store, f"monitor:{name}", k - 1)
    assert before is not None
    state = json.loads(store.artifacts.get(before))
    forged = {**state, "looks": k, "previous": before, "watches": [], **change}
    digest = put_json(store, forged, "application/json")
    assert claim(store, f"monitor:{name}", k, digest) == digest
    return digest


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"previous": None}, "its previous state is not the one in slot 1"),
        ({"spec": "0" * 64}, "its spec is not the registered one"),
        ({"looks": 7}, "it says look 7, not 2"),
        ({"monitor": "other"}, "it is a state of another monitor ('other')"),
    ],
)
def test_a_state_forged_through_the_server_is_skipped_and_named(
    decided: Any, change: dict[str, Any], why: str
) -> None:
    backend = decided.store
    token = backend.users.add("mallory", "editor").token
    spec = MonitorSpec(
        name="live", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(spec, store=backend)
    honest = wf.record_window("live", _window(1), store=backend)
    with running_server(create_app(backend, ServerSettings(auth="token"))) as url:
        remote = RemoteStore(url, token=token)
        forged = _forge(remote, "live", 2, **change)
        seen = wf.monitor_status("live", store=remote)[0]
        remote.close()
    assert (seen.looks, seen.state_digest, seen.watches) == (1, honest.state_digest, honest.watches)
    assert seen.problems == (f"slot 2 of monitor 'live' ({forged[:12]}) was skipped: {why}",)
    assert seen.to_dict()["problems"] == list(seen.problems)
    assert [h["look"] for h in wf.monitor_history("live", store=backend)] == [1]
    with pytest.raises(StorageError, match=r"Slot 2 of monitor 'live' holds .*not a valid state"):
        wf.record_window("live", _window(2), store=backend)


def test_a_state_that_continues_the_chain_is_kept(decided: Any) -> None:
    st = decided.store
    spec = MonitorSpec(
        name="chain", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(spec, store=st)
    for seed in range(3):
        status = wf.record_window("chain", _window(seed), store=st)
    assert (status.looks, status.problems) == (3, ())
    assert wf.monitor_status("chain", store=st)[0] == status


def test_a_bad_entry_in_the_monitors_log_is_skipped_with_a_warning(decided: Any) -> None:
    st = decided.store
    for name in ("first", "second"):
        spec = MonitorSpec(
            name=name, decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
        )
        wf.register_monitor(spec, store=st)
    garbage = st.artifacts.put(b"\xff not json", media_type="application/json")
    assert append(st, "monitors", garbage) == 2
    not_a_spec = put_json(st, {"kind": "monitor-spec", "spec": []}, "application/json")
    assert append(st, "monitors", not_a_spec) == 3
    with pytest.warns(AssayWarning) as caught:
        statuses = wf.monitor_status(store=st)
    assert [s.name for s in statuses] == ["first", "second"]
    messages = [str(w.message) for w in caught]
    assert any(f"slot 2 of the 'monitors' log points at {garbage[:12]}" in m for m in messages)
    assert any("slot 3 of the 'monitors' log" in m for m in messages)
