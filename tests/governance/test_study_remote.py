"""A study kept through a team server: registered, attached, decided and read back over HTTP
by a remote store (``ASSAY_DB=http://…``), with the ledger entries on the server's database."""

from __future__ import annotations

from pathlib import Path

import pytest
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.errors import AssayWarning
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


def test_the_server_recomputes_a_decisions_study_flags(tmp_path: Path, monkeypatch) -> None:

    from assay.core import VerdictResult
    from assay.errors import AssayError
    from assay.testing._gated import gated_decision
    from assay.workflows import flag_study_deviations, gate_runs

    monkeypatch.chdir(tmp_path)
    with open_store(
        f"sqlite:///{tmp_path / 'server.db'}", artifacts=str(tmp_path / "files")
    ) as backend:
        with running_server(create_app(backend, ServerSettings())) as url:
            remote = open_store(url)
            assay.register_suite(adult_subset(), store=remote)
            with pytest.warns(AssayWarning, match="deadline already past"):
                register_study(write_study(tmp_path, deadline="2020-01-01"), store=remote)
            baseline = log_adult_run(remote, "income-logreg@1")
            candidate = log_adult_run(remote, "income-logreg-noisy@2", flip=0.1, seed=1)
            attach_to_study("adult-retrain", run=baseline, store=remote)
            gated = gate_runs(baseline, candidate, store=remote)
            policy = (gated.policy.name, gated.policy.digest)
            honest = flag_study_deviations(gated.verdict, gated.comparison, policy, store=remote)
            said = "3 deviations from the registered plan (sample size, deadline, weak policy)"
            assert said in honest.summary
            plain = gated.verdict.summary.rstrip(".")
            lies: list[VerdictResult] = [
                # no deviation claimed, the deviation outcomes dropped
                gated.verdict.model_copy(
                    update={
                        "summary": f"{plain}. Study 'adult-retrain': no deviation from the "
                        "registered plan."
                    }
                ),
                # the right outcomes, prose added to the study's sentence
                honest.model_copy(update={"summary": honest.summary + " Reviewed: all fine."}),
                # the study's sentence left out altogether
                gated.verdict,
                # a deviation's words changed
                honest.model_copy(
                    update={
                        "rules": [
                            r.model_copy(update={"reason": "deviation from study: none"})
                            if r.kind == "deviation"
                            else r
                            for r in honest.rules
                        ]
                    }
                ),
            ]
            for i, lie in enumerate(lies):
                forged = gated_decision(
                    remote, baseline, candidate, decision_id=f"lie{i}", verdict=lie
                )
                with pytest.raises(AssayError, match="not stored"):
                    remote.decisions.put(forged)
            kept = gated_decision(remote, baseline, candidate, decision_id="honest", verdict=honest)
            remote.decisions.put(kept)
            assert remote.decisions.get("honest").summary == honest.summary
        assert [d.decision_id for d in backend.decisions.list()] == ["honest"]
