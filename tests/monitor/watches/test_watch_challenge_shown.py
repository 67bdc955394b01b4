"""A monitor's alarm is shown wherever the decision it challenges is read: the library, the
command line (table and --json) and the decision's page."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
from fastapi.testclient import TestClient

import assay
import assay.workflows as wf
from assay.cli import main
from assay.monitor import MonitorSpec, WatchSpec
from assay.server import create_app


def _alarm(decided: Any) -> None:
    spec = MonitorSpec(
        name="quality", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(spec, store=decided.store)
    rng = np.random.default_rng(3)
    for _ in range(8):
        window = pa.table({"accuracy": rng.binomial(1, 0.2, 400).astype(float)})
        status = wf.record_window("quality", window, store=decided.store)
    assert status.state == "alarm"


def test_a_challenge_reaches_every_view_of_the_decision(decided: Any, capsys: Any) -> None:
    store = decided.store
    assert assay.get_decision(decided.decision_id, store=store).challenges == []
    _alarm(decided)
    challenges = assay.get_decision(decided.decision_id, store=store).challenges
    ledger = [e for e in store.decisions.ledger() if e.kind == "challenge"]
    assert challenges == ledger and len(challenges) == 1
    db = store.url
    assert main(["decisions", "show", decided.decision_id[:12], "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "CHALLENGED by monitor quality, watch accuracy" in shown
    assert f"ledger entry {challenges[0].sequence}" in shown
    assert main(["decisions", "show", decided.decision_id[:12], "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["entry_hash"] for c in data["challenges"]] == [challenges[0].entry_hash]
    assert main(["decisions", "list", "--db", db, "--json"]) == 0
    assert [d["challenges"] for d in json.loads(capsys.readouterr().out)] == [1]
    assert main(["decisions", "list", "--db", db]) == 0
    assert "challenged (1)" in capsys.readouterr().out
    page = TestClient(create_app(store)).get(f"/decisions/{decided.decision_id}").text
    assert 'class="challenged"' in page and "by monitor quality, watch accuracy" in page
