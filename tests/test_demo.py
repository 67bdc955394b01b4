"""The README's main job: `assay demo`, offline, on the embedded store, twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay.cli import main


@pytest.mark.slow
def test_demo_stores_two_real_runs_once(home: Path, capsys):
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "stored" in first and "accuracy" in first and "report_html" in first
    assert main(["demo", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert not again["baseline"]["created"] and not again["candidate"]["created"]
    base, cand = again["baseline"]["run"], again["candidate"]["run"]
    assert base["n_records"] == cand["n_records"] == 15060
    # real models on real data: both well above the 75% majority-class rate
    for run in (base, cand):
        acc = run["metrics"]["accuracy"]
        assert 0.8 < acc["low"] < acc["estimate"] < acc["high"] < 0.9
    assert again["verdict"]["verdict"] in ("SHIP", "BLOCK", "INCONCLUSIVE")
    assert not again["decision"]["created"]  # the same decision is recorded once
    html = Path(again["files"]["report_html"]).read_text()
    assert again["verdict"]["verdict"] in html and "<svg" in html
    memo = Path(again["files"]["memo"]).read_text()
    assert "TO BE WRITTEN BY" in memo
    assert main(["decisions", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert main(["decisions", "verify"]) == 0
    capsys.readouterr()
    assert main(["runs", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["runs", "diff", base["run_id"], cand["run_id"], "--json"]) == 0
    diff = {d["field"] for d in json.loads(capsys.readouterr().out)}
    assert {"model.name", "provenance.adapter.steps"} <= diff


@pytest.mark.slow
def test_console_script_entry_point(home: Path):
    env = {**os.environ, "ASSAY_HOME": str(home)}
    out = subprocess.run(
        [sys.executable, "-m", "assay", "runs", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
