"""Monitors on a real store: registered against a recorded decision, looked at window by window,
alarms written to the ledger as challenges, status read back, and the CLI's exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay.workflows as wf
from assay.cli import main
from assay.core import Comparison
from assay.errors import ConfigError, DataError, NotFoundError
from assay.monitor import MonitorSpec, WatchSpec


def _accuracy(decided: Any) -> float:
    decision = decided.store.decisions.get(decided.decision_id)
    comparison = Comparison.model_validate_json(
        decided.store.artifacts.get(decision.artifacts["comparison"])
    )
    row = next(
        r for r in comparison.results if r.metric == "accuracy" and r.slice_attribute is None
    )
    return row.candidate.estimate


def _window(rng: np.random.Generator, p: float, n: int = 400) -> pa.Table:
    return pa.table(
        {"accuracy": rng.binomial(1, p, n).astype(float), "lang": rng.choice(["en", "fr"], n)}
    )


def test_a_monitor_watches_its_decision_and_an_alarm_challenges_it(decided: Any) -> None:
    st = decided.store
    spec = MonitorSpec(
        name="quality",
        decision=decided.decision_id[:10],
        alpha=0.05,
        watches=(
            WatchSpec(metric="accuracy"),
            WatchSpec(metric="accuracy", slice="lang=en", margin=0.05),
        ),
    )
    status = wf.register_monitor(spec, store=st)
    reference = _accuracy(decided)
    overall = status.watches[0]
    assert status.decision_id == decided.decision_id
    assert overall.reference == pytest.approx(reference)
    assert overall.threshold == pytest.approx(reference - overall.margin)
    assert overall.margin == pytest.approx(0.01)  # the default policy's margin for a proportion
    assert status.watches[1].margin == 0.05
    assert [w.alpha for w in status.watches] == [0.025, 0.025]
    assert (status.looks, status.state, status.remaining) == (0, "inconclusive", 0.05)
    rng = np.random.default_rng(0)
    for _ in range(3):
        status = wf.record_window("quality", _window(rng, reference), store=st)
    assert status.state != "alarm" and status.challenges == ()
    for _ in range(6):
        status = wf.record_window("quality", _window(rng, reference - 0.25), store=st)
    assert status.watches[0].state == "alarm"
    assert status.remaining < 0.05
    challenges = [e for e in st.decisions.ledger() if e.kind == "challenge"]
    assert [e.sequence for e in challenges] == list(status.challenges)
    payload = challenges[0].payload
    assert challenges[0].decision_id == decided.decision_id
    assert payload["monitor"] == "quality" and payload["state"] == "alarm"
    window = json.loads(st.artifacts.get(str(payload["window"])))
    assert window["kind"] == "monitor-window" and window["look"] == payload["look"]
    assert float(str(payload["high"])) < float(str(payload["threshold"]))
    assert st.decisions.verify(artifacts=st.artifacts).ok
    again = wf.monitor_status("quality", store=st)[0]
    assert again.watches == status.watches and again.looks == 9
    assert [s.name for s in wf.monitor_status(store=st)] == ["quality"]


def test_registration_and_looks_refuse_bad_input(decided: Any) -> None:
    st = decided.store
    with pytest.raises(ConfigError, match="no result for 'nonexistent'"):
        wf.register_monitor(
            MonitorSpec(
                name="x", decision=decided.decision_id, watches=(WatchSpec(metric="nonexistent"),)
            ),
            store=st,
        )
    with pytest.raises(NotFoundError):
        wf.register_monitor(
            MonitorSpec(name="x", decision="nope", watches=(WatchSpec(metric="accuracy"),)),
            store=st,
        )
    spec = MonitorSpec(
        name="q", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(spec, store=st)
    assert wf.register_monitor(spec, store=st).looks == 0  # the same spec again is a no-op
    with pytest.raises(ConfigError, match="already registered"):
        wf.register_monitor(spec.model_copy(update={"alpha": 0.01}), store=st)
    with pytest.raises(DataError, match="no column 'accuracy'"):
        wf.record_window("q", pa.table({"score": [1.0]}), store=st)
    with pytest.raises(DataError, match="missing value"):
        wf.record_window("q", pa.table({"accuracy": [1.0, None]}), store=st)
    with pytest.raises(DataError, match="not numeric"):
        wf.record_window("q", pa.table({"accuracy": ["yes"]}), store=st)
    with pytest.raises(DataError, match="outside its bounds"):
        wf.record_window("q", pa.table({"accuracy": [3.0]}), store=st)
    for hostile in ("../../etc/passwd", "a/b", "", "x" * 500):
        with pytest.raises(NotFoundError, match="No monitor is named"):
            wf.monitor_status(hostile, store=st)
    index = MonitorSpec(
        name="index", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(index, store=st)  # a name that could clash with the list of names
    assert [s.name for s in wf.monitor_status(store=st)] == ["index", "q"]
    with pytest.raises(NotFoundError, match="No monitor is named 'nope'"):
        wf.record_window("nope", pa.table({"accuracy": [1.0]}), store=st)
    empty = wf.record_window("q", pa.table({"accuracy": pa.array([], pa.float64())}), store=st)
    assert (empty.looks, empty.watches[0].n, empty.state) == (1, 0, "inconclusive")


def test_the_cli_registers_looks_and_exits_by_state(
    decided: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = f"sqlite:///{decided.folder / 'assay.db'}"
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(decided.folder / "files"))
    decided.store.close()
    spec = tmp_path / "monitor.yaml"
    spec.write_text(
        f"name: cli-watch\ndecision: {decided.decision_id}\nalpha: 0.05\n"
        "watches:\n  - metric: accuracy\n    margin: 0.02\n",
        encoding="utf-8",
    )
    assert main(["monitor", "watch", "register", str(spec), "--db", db]) == 0
    rng = np.random.default_rng(1)
    good, bad = tmp_path / "good.parquet", tmp_path / "bad.csv"
    pq.write_table(pa.table({"accuracy": rng.binomial(1, 0.5, 50).astype(float)}), good)
    bad.write_text("accuracy\n" + "\n".join(["0"] * 3000) + "\n", encoding="utf-8")
    # 50 labels cannot settle it: inconclusive
    assert main(["monitor", "watch", "look", "cli-watch", str(good), "--db", db]) == 2
    capsys.readouterr()
    assert main(["monitor", "watch", "look", "cli-watch", str(bad), "--db", db, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["state"] == "alarm"
    assert main(["monitor", "status", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["monitors"][0]["watches"][0]["remaining_alpha"] == 0.0
    assert listed["family_alpha_bound"] == 0.05
    assert main(["monitor", "status", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "cli-watch" in shown and "alarm" in shown
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ndecision: d\nalpha: 2\nwatches: [{metric: a}]\n", encoding="utf-8")
    assert main(["monitor", "watch", "register", str(broken), "--db", db]) not in (0, 1, 2)
    assert "alpha" in capsys.readouterr().err
