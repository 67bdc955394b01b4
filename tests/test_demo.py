"""The README's main job: `assay demo`, offline, on the embedded store, twice."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import assay
from assay.cli import main


@pytest.mark.slow
@pytest.mark.usefixtures("one_thread")
def test_demo_stores_two_real_runs_once(home: Path, capsys):
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "stored" in first and "accuracy" in first and "report_html" in first
    assert "training the candidate" in first and first.count("stored run ") == 2
    # the second demo finds both runs before training anything and prints the same summary
    assert main(["demo"]) == 0
    second = " ".join(capsys.readouterr().out.split())  # as read, whatever the terminal wrapped
    first = " ".join(first.split())
    assert "training" not in second
    assert "already stored: income-logreg@1.0 as " in second and "nothing new to train" in second
    assert second.count("an identical run exists as") == 2
    assert "was already recorded (nothing new written)" in second
    assert "next: assay compare " in first
    # the latency budget's reason (in the rule table, whether it passes or not: the latency
    # is measured on this machine) leads with milliseconds, the relative change after
    latency = first[first.index("latency_p95: ") :].split(" (")[0]
    assert re.match(
        r"latency_p95: [+\u2212]?\d+\.\d+ ms \[[+\u2212]?\d+\.\d+, [+\u2212]?\d+\.\d+\] "
        r"\w+ the baseline's \d+\.\d+ ms",
        latency,
    ), latency
    # one number of decimals in the row (as many as the interval's width needs)
    places = {len(x.split(".")[1]) for x in re.findall(r"\d+\.\d+", latency)}
    assert len(places) == 1, latency
    assert first[first.index("next: ") :] == second[second.index("next: ") :]  # same commands
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


def test_a_stored_run_is_reused_only_for_the_same_seed_data_and_packages(store, monkeypatch):
    """What the demo's look-up accepts: same suite, model, tags, seeds, data and packages."""
    from assay.demo._stored import stored_run
    from assay.testing import synthetic_records, synthetic_suite

    suite = synthetic_suite(60, seed=2)
    logged = assay.log_run(
        synthetic_records(suite, seed=1),
        suite=suite,
        model="income-gbm@2.0",
        tags={"role": "candidate", "demo": "adult"},
        seeds={"model": 0},
        dataset_digests={"adult-train": "abc"},
        provenance={"sample": None},
        store=store,
    )
    same = {
        "tags": {"role": "candidate", "demo": "adult"},
        "seeds": {"model": 0},
        "dataset_digests": {"adult-train": "abc"},
        "packages": ("scikit-learn", "numpy"),
    }
    found = stored_run(store, suite, "income-gbm@2.0", **same)
    assert found is not None and not found.created and found.run.run_id == logged.run.run_id
    assert stored_run(store, suite, "income-gbm@2.0", **same, provenance={"sample": None})
    changes = [
        {"seeds": {"model": 1}},
        {"dataset_digests": {"adult-train": "abd"}},
        {"tags": {"role": "candidate", "demo": "sentiment"}},
        {"provenance": {"sample": 400}},
    ]
    for change in changes:
        assert stored_run(store, suite, "income-gbm@2.0", **{**same, **change}) is None, change
    assert stored_run(store, suite, "income-gbm@3.0", **same) is None
    # after an upgrade of scikit-learn the stored model may predict otherwise: train again
    from importlib import metadata

    real = metadata.version
    monkeypatch.setattr(
        metadata, "version", lambda name: "0.0" if name == "scikit-learn" else real(name)
    )
    assert stored_run(store, suite, "income-gbm@2.0", **same) is None
    other = synthetic_suite(61, seed=2)
    assay.register_suite(other, store=store)
    assert stored_run(store, other, "income-gbm@2.0", **same) is None
