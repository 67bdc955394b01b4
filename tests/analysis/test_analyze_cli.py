"""`assay analyze` on a real store: a candidate worse than its baseline on one planted slice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from analysis_data import planted_runs

import assay
from assay.cli import main
from assay.errors import SuiteMismatchError
from assay.workflows import analyze_run, run_analyses

PLANTED = "region = east AND device = phone"


def test_against_a_baseline_finds_the_planted_slice(home: Path, tmp_path: Path, capsys):
    store = assay.open_store()
    _, base, cand = planted_runs(store)
    html, md = tmp_path / "a.html", tmp_path / "fix.md"
    argv = ["analyze", cand, "--against", base, "--html", str(html), "--markdown", str(md)]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    d = out["discovery"]
    assert d["target"] == "difference" and d["run_ids"] == {"run": cand, "baseline": base}
    assert d["slices"][0]["description"] == PLANTED
    assert out["fix_list"]["problems"][0]["name"] == PLANTED
    # the counts users read are the counts in the data
    records = store.runs.records(cand).to_pylist()
    inside = sorted(
        r["example_id"] for r in records if r["region"] == "east" and r["device"] == "phone"
    )
    assert d["slices"][0]["example_ids"] == inside and d["slices"][0]["n_examples"] == len(inside)
    page = html.read_text()
    assert f"{d['candidates']:,} slices" in page and PLANTED in page
    assert PLANTED in md.read_text()
    # stored as an artifact of the run, found again from the run
    stored = run_analyses(cand, store=store)
    assert stored[-1]["artifact"] == out["artifact"]
    assert stored[-1]["discovery"]["candidates"] == d["candidates"]


def test_text_output_fits_80_columns_when_piped(home: Path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    store = assay.open_store()
    _, base, cand = planted_runs(store)
    assert main(["analyze", cand, "--against", base, "--control", "holm"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, text
    flat = " ".join(text.split())
    assert "candidate slices tested" in flat and "Holm" in flat and "fix list" in flat


def test_no_slice_under_the_null_and_promotion(home: Path, capsys):
    store = assay.open_store()
    _, base, cand = planted_runs(store, planted=False, seed=3)
    found = analyze_run(cand, against=base, control="holm", store=store)
    assert not found.discovery.found and "No slice found" in found.discovery.summary()
    _, base2, cand2 = planted_runs(store, seed=4)
    promoted = analyze_run(cand2, against=base2, control="holm", promote=True, store=store)
    new = assay.get_suite(promoted.promoted["digest"], store=store)
    assert new.version == "2" and "found_region_east_and_device_phone" in new.suite.slice_names


def test_a_baseline_on_another_suite_version_is_refused(home: Path):
    store = assay.open_store()
    _, base, _ = planted_runs(store, n=300)
    _, _, cand = planted_runs(store, n=400, seed=1)
    with pytest.raises(SuiteMismatchError, match="same version"):
        analyze_run(cand, against=base, store=store)
