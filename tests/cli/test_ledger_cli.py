"""`assay decisions verify`: the head hash to keep, `--head`, and changed evidence named."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa

import assay
from assay.cli import main
from assay.testing import synthetic_records, synthetic_suite


def _decide(tmp_path: Path) -> assay.Decision:
    data = synthetic_suite(300, seed=3)
    base, cand = (
        assay.log_run(synthetic_records(data, seed=s), suite=data, model=f"m@{s}").run.run_id
        for s in (1, 2)
    )
    return assay.decide(base, cand, output=tmp_path / "reports").decision


def _head(text: str) -> str:
    found = re.search(r"head ([0-9a-f]{64})", text)
    assert found, text
    return found.group(1)


def test_verify_prints_the_head_and_checks_it_later(home, tmp_path: Path, capsys) -> None:
    decision = _decide(tmp_path)
    assert main(["decisions", "verify"]) == 0
    out = capsys.readouterr().out
    assert "ledger intact: 1 entry\n" in out
    head = _head(out)
    approve = ["decisions", "approve", decision.decision_id[:8], "--role", "lead", "--name", "A"]
    assert main(approve) == 0
    capsys.readouterr()
    assert main(["decisions", "verify", "--head", head]) == 0
    out = capsys.readouterr().out
    assert "the exported head is entry 1; 1 entries were added since" in out
    newest = _head(out)
    assert newest != head
    store = assay.open_store()
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger WHERE sequence = 2"))
    store.close()
    assert main(["decisions", "verify", "--head", newest]) == 5
    out = capsys.readouterr().out
    assert "ledger tampered at entry 2" in out and "removed from its end" in out
    assert main(["decisions", "verify", "--head", "nonsense"]) != 0
    err = capsys.readouterr().err
    assert "The --head value must be" in err and "verify_ledger" not in err


def test_verify_names_a_replaced_report(home, tmp_path: Path, capsys) -> None:
    decision = _decide(tmp_path)
    digest = decision.artifacts["report_html"]
    stored = home / "artifacts" / digest[:2] / digest
    stored.write_bytes(b"<html>all good</html>")
    assert main(["decisions", "verify"]) == 5
    out = " ".join(capsys.readouterr().out.split())
    assert "ledger tampered:" in out and "artifact report.html changed;" in out
    assert decision.decision_id in out and digest in out
    assert main(["decisions", "verify", "--json"]) == 5
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False and result["head"] is not None
    (problem,) = result["evidence_problems"]
    assert problem["evidence"] == "artifact report.html"
    assert (problem["expected"], problem["decision_id"]) == (digest, decision.decision_id)
    assert problem["found"] != digest
