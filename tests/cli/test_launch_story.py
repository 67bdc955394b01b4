"""The launch story on the Adult demo, from the command line: NOT READY until a safety run
and two sign-offs by two people exist; signed sign-offs verified; the ledger exported, then
cut short, and the cut found with the exported head."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

import assay
from assay import workflows
from assay.cli import main
from assay.monitor import MonitorSpec, WatchSpec

MODEL = "income-gbm@2.0"
CHECKLIST = """\
name: income-models
models: ["income-*"]
evidence:
  - {item: ship-decision, kind: decision, policy: default}
  - {item: safety-run, kind: safety_run}
  - {item: monitor, kind: monitor, owner: ml-platform}
signoffs:
  - {item: safety-review, role: safety, owner: "#safety-review"}
  - {item: privacy-review, role: privacy}
"""


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())


def _sign(capsys, monkeypatch, key: Path, item: str, role: str) -> tuple[int, str]:
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))
    return _run(capsys, "launch", "sign", item, "--model", MODEL, "--role", role)


@pytest.mark.slow
def test_launch_story_on_the_adult_demo(home: Path, capsys, monkeypatch) -> None:
    assert main(["demo", "--json"]) == 0
    demo = json.loads(capsys.readouterr().out)
    assert demo["verdict"]["verdict"] == "SHIP"
    decision_id = demo["decision"]["decision_id"]
    candidate = demo["candidate"]["run"]["run_id"]
    (home.parent / "launch").mkdir()
    (home.parent / "launch" / "income.yaml").write_text(CHECKLIST)
    keys = home.parent / "keys"
    for name in ("alice", "bob"):
        code, out = _run(capsys, "keys", "generate", "--name", name, "-o", str(keys / name))
        assert code == 0 and "registered its public key as ledger entry" in out

    code, out = _run(capsys, "launch", "check", MODEL)
    assert code == 1 and "NOT READY: 4 of 5 items missing" in out
    assert f"ok ship-decision (decision): decision {decision_id[:12]} is SHIP" in out
    assert "clear: the safety team:" in out and "clear: ml-platform:" in out
    assert "clear: a safety reviewer (#safety-review): `assay launch sign safety-review" in out

    # refusals record nothing: an unknown role, an evidence item
    before = len(assay.open_store().decisions.ledger())
    assert _sign(capsys, monkeypatch, keys / "alice", "safety-review", "legal")[0] == 4
    assert _sign(capsys, monkeypatch, keys / "alice", "safety-run", "safety")[0] == 4
    assert len(assay.open_store().decisions.ledger()) == before

    code, out = _sign(capsys, monkeypatch, keys / "alice", "safety-review", "safety")
    assert code == 0 and "by alice as safety" in out and "(signed)" in out
    code, out = _sign(capsys, monkeypatch, keys / "alice", "privacy-review", "privacy")
    assert code == 4 and "needs a different person" in out
    code, out = _sign(capsys, monkeypatch, keys / "bob", "privacy-review", "privacy")
    assert code == 0 and "by bob as privacy" in out
    code, out = _run(capsys, "launch", "check", MODEL)
    assert code == 1 and "NOT READY: 2 of 5 items missing (safety-run, monitor)" in out

    # the evidence itself: the candidate's Adult run marked as a safety (fairness) run, and a
    # monitor on the decision
    assert main(["runs", "tag", candidate, "purpose=safety"]) == 0
    spec = MonitorSpec(
        name="income-accuracy", decision=decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    workflows.register_monitor(spec)
    capsys.readouterr()
    code, out = _run(capsys, "launch", "check", MODEL, "--json")
    result = json.loads(out)
    assert code == 0 and result["status"] == "READY" and result["missing"] == []
    assert result["items"][1]["found"] == [candidate]
    assert result["items"][2]["found"] == ["income-accuracy"]

    code, out = _run(capsys, "ledger", "verify")
    assert code == 0 and "ledger intact: 5 entries" in out
    assert "4 signed entries checked against 2 registered keys, 1 unsigned" in out
    export = home.parent / "ledger.jsonl"
    code, out = _run(capsys, "ledger", "export", str(export))
    head = re.search(r"head ([0-9a-f]{64})", out).group(1)  # type: ignore[union-attr]
    lines = export.read_text().splitlines()
    assert code == 0 and len(lines) == 6 and json.loads(lines[-1])["head"] == head
    assert _run(capsys, "ledger", "verify", "--file", str(export))[0] == 0

    # cut the newest entry (bob's sign-off) from the store: only the exported head shows it
    store = assay.open_store()
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger WHERE sequence = 5"))
    store.close()
    assert _run(capsys, "ledger", "verify")[0] == 0
    code, out = _run(capsys, "ledger", "verify", "--head", head)
    assert code == 5 and "ledger tampered at entry 5" in out and "removed from its end" in out
    assert _run(capsys, "decisions", "verify", "--head", head)[0] == 5
    code, out = _run(capsys, "launch", "check", MODEL)
    assert code == 1 and "MISSING privacy-review" in out

    # the export file cut short: against its own head line, and with its head line rewritten
    cut = home.parent / "cut.jsonl"
    cut.write_text("\n".join(lines[:4] + lines[5:]) + "\n")
    code, out = _run(capsys, "ledger", "verify", "--file", str(cut))
    assert code == 5 and "the head line says 5 entries" in out
    cut.write_text("\n".join(lines[:4]) + "\n")
    code, out = _run(capsys, "ledger", "verify", "--file", str(cut))
    assert code == 3 and "no head line at its end" in out
    fourth = json.loads(lines[3])["entry_hash"]
    trailer = {**json.loads(lines[-1]), "entries": 4, "head": fourth}
    cut.write_text("\n".join([*lines[:4], json.dumps(trailer)]) + "\n")
    assert _run(capsys, "ledger", "verify", "--file", str(cut))[0] == 0
    code, out = _run(capsys, "ledger", "verify", "--file", str(cut), "--head", head)
    assert code == 5 and "removed from its end" in out
