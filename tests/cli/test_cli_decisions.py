"""`assay decisions`: approve versus override, one sign-off per person and role, the evidence
listed by name and exported with its digests checked, and a run gated against itself."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest

import assay
from assay.cli import main
from assay.errors import ConfigError, SelfComparisonWarning
from assay.testing import synthetic_records, synthetic_suite


def _decide(tmp_path: Path, base_acc: float, cand_acc: float, seed: int = 0) -> assay.Decision:
    data = synthetic_suite(3000, seed=seed)
    base = assay.log_run(
        synthetic_records(data, accuracy=base_acc, seed=1), suite=data, model="m@1"
    )
    cand = assay.log_run(
        synthetic_records(data, accuracy=cand_acc, seed=2), suite=data, model="m@2"
    )
    return assay.decide(base.run.run_id, cand.run.run_id, output=tmp_path / "reports").decision


def _json(text: str) -> object:
    return json.loads(text)


def test_a_block_is_overridden_with_a_reason_never_approved(home, tmp_path: Path, capsys) -> None:
    decision = _decide(tmp_path, 0.80, 0.70)
    assert decision.verdict.value == "BLOCK"
    did = decision.decision_id[:10]
    approve = ["decisions", "approve", did, "--role", "lead", "--name", "Ana"]
    assert main(approve) == 4
    err = " ".join(capsys.readouterr().err.split())
    assert "is a BLOCK" in err and f"assay decisions override {decision.decision_id[:12]}" in err
    override = ["decisions", "override", did, "--role", "lead", "--name", "Ana"]
    assert main([*override, "--reason", "   "]) == 4
    assert "needs its reason" in capsys.readouterr().err
    assert main(override) != 0  # --reason is required
    capsys.readouterr()
    assert main([*override, "--reason", "legal sign-off; fix ships next week"]) == 0
    assert "override recorded as ledger entry 2" in capsys.readouterr().out
    # An objection is still possible on a BLOCK.
    assert main([*approve, "--reject", "--note", "too risky"]) == 0
    capsys.readouterr()
    assert main(["decisions", "show", did, "--json"]) == 0
    shown = _json(capsys.readouterr().out)
    assert [(a["status"], a["note"]) for a in shown["approvals"]] == [
        ("override", "legal sign-off; fix ships next week"),
        ("rejected", "too risky"),
    ]
    assert main(["decisions", "show", did]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "OVERRIDE (ships a BLOCK) by Ana as lead" in out
    assert "legal sign-off; fix ships next week" in out
    assert main(["decisions", "list", "--json"]) == 0
    (listed,) = _json(capsys.readouterr().out)
    assert listed["sign_offs"] == {"override": 1, "rejected": 1}
    assert main(["decisions", "list"]) == 0
    assert "1 OVERRIDE" in capsys.readouterr().out
    assert main(["decisions", "verify", "--json"]) == 0
    assert _json(capsys.readouterr().out)["entries"] == 3
    # A reason and a name are shown, never obeyed by the terminal.
    hostile = ["decisions", "override", did, "--role", "[red]lead", "--name", "Eve\x1b[2J"]
    assert main([*hostile, "--reason", "fine\x1b]0;owned\x07 [bold]really[/]"]) == 0
    capsys.readouterr()
    assert main(["decisions", "show", did]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "[bold]really[/]" in out


def test_only_a_block_can_be_overridden_and_nobody_signs_twice(home, tmp_path: Path, capsys):
    decision = _decide(tmp_path, 0.70, 0.80)
    assert decision.verdict.value == "SHIP"
    did = decision.decision_id[:10]
    override = ["decisions", "override", did, "--reason", "x", "--role", "lead", "--name", "Bo"]
    assert main(override) == 4
    assert "nothing to override" in capsys.readouterr().err
    approve = ["decisions", "approve", did, "--role", "safety", "--name", "Bo"]
    assert main(approve) == 0
    assert main(approve) == 4
    err = " ".join(capsys.readouterr().err.split())
    assert "'Bo' as 'safety' already recorded 'approved'" in err
    assert main(["decisions", "approve", did, "--role", "product", "--name", "Bo"]) == 0
    with pytest.raises(ConfigError, match="already recorded"):
        assay.approve(did, role="product", name="Bo")
    assert [a.role for a in assay.get_decision(did).approvals] == ["safety", "product"]
    assert assay.verify_ledger().ok


def test_show_names_the_evidence_files_and_export_writes_them(home, tmp_path: Path, capsys):
    decision = _decide(tmp_path, 0.70, 0.80)
    did = decision.decision_id[:10]
    assert main(["decisions", "show", did, "--json"]) == 0
    evidence = {e["name"]: e for e in _json(capsys.readouterr().out)["evidence"]}
    assert set(evidence) == {
        "report.html",
        "report.md",
        "memo.md",
        "policy.yaml",
        "comparison.json",
        "verdict.json",
    }
    for item in evidence.values():
        assert item["digest"] == decision.artifacts[item["role"]]
        stored = Path(item["stored_at"])
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == item["digest"]
    assert main(["decisions", "show", did]) == 0
    out = capsys.readouterr().out
    assert "report.html" in out and decision.artifacts["memo"] in out
    out_dir = tmp_path / "exported"
    assert main(["decisions", "evidence", did, "-o", str(out_dir), "--json"]) == 0
    written = _json(capsys.readouterr().out)
    assert {w["name"] for w in written} == set(evidence)
    for name in evidence:
        data = (out_dir / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == evidence[name]["digest"]
    # The reports exported are the very files the decision wrote.
    for name in ("report.html", "report.md", "memo.md"):
        assert (out_dir / name).read_bytes() == (tmp_path / "reports" / name).read_bytes()
    assert main(["decisions", "evidence", did, "--output", str(tmp_path / "again")]) == 0
    assert "6 evidence files written" in capsys.readouterr().out


def test_export_refuses_changed_evidence_and_writes_nothing(home, tmp_path: Path, capsys):
    decision = _decide(tmp_path, 0.70, 0.80)
    digest = decision.artifacts["memo"]
    (home / "artifacts" / digest[:2] / digest).write_bytes(b"# all good, ship it")
    out_dir = tmp_path / "exported"
    assert main(["decisions", "evidence", decision.decision_id[:10], "-o", str(out_dir)]) == 5
    err = " ".join(capsys.readouterr().err.split())
    assert "memo.md" in err and "changed" in err and "nothing was written" in err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []
    assert main(["decisions", "evidence", "no-such-decision", "-o", str(out_dir)]) == 8
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["decisions", "evidence", decision.decision_id, "-o", str(blocker)]) == 5


def test_a_run_gated_against_itself_is_flagged(home, capsys) -> None:
    data = synthetic_suite(400, seed=7)
    records = synthetic_records(data, accuracy=0.7, seed=1)
    base = assay.log_run(records, suite=data, model="m@1").run.run_id
    copy = assay.log_run(records, suite=data, model="m@copy").run.run_id
    other = assay.log_run(synthetic_records(data, seed=2), suite=data, model="m@2").run.run_id
    assert main(["gate", base, base, "--json"]) in (0, 1, 2)
    captured = capsys.readouterr()
    assert "note: the baseline and the candidate are the same run" in captured.err
    assert json.loads(captured.out)["verdict"]["verdict"]  # still computed
    with pytest.warns(SelfComparisonWarning, match="identical records"):
        gated = assay.gate_runs(base, copy)
    overall = [r for r in gated.comparison.results if r.slice_attribute is None]
    assert overall and all(r.difference.estimate == 0 for r in overall)
    with pytest.warns(SelfComparisonWarning):
        assay.compare_runs(base, base)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", SelfComparisonWarning)
        assay.compare_runs(base, other)
    assert isinstance(records, pa.Table)
