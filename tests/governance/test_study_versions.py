"""A study's plan cannot be rewritten silently: a later ``study`` entry is a version only when
it names, inside its own registration, the digest of the version it replaces and the reason.
Any other one (recorded straight into the ledger or through the server's ledger API) is
reported as an invalid registration: status and attach refuse the study, the roadmap lists
the problem. The ledger is verified once per request."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.errors import StorageError
from assay.governance import StudyRegistration
from assay.server import ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server
from assay.workflows import (
    attach_to_study,
    decide,
    list_studies,
    load_study,
    register_study,
    study_status,
)


def _registered(store: Store, tmp_path: Path) -> StudyRegistration:
    assay.register_suite(adult_subset(), store=store)
    registration, _ = register_study(write_study(tmp_path), store=store)
    return registration


def _rewritten(registration: StudyRegistration, **update: object) -> dict[str, object]:
    """A version 2 with a smaller effect that matters (easier to "find"), its digest right."""
    plan = registration.plan.model_copy(update={"minimum_effect": 0.001})
    version = StudyRegistration.model_validate(
        {**registration.model_dump(), "plan": plan, "version": 2, **update}
    )
    return version.payload()


def _refused_everywhere(store: Store, name: str, words: str) -> None:
    with pytest.raises(StorageError, match=words):
        study_status(name, store=store)
    run = log_adult_run(store, "income-logreg@1")
    with pytest.raises(StorageError, match=words):
        attach_to_study(name, run=run, store=store)
    (listed,) = list_studies(store=store)
    assert any(words in p for p in listed.problems)
    assert listed.minimum_effect == 0.01  # the roadmap still reads the valid version 1


def test_a_version_recorded_without_naming_its_predecessor_is_not_the_plan(
    study_store: Store, tmp_path: Path
):
    registration = _registered(study_store, tmp_path)
    with pytest.raises(ValueError, match="previous_digest"):
        _rewritten(registration)  # the model itself refuses a version 2 without them
    forged = registration.model_dump(mode="json")
    forged.update({"version": 2, "plan": {**forged["plan"], "minimum_effect": 0.001}})
    study_store.decisions.record(
        "study",
        "study:adult-retrain",
        {"registration": forged, "digest": assay.core.digest(forged)},
    )
    _refused_everywhere(study_store, "adult-retrain", "registration is not readable")


def test_a_version_naming_another_digest_is_not_the_plan(study_store: Store, tmp_path: Path):
    registration = _registered(study_store, tmp_path)
    payload = _rewritten(registration, previous_digest="e" * 64, supersede_reason="tidy up")
    study_store.decisions.record("study", "study:adult-retrain", payload)
    _refused_everywhere(study_store, "adult-retrain", "not a valid registration")


def test_a_second_version_one_is_not_the_plan(study_store: Store, tmp_path: Path):
    registration = _registered(study_store, tmp_path)
    plan = registration.plan.model_copy(update={"minimum_effect": 0.001})
    again = registration.model_copy(update={"plan": plan})
    study_store.decisions.record("study", "study:adult-retrain", again.payload())
    _refused_everywhere(study_store, "adult-retrain", "not a valid registration")


def test_a_version_posted_to_the_server_ledger_api_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with assay.open_store(
        f"sqlite:///{tmp_path / 'server.db'}", artifacts=str(tmp_path / "files")
    ) as backend:
        registration = _registered(backend, tmp_path)
        payload = _rewritten(registration, previous_digest="e" * 64, supersede_reason="x")
        with running_server(create_app(backend, ServerSettings())) as url:
            posted = httpx.post(
                f"{url}/api/v1/ledger/entries",
                json={"kind": "study", "subject": "study:adult-retrain", "payload": payload},
            )
            # not the next version of the study: refused under the ledger lock, not recorded
            assert posted.status_code == 409, posted.text
            assert "now has version 1 registered" in posted.json()["error"]["message"]
            remote = assay.open_store(url)
            assert study_status("adult-retrain", store=remote).problems == []
        assert len(backend.decisions.entries(kind="study")) == 1


def test_a_superseding_version_is_one_entry_and_reads_as_the_plan(
    study_store: Store, tmp_path: Path
):
    first = _registered(study_store, tmp_path)
    before = len(study_store.decisions.ledger())
    second, entry = register_study(
        write_study(tmp_path, max_looks=4), supersede="one more look", store=study_store
    )
    assert len(study_store.decisions.ledger()) == before + 1
    assert (second.version, second.previous_digest) == (2, first.digest())
    status = study_status("adult-retrain", store=study_store)
    assert (status.version, status.digest, status.problems) == (2, second.digest(), [])
    assert load_study("adult-retrain", store=study_store).entry.sequence == entry.sequence
    # a version 1 stores no supersede fields, so one registered before they existed verifies
    (version_one, _) = study_store.decisions.entries(kind="study")
    assert "previous_digest" not in version_one.payload["registration"]


def test_the_ledger_is_verified_once_per_request(
    study_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    assay.register_suite(adult_subset(), store=study_store)
    for name in ("a-study", "b-study", "c-study"):
        register_study(write_study(tmp_path, name), store=study_store)
    baseline = log_adult_run(study_store, "income-logreg@1")
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.05, seed=2)
    attach_to_study("a-study", run=baseline, store=study_store)
    calls: list[int] = []
    verify = study_store.decisions.verify

    def counted(**kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(1)
        return verify(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(study_store.decisions, "verify", counted)
    assert len(list_studies(store=study_store)) == 3 and len(calls) == 1
    calls.clear()
    decide(baseline, candidate, output=tmp_path / "o", store=study_store)
    assert len(calls) == 1
    assert load_study("a-study", store=study_store).attached("run") == [baseline, candidate]
