"""`assay launch check`, `assay coverage`, `assay kpis` and `assay ledger verify` at 80
columns, piped and on a terminal of 80: no line of prose wider, and no word (an item, a model,
a hash) broken across lines. (A table piped is never folded: its names here fit.)"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from adult_runs import adult_subset, log_adult_run

import assay
from assay.cli import _coverage, _kpis, _launch, _ledger_render, _render, main

MODEL = "income-classifier-with-calibrated-thresholds@2.0"
ITEM = "fairness-and-privacy-review-by-the-governance-board"
CHECKLIST = f"""\
name: income-models
models: ["income-*"]
evidence:
  - {{item: ship-decision, kind: decision, policy: default}}
  - {{item: safety-run, kind: safety_run, suites: [adult-safety-suite-with-a-long-name]}}
  - {{item: rollout, kind: rollout_plan, experiment: income-rollout-in-three-regions}}
signoffs:
  - {{item: {ITEM}, role: governance, owner: "the governance board (weekly meeting)"}}
"""
REGISTRY = """\
scenarios:
  - name: rural women
    weight: 0.6
    owner: fairness team
    covered_by:
      - {suite: adult-income, slice: sex=Female}
  - name: self-employed
    weight: 0.4
"""


@pytest.fixture
def governed(home: Path) -> dict[str, str]:
    store = assay.open_store()
    assay.register_suite(adult_subset(), store=store)
    baseline = log_adult_run(store, "income-logreg@1.0")
    candidate = log_adult_run(store, MODEL, flip=0.02, seed=1)
    record = assay.decide(baseline, candidate, output=home.parent / "out", store=store)
    assay.workflows.approve(
        record.decision.decision_id, role="product", name="ana", status="rejected", store=store
    )
    (home.parent / "launch").mkdir()
    (home.parent / "launch" / "income.yaml").write_text(CHECKLIST)
    (home.parent / "coverage.yaml").write_text(REGISTRY)
    export = home.parent / "ledger.jsonl"
    exported = assay.workflows.export_ledger(export, store=store)
    lines = export.read_text().splitlines()
    head = json.loads(lines[-1])["head"]
    cut = home.parent / "cut.jsonl"
    first = json.loads(lines[0])
    trailer = {**json.loads(lines[-1]), "entries": 1, "head": first["entry_hash"]}
    cut.write_text(lines[0] + "\n" + json.dumps(trailer) + "\n")
    store.close()
    assert exported.head == head
    return {"head": head, "cut": str(cut)}


def _commands(governed: dict[str, str]) -> list[list[str]]:
    return [
        ["launch", "check", MODEL],
        ["coverage", "--registry", "coverage.yaml"],
        ["kpis", "--no-reproduce"],
        ["ledger", "verify"],
        ["ledger", "verify", "--file", governed["cut"], "--head", governed["head"]],
    ]


def _fits(text: str, words: list[str]) -> None:
    lines = text.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, max(lines, key=len)
    for word in words:
        assert re.search(rf"(^|[\s(']){re.escape(word)}([\s):;,']|$)", text), word


def _words(governed: dict[str, str]) -> list[str]:
    return [MODEL, ITEM, governed["head"]]


def test_piped(governed: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    said = []
    for command in _commands(governed):
        main(command)
        captured = capsys.readouterr()
        out = captured.out
        assert not captured.err, captured.err
        _fits(out, [])
        said.append(out)
    launch, coverage, kpis, intact, cut = said
    _fits(launch, [MODEL, ITEM])
    assert "NOT READY: 4 of 4 items missing" in " ".join(launch.split())
    assert "uncovered: self-employed (40.0% of the weight), no suite mapped" in coverage
    assert "team KPIs, all time: 1 decision;" in kpis
    _fits(intact, [governed["head"]])
    _fits(cut, [governed["head"]])
    assert "ledger tampered at entry 2: the exported head" in cut


def test_on_a_terminal_of_80_columns(
    governed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    tty = _render.SafeConsole(file=out, width=80, force_terminal=True, color_system=None)
    for module in (_render, _launch, _coverage, _kpis, _ledger_render):
        monkeypatch.setattr(module, "console", tty)
    _render.set_output_format("table")
    try:
        for command in _commands(governed):
            main(command)
            _fits(out.getvalue(), [])
    finally:
        _render.set_output_format(None)
    _fits(out.getvalue(), _words(governed))
