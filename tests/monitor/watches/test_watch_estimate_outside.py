"""An estimate shown outside its interval is said so, with why, wherever it is shown: a
Bernstein watch's running intersection, and a bias-corrected Jensen-Shannon interval."""

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
from assay.monitor import MonitorSpec, Reference, WatchSpec, drift, look, new_watch, profile

LETTERS = [f"v{i}" for i in range(40)]


def test_a_bernstein_watch_says_its_estimate_left_the_running_intersection() -> None:
    spec = MonitorSpec(name="m", decision="d", watches=(WatchSpec(metric="accuracy"),))
    watch = new_watch(spec, spec.watches[0], Reference(0.9, "higher", 0.05, "test"))
    watch = look(watch, np.ones(2000))
    assert watch.estimate_outside is None  # inside: nothing to say
    watch = look(watch, np.full(2000, 0.5))
    assert watch.estimate == pytest.approx(0.75)
    assert watch.low is not None and watch.estimate < watch.low  # the intersection held it up
    assert "running intersection of the confidence sequence" in str(watch.estimate_outside)
    assert "below" in str(watch.estimate_outside)


def test_the_cli_json_and_report_say_why_the_estimate_is_outside(
    decided: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    st = decided.store
    spec = MonitorSpec(
        name="moved", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(spec, store=st)
    wf.record_window("moved", pa.table({"accuracy": np.ones(2000)}), store=st)
    after = wf.record_window("moved", pa.table({"accuracy": np.full(2000, 0.5)}), store=st)
    why = after.watches[0].estimate_outside
    assert why is not None
    db = f"sqlite:///{decided.folder / 'assay.db'}"
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(decided.folder / "files"))
    assert main(["monitor", "status", "moved", "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["monitors"][0]["watches"][0]["estimate_outside"] == why
    assert main(["monitor", "status", "moved", "--db", db]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "running intersection of the confidence sequence" in text
    out = tmp_path / "report.html"
    assert main(["monitor", "report", "moved", "-o", str(out), "--db", db]) == 0
    html = out.read_text()
    assert "estimate outside the interval" in html and "running intersection" in html


def _first_js_above(reference: Any) -> tuple[Any, pa.Table]:
    # Under no change the observed JS distance is pure noise and biased upward (the more so
    # the more categories): with 40, its bias-corrected interval lies wholly below it.
    rng = np.random.default_rng(5)
    for _ in range(40):
        window = pa.table({"c": rng.choice(LETTERS, 300)})
        result = drift(window, reference)
        measure = result.column("c").measure
        if measure is not None and measure.estimate > measure.high:
            return result, window
    raise AssertionError("no window put the JS estimate above its interval")


def test_a_js_estimate_above_its_interval_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(4)
    reference = profile(
        pa.table({"c": rng.choice(LETTERS, 20_000)}),
        name="ref",
    )
    result, window = _first_js_above(reference)
    row = result.column("c")
    assert row.statistic == "js"
    assert row.measure is not None
    assert "corrected for that bias" in str(row.measure.estimate_outside)
    measures = result.to_dict()["columns"][0]["measures"]
    shown = {m["name"]: m["estimate_outside"] for m in measures}
    assert shown["js"] == row.measure.estimate_outside
    # through the command: the table's note and the JSON field
    ref_file, cur_file = tmp_path / "ref.profile", tmp_path / "cur.parquet"
    ref_file.write_bytes(reference.to_bytes())
    pq.write_table(window, cur_file)
    main(["monitor", "drift", str(cur_file), "--reference", str(ref_file)])
    text = " ".join(capsys.readouterr().out.split())
    assert "c (js): the estimate" in text and "corrected for that bias" in text
