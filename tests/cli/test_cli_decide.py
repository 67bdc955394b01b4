"""`assay compare`, `assay gate`, `assay report` and `assay decisions` end to end on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assay
from assay.cli import main
from assay.errors import CoverageWarning
from assay.testing import synthetic_records, synthetic_suite


def _runs(n: int, base_acc: float, cand_acc: float, *, error_rate: float = 0.0, seed: int = 0):
    data = synthetic_suite(n, seed=seed)
    base = assay.log_run(
        synthetic_records(data, accuracy=base_acc, seed=1), suite=data, model="m@1"
    )
    cand = assay.log_run(
        synthetic_records(data, accuracy=cand_acc, seed=2, error_rate=error_rate),
        suite=data,
        model="m@2",
    )
    return base.run.run_id, cand.run.run_id


def test_gate_exit_codes_follow_the_verdict(home, capsys):
    b, c = _runs(4000, 0.70, 0.80)
    assert main(["gate", b, c]) == 0  # a clear win: SHIP
    assert "SHIP" in capsys.readouterr().out
    b, c = _runs(4000, 0.80, 0.70, seed=1)
    assert main(["gate", b, c, "--json"]) == 1  # a clear loss: BLOCK
    verdict = json.loads(capsys.readouterr().out)["verdict"]
    assert verdict["verdict"] == "BLOCK"
    b, c = _runs(60, 0.80, 0.80, seed=2)
    assert main(["gate", b, c, "--json"]) == 2  # too few examples to tell: INCONCLUSIVE
    rules = json.loads(capsys.readouterr().out)["verdict"]["rules"]
    assert any(r["outcome"] == "inconclusive" and r["to_settle"] for r in rules)


def test_heavily_errored_candidate_is_blocked(home, capsys):
    b, c = _runs(2000, 0.8, 0.8, error_rate=0.3)
    assert main(["gate", b, c, "--json"]) == 1
    rules = json.loads(capsys.readouterr().out)["verdict"]["rules"]
    error_rule = next(r for r in rules if r["kind"] == "max_error_rate")
    assert error_rule["outcome"] == "fail" and "%" in error_rule["reason"]


def test_compare_report_and_decision_ledger(home, tmp_path: Path, capsys):
    b, c = _runs(3000, 0.70, 0.74)
    assert main(["compare", b, c, "--json"]) == 0
    comparison = json.loads(capsys.readouterr().out)
    overall = next(
        r
        for r in comparison["results"]
        if r["metric"] == "accuracy" and r["slice_attribute"] is None
    )
    assert overall["difference"]["low"] > 0 and overall["n"] == 3000
    assert main(["compare", b, c]) == 0
    assert "overall" in capsys.readouterr().out
    out = tmp_path / "reports"
    assert main(["report", b, c, "-o", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"report.html", "report.md", "memo.md"}
    assert main(["gate", b, c, "--record", "-o", str(tmp_path / "rec")]) == 0
    capsys.readouterr()
    assert main(["decisions", "list", "--json"]) == 0
    (decision,) = json.loads(capsys.readouterr().out)
    assert decision["verdict"] == "SHIP" and decision["baseline_run"] == b
    did = decision["decision_id"][:10]
    assert main(["decisions", "approve", did, "--role", "safety", "--name", "Ana"]) == 0
    assert main(["decisions", "show", did, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert shown["approvals"][0]["role"] == "safety"
    assert main(["decisions", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 2
    # notebooks: the comparison renders as an HTML table
    html = assay.compare_runs(b, c)._repr_html_()
    assert "<table" in html and "accuracy" in html


def test_bad_inputs_get_clear_errors(home, tmp_path: Path, capsys):
    b, c = _runs(500, 0.7, 0.7)
    other = synthetic_suite(500, name="other", seed=9)
    o = assay.log_run(synthetic_records(other, seed=3), suite=other, model="m@3").run.run_id
    assert main(["compare", b, o]) == 3  # different suites are refused
    assert "shared" in capsys.readouterr().err
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "name: p\nrules:\n  quality:\n    - {name: q, metric: bleu, kind: superiority}\n"
    )
    assert main(["gate", b, c, "--policy", str(policy)]) == 7  # unknown metric
    assert "bleu" in capsys.readouterr().err
    policy.write_text(
        "name: p\nrules:\n  quality:\n    - {name: q, metric: accuracy, kind: non_inferiority, margin: -0.01}\n"
    )
    assert main(["gate", b, c, "--policy", str(policy)]) == 4  # margin of the wrong sign
    assert "margin" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["compare", "gate", "report"])
def test_unknown_run(home, command, capsys):
    assert main([command, "nope", "nada"]) == 8


def test_a_candidate_that_drops_examples_is_blocked(home, capsys):
    data = synthetic_suite(300, seed=4)
    base = assay.log_run(synthetic_records(data, accuracy=0.7, seed=1), suite=data, model="m@1")
    full = synthetic_records(data, accuracy=0.7, seed=2)
    wrong = [i for i, v in enumerate(full.column("accuracy").to_pylist()) if v == 0.0][:45]
    kept = full.filter([i not in set(wrong) for i in range(full.num_rows)])
    with pytest.warns(CoverageWarning, match="cover 255 of the suite's 300"):
        cand = assay.log_run(kept, suite=data, model="m@2")
    assert main(["gate", base.run.run_id, cand.run.run_id, "--json"]) == 1
    rules = json.loads(capsys.readouterr().out)["verdict"]["rules"]
    coverage = next(r for r in rules if r["kind"] == "coverage")
    assert coverage["outcome"] == "fail" and "45 of the baseline's 300" in coverage["reason"]


def test_every_suite_metric_is_gated_whatever_its_name(home, capsys):
    data = synthetic_suite(400, metrics=("acc", "cost_aware_acc"), seed=5)
    base = assay.log_run(synthetic_records(data, accuracy=1.0, seed=1), suite=data, model="m@1")
    worse = synthetic_records(data, accuracy={"acc": 1.0, "cost_aware_acc": 0.0}, seed=2)
    cand = assay.log_run(worse, suite=data, model="m@2")
    assert main(["gate", base.run.run_id, cand.run.run_id, "--json"]) == 1
    rules = json.loads(capsys.readouterr().out)["verdict"]["rules"]
    assert any(r["metric"] == "cost_aware_acc" and r["outcome"] == "fail" for r in rules)
