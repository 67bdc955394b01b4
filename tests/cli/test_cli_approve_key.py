"""`assay decisions approve` takes the signer's name from the signing key when one is
configured, and asks for --name only when there is none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assay
from assay import workflows
from assay.cli import main
from assay.testing import synthetic_records, synthetic_suite


def _ship(tmp_path: Path) -> str:
    data = synthetic_suite(3000, seed=0)
    runs = [
        assay.log_run(synthetic_records(data, accuracy=acc, seed=s), suite=data, model=m)
        for acc, s, m in ((0.80, 1, "m@1"), (0.80, 2, "m@2"))
    ]
    decided = assay.decide(runs[0].run.run_id, runs[1].run.run_id, output=tmp_path / "out")
    decision = decided.decision
    assert decision.verdict.value != "BLOCK"
    return decision.decision_id[:12]


def test_the_name_comes_from_the_key(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    did = _ship(tmp_path)
    assert main(["decisions", "approve", did, "--role", "safety"]) == 4
    err = " ".join(capsys.readouterr().err.split())
    assert "Give --name (who signs) or configure a signing key" in err
    assert assay.get_decision(did).approvals == []  # nothing recorded
    key = tmp_path / "keys" / "alice.json"
    workflows.generate_key("alice", output=key, store=assay.open_store())
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))
    capsys.readouterr()
    assert main(["decisions", "approve", did, "--role", "safety", "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)
    assert entry["payload"]["name"] == "alice" and entry["payload"]["signature"]
    (approval,) = assay.get_decision(did).approvals
    assert (approval.name, approval.role) == ("alice", "safety")
    # a name that is not the key's owner is still refused
    assert main(["decisions", "approve", did, "--role", "product", "--name", "bob"]) == 4
    assert "belongs to 'alice', not 'bob'" in " ".join(capsys.readouterr().err.split())
    # the plain answer says the entry was signed, as a launch sign-off's does
    assert main(["decisions", "approve", did, "--role", "product"]) == 0
    assert "approval recorded as ledger entry" in (out := capsys.readouterr().out)
    assert "(signed)" in out
    assert assay.verify_ledger().ok
