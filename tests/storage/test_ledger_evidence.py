"""A decision's ledger entry commits to its evidence, and verification re-hashes it.

Each test records a real decision (two logged runs, gated, reports written) in a real SQLite
file and in the real PostgreSQL server, then changes one piece of evidence behind assay's back
and checks that verification names the decision, the evidence and both digests.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

import assay
from assay.core import canonical_json, digest
from assay.errors import ParameterError
from assay.storage import LedgerVerification, Store
from assay.testing import make_approval, make_decision, synthetic_records, synthetic_suite


@dataclass(frozen=True)
class Decided:
    """A store holding one decision (entry 1) and one approval of it (entry 2)."""

    store: Store
    decision: assay.Decision
    baseline: str
    candidate: str


@pytest.fixture
def decided(store: Store, tmp_path: Path) -> Decided:
    suite = synthetic_suite(200, seed=5)
    baseline, candidate = (
        assay.log_run(
            synthetic_records(suite, seed=s), suite=suite, model=f"m@{s}", store=store
        ).run.run_id
        for s in (1, 2)
    )
    record = assay.decide(baseline, candidate, output=tmp_path / "reports", store=store)
    assay.approve(record.decision.decision_id, role="lead", name="Ann", store=store)
    return Decided(store, record.decision, baseline, candidate)


def _sql(store: Store, statement: str, **params: Any) -> None:
    with store.engine.begin() as conn:
        result = conn.execute(sa.text(statement), params)
        assert result.rowcount >= 1, statement


def _scalar(store: Store, statement: str, **params: Any) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(statement), params).scalar_one()


def _artifact_path(d: Decided, role: str) -> Path:
    digest = d.decision.artifacts[role]
    return Path(d.store.artifacts.root.path(f"{digest[:2]}/{digest}"))


def _records_path(d: Decided, run_id: str) -> Path:
    relative = _scalar(d.store, "SELECT records_path FROM runs WHERE run_id = :r", r=run_id)
    return Path(d.store.runs.files.path(relative))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verify(d: Decided, head: str | None = None) -> LedgerVerification:
    return assay.verify_ledger(head=head, store=d.store)


def test_the_entry_commits_to_every_piece_of_evidence(decided: Decided) -> None:
    d = decided
    assert set(d.decision.artifacts) == {
        "comparison",
        "verdict",
        "report_html",
        "report_md",
        "memo",
        "policy",
    }
    assert set(d.decision.run_evidence) == {
        f"{role}_{kind}"
        for role in ("baseline", "candidate")
        for kind in ("run", "metrics", "records")
    }
    assert d.decision.run_evidence["baseline_records"] == _sha(_records_path(d, d.baseline))
    (entry, _) = d.store.decisions.ledger()
    assert entry.payload["run_evidence"] == d.decision.run_evidence
    assert entry.payload["artifacts"] == d.decision.artifacts
    policy = d.store.artifacts.get(d.decision.artifacts["policy"]).decode()
    assert policy.startswith("name: default")


def test_the_untouched_store_verifies(decided: Decided) -> None:
    result = _verify(decided)
    assert (result.ok, result.entries, result.reason) == (True, 2, "2 entries intact")
    assert result.evidence_problems == ()
    assert result.notes == (
        "signatures: 0 signed entries checked against 0 registered keys, 2 unsigned",
    )
    assert result.head == decided.store.decisions.ledger()[-1].entry_hash
    assert _verify(decided, head=result.head).ok


def replace_report_html(d: Decided) -> tuple[str, str | None]:
    path = _artifact_path(d, "report_html")
    path.write_bytes(path.read_bytes().replace(b"SHIP", b"BLOCK") + b"<!-- edited -->")
    return "artifact report.html", _sha(path)


def replace_report_md(d: Decided) -> tuple[str, str | None]:
    path = _artifact_path(d, "report_md")
    path.write_bytes(b"# Nothing to see\n")
    return "artifact report.md", _sha(path)


def delete_the_memo(d: Decided) -> tuple[str, str | None]:
    _artifact_path(d, "memo").unlink()
    return "artifact memo.md", None


def change_the_policy_text(d: Decided) -> tuple[str, str | None]:
    path = _artifact_path(d, "policy")
    path.write_text(path.read_text().replace("quality", "quality_relaxed", 1))
    return "artifact policy", _sha(path)


def edit_the_candidate_record_file(d: Decided) -> tuple[str, str | None]:
    path = _records_path(d, d.candidate)
    table = pq.read_table(path)
    flipped = pc.subtract(1.0, table["accuracy"])
    pq.write_table(
        table.set_column(table.schema.get_field_index("accuracy"), "accuracy", flipped), path
    )
    return f"candidate record file (run {d.candidate!r})", _sha(path)


def delete_the_baseline_record_file(d: Decided) -> tuple[str, str | None]:
    _records_path(d, d.baseline).unlink()
    return f"baseline record file (run {d.baseline!r})", None


def edit_a_metric_row(d: Decided) -> tuple[str, str | None]:
    _sql(d.store, "UPDATE run_metrics SET estimate = 0.99 WHERE run_id = :r", r=d.candidate)
    return f"candidate stored metric rows (run {d.candidate!r})", "any"


def edit_the_run_metadata(d: Decided) -> tuple[str, str | None]:
    manifest = json.loads(
        _scalar(d.store, "SELECT manifest FROM runs WHERE run_id = :r", r=d.baseline)
    )
    manifest["seeds"] = {"global": 12345}
    _sql(
        d.store,
        "UPDATE runs SET manifest = :m WHERE run_id = :r",
        m=json.dumps(manifest),
        r=d.baseline,
    )
    return f"baseline stored run metadata (run {d.baseline!r})", "any"


EVIDENCE_TAMPERING: list[Callable[[Decided], tuple[str, str | None]]] = [
    replace_report_html,
    replace_report_md,
    delete_the_memo,
    change_the_policy_text,
    edit_the_candidate_record_file,
    delete_the_baseline_record_file,
    edit_a_metric_row,
    edit_the_run_metadata,
]


@pytest.mark.parametrize("tamper", EVIDENCE_TAMPERING, ids=lambda t: t.__name__)
def test_changed_evidence_is_named(
    decided: Decided, tamper: Callable[[Decided], tuple[str, str | None]]
) -> None:
    evidence, found = tamper(decided)
    result = _verify(decided)
    assert result.ok is False
    (problem,) = result.evidence_problems
    assert (problem.decision_id, problem.sequence, problem.evidence) == (
        decided.decision.decision_id,
        1,
        evidence,
    )
    if found != "any":
        assert problem.found == found
    else:
        assert problem.found is not None and re.fullmatch("[0-9a-f]{64}", problem.found)
    assert problem.found != problem.expected
    if evidence.startswith("artifact"):
        role = {"report.html": "report_html", "report.md": "report_md", "memo.md": "memo"}
        name = evidence.removeprefix("artifact ")
        assert problem.expected == decided.decision.artifacts[role.get(name, name)]
    else:
        role, kind = evidence.split(" ")[0], evidence.split(" ")[-3]
        key = {"file": "records", "rows": "metrics", "metadata": "run"}[kind]
        assert problem.expected == decided.decision.run_evidence[f"{role}_{key}"]
    assert result.reason == problem.describe()
    assert decided.decision.decision_id in result.reason and problem.expected in result.reason
    assert (" missing;" if found is None else " changed;") in result.reason
    # The chain itself is intact, so its head is still offered.
    assert result.head == decided.store.decisions.ledger()[-1].entry_hash


def test_the_repository_checks_database_evidence_without_files(decided: Decided) -> None:
    d = decided
    delete_the_memo(d)
    plain = d.store.decisions.verify()
    assert plain.ok and any("not re-hashed" in note for note in plain.notes)
    edit_a_metric_row(d)
    assert "stored metric rows" in d.store.decisions.verify().reason


def test_reordered_ledger_rows_are_detected(decided: Decided) -> None:
    _sql(decided.store, "UPDATE ledger SET sequence = 99 WHERE sequence = 1")
    _sql(decided.store, "UPDATE ledger SET sequence = 1 WHERE sequence = 2")
    _sql(decided.store, "UPDATE ledger SET sequence = 2 WHERE sequence = 99")
    result = _verify(decided)
    assert (result.ok, result.first_bad_sequence) == (False, 1)
    assert "entry 1 does not link to entry 0" in result.reason
    assert result.head is None


def test_a_deleted_decision_entry_is_detected(decided: Decided) -> None:
    _sql(decided.store, "DELETE FROM ledger WHERE sequence = 1")
    result = _verify(decided)
    assert (result.ok, result.first_bad_sequence) == (False, 1)
    assert "entry 1 is missing" in result.reason


def test_a_truncated_chain_fails_against_an_exported_head(decided: Decided) -> None:
    head = _verify(decided).head
    assert head is not None
    _sql(decided.store, "DELETE FROM ledger WHERE sequence = 2")
    # Without the head, a shorter chain is still a valid chain...
    assert _verify(decided).ok
    # ...with it, the missing end shows.
    result = _verify(decided, head=head)
    assert (result.ok, result.entries, result.first_bad_sequence) == (False, 1, 2)
    assert f"the exported head {head} is not in the ledger" in result.reason
    assert "removed from its end" in result.reason


def test_an_exported_head_followed_by_new_entries_verifies(decided: Decided) -> None:
    head = _verify(decided).head
    assay.approve(decided.decision.decision_id, role="safety", name="Bo", store=decided.store)
    result = _verify(decided, head=head.upper() + "\n" if head else None)
    assert result.ok, result.reason
    assert "the exported head is entry 2; 1 entries were added since" in result.notes
    assert _verify(decided, head="0" * 64).ok  # the head of the empty ledger


@pytest.mark.parametrize("head", ["abc", "g" * 64, 12])
def test_a_malformed_head_is_a_parameter_error(store: Store, head: Any) -> None:
    with pytest.raises(ParameterError, match=r"'head' parameter of DecisionRepository\.verify"):
        store.decisions.verify(head=head)
    with pytest.raises(ParameterError, match=r"'head' parameter of verify_ledger"):
        assay.verify_ledger(head=head, store=store)


def test_decisions_without_evidence_still_verify_with_a_note(store: Store) -> None:
    suite = synthetic_suite(50, seed=1)
    runs = [
        assay.log_run(synthetic_records(suite, seed=s), suite=suite, model=f"m@{s}", store=store)
        for s in (1, 2)
    ]
    # A decision as an older assay recorded it: artifacts named, no run evidence.
    old = make_decision(runs[0].run.run_id, runs[1].run.run_id, decision_id="old")
    store.decisions.put(old)
    store.decisions.approve("old", make_approval())
    result = assay.verify_ledger(store=store)
    assert (result.ok, result.reason) == (True, "2 entries intact")
    assert result.notes == (
        "signatures: 0 signed entries checked against 0 registered keys, 2 unsigned",
        "1 decision(s) recorded before the ledger covered evidence: their chain is checked, "
        "their runs and artifacts are not",
    )


def test_an_older_decision_row_without_the_new_field_still_verifies(decided: Decided) -> None:
    """A row and entry written before ``run_evidence`` existed hash and compare as written."""
    store = decided.store
    old = make_decision(decided.baseline, decided.candidate, decision_id="older")
    payload = old.model_dump(mode="json")
    del payload["run_evidence"]
    store.decisions.put(old)
    # Rewrite entry 3 and its row as an older assay wrote them (no run_evidence key).
    with store.engine.connect() as conn:
        previous = conn.execute(
            sa.text("SELECT previous_hash FROM ledger WHERE sequence = 3")
        ).scalar_one()
    content = {
        "sequence": 3,
        "decision_id": "older",
        "kind": "decision",
        "payload": payload,
        "previous_hash": previous,
    }
    _sql(
        store,
        "UPDATE ledger SET payload = :p, entry_hash = :h WHERE sequence = 3",
        p=canonical_json(payload),
        h=digest(content),
    )
    _sql(
        store,
        "UPDATE decisions SET body = :b WHERE decision_id = 'older'",
        b=canonical_json(payload),
    )
    result = assay.verify_ledger(store=store)
    assert result.ok, result.reason
    assert result.notes and "1 decision(s) recorded before" in result.notes[1]
