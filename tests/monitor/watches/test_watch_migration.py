"""Monitors and profile names stored the earlier way (named files beside the artifacts) are
read, and moved onto the slot logs the first time they are used."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

import assay.workflows as wf
from assay.monitor import MonitorSpec, WatchSpec, profile
from assay.storage import FileArtifactRepository, open_store


def _window(rng: np.random.Generator, n: int = 300) -> pa.Table:
    return pa.table({"accuracy": rng.binomial(1, 0.7, n).astype(float)})


def test_a_monitor_kept_under_heads_is_read_and_moved_on_first_use(
    decided: Any, tmp_path: Path
) -> None:
    # Build a monitor in one store, then lay its artifacts out in a second artifact root the
    # way monitors were kept before: a head file per name and an index of names.
    st = decided.store
    spec = MonitorSpec(
        name="old", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(spec, store=st)
    rng = np.random.default_rng(1)
    for _ in range(2):
        before = wf.record_window("old", _window(rng), store=st)
    chain, digest = [], before.state_digest
    while digest is not None:
        state = json.loads(st.artifacts.get(digest))
        chain.append(digest)
        digest = state["previous"]
    copied = [before.spec_digest, *chain]
    copied += [json.loads(st.artifacts.get(d))["window"] for d in chain[:-1]]
    old = open_store(f"sqlite:///{decided.folder / 'assay.db'}", artifacts=str(tmp_path / "old"))
    for d in copied:
        old.artifacts.put(st.artifacts.get(d), media_type="application/json")
    assert isinstance(old.artifacts, FileArtifactRepository)
    root = old.artifacts.root.child("monitors")
    root.write_bytes("heads/old.json", json.dumps({"state": before.state_digest}).encode())
    root.write_bytes("index.json", json.dumps(["old"]).encode())

    (read,) = wf.monitor_status(store=old)
    assert read == before and read.looks == 2
    assert [h["look"] for h in wf.monitor_history("old", store=old)] == [1, 2]
    after = wf.record_window("old", _window(rng), store=old)
    assert after.looks == 3
    # the head file is left as it was; the logs now lead to the newest look
    assert json.loads(root.read_bytes("heads/old.json")) == {"state": before.state_digest}
    assert wf.monitor_status("old", store=old) == [after]
    assert [s.name for s in wf.monitor_status(store=old)] == ["old"]
    assert wf.register_monitor(spec, store=old).looks == 3  # same spec: the stored status
    old.close()


def test_a_profile_name_kept_as_a_file_is_read_and_moved(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as st:
        first = profile(pa.table({"x": np.arange(100.0)}), name="ref")
        second = profile(pa.table({"x": np.arange(200.0)}), name="ref")
        digests = [
            st.artifacts.put(p.to_bytes(), media_type="application/vnd.assay.profile+json")
            for p in (first, second)
        ]
        assert isinstance(st.artifacts, FileArtifactRepository)
        name_file = f"monitor-profiles/{hashlib.sha256(b'ref').hexdigest()}.json"
        entry = {"name": "ref", "digest": digests[1], "history": digests}
        st.artifacts.root.write_bytes(name_file, json.dumps(entry).encode())

        assert wf.stored_profiles(store=st) == [
            {"name": "ref", "digest": digests[1], "versions": 2}
        ]
        assert wf.load_profile("ref", store=st).digest == digests[1]
        third = profile(pa.table({"x": np.arange(300.0)}), name="ref")
        newest = wf.save_profile(third, store=st)
        assert wf.load_profile("ref", store=st).digest == newest
        assert wf.stored_profiles(store=st) == [{"name": "ref", "digest": newest, "versions": 3}]
