"""The monitor commands' JSON: every key documented in docs/monitor-watches.md is printed and
nothing undocumented, and `assay monitor report --json` equals the stored status and looks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import assay.workflows as wf
from assay.cli import main
from assay.monitor import MonitorSpec, WatchSpec

DOC = Path(__file__).parents[3] / "docs" / "monitor-watches.md"


def _documented() -> dict[str, set[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## JSON output") :]
    section = section[: section.index("\n## ", 5)]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    monitor = {k for line in table for k in re.findall(r"`(\w+)`", line.split("|")[1])}
    watch_text = section[section.index("A watch:") : section.index("`assay monitor report")]
    watch = set(re.findall(r"`(\w+)`", watch_text)) - {"bernstein", "cbpe"}
    report_text = section[section.index("`assay monitor report") :]
    look_text = report_text[report_text.index("each look is") :]
    look, per_watch = look_text.split("(per watch:")
    return {
        "monitor": monitor,
        "watch": watch,
        "look": set(re.findall(r"`(\w+)`", look)),
        "look_watch": set(re.findall(r"`(\w+)`", per_watch)),
    }


def test_the_documented_keys_are_the_printed_keys(
    decided: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    st = decided.store
    spec = MonitorSpec(
        name="json", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    wf.register_monitor(spec, store=st)
    rng = np.random.default_rng(2)
    for _ in range(2):
        wf.record_window("json", pa.table({"accuracy": rng.binomial(1, 0.8, 300) * 1.0}), store=st)
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(decided.folder / "files"))
    db = f"sqlite:///{decided.folder / 'assay.db'}"
    out = tmp_path / "m.html"
    assert main(["monitor", "report", "json", "-o", str(out), "--json", "--db", db]) == 0
    report = json.loads(capsys.readouterr().out)
    assert main(["monitor", "status", "--json", "--db", db]) == 0
    status = json.loads(capsys.readouterr().out)

    documented = _documented()
    assert set(report) == {"monitor", "looks", "report"}
    assert report["report"] == str(out) and out.read_text().startswith("<!DOCTYPE html>")
    assert set(report["monitor"]) == documented["monitor"]
    assert set(report["monitor"]["watches"][0]) == documented["watch"]
    assert {k for look in report["looks"] for k in look} == documented["look"]
    assert set(report["looks"][0]["watches"][0]) == documented["look_watch"]
    assert status == {"monitors": [report["monitor"]], "family_alpha_bound": 0.05}
    # the numbers are the stored ones: two looks of 300 scores each
    assert [look["rows"] for look in report["looks"]] == [300, 300]
    assert report["monitor"]["watches"][0]["n"] == 600
    assert report["monitor"] == wf.monitor_status("json", store=st)[0].to_dict()


def test_a_report_needs_a_file_or_json(
    decided: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(decided.folder / "files"))
    db = f"sqlite:///{decided.folder / 'assay.db'}"
    code = main(["monitor", "report", "any", "--db", db])
    assert code != 0 and "-o FILE" in capsys.readouterr().err
