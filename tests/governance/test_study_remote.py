"""A study kept through a team server: registered, attached, decided and read back over HTTP
by a remote store (``ASSAY_DB=http://…``), with the ledger entries on the server's database."""

from __future__ import annotations

from pathlib import Path

from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.server import ServerSettings, create_app
from assay.storage import open_store
from assay.testing import running_server
from assay.workflows import attach_to_study, decide, register_study, study_status


def test_a_study_through_the_team_server(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store(
        f"sqlite:///{tmp_path / 'server.db'}", artifacts=str(tmp_path / "files")
    ) as backend:
        with running_server(create_app(backend, ServerSettings())) as url:
            remote = open_store(url)
            assay.register_suite(adult_subset(), store=remote)
            registration, _ = register_study(write_study(tmp_path), store=remote)
            baseline = log_adult_run(remote, "income-logreg@1")
            candidate = log_adult_run(remote, "income-logreg-noisy@2", flip=0.1, seed=1)
            attach_to_study("adult-retrain", run=baseline, store=remote)
            rec = decide(baseline, candidate, output=tmp_path / "out", store=remote)
            status = study_status("adult-retrain", store=remote)
            assert status.state == "decided" and status.digest == registration.digest()
            assert status.decisions == [rec.decision.decision_id]
            assert "Study 'adult-retrain'" in rec.verdict.summary
        # what the server's own database holds
        kinds = [e.kind for e in backend.decisions.ledger()]
        assert kinds == ["study", "study_event", "decision", "study_event", "study_event"]
