"""Governance entries through the API and the remote store: recorded under the signed-in
name, with the role each kind needs."""

from __future__ import annotations

from typing import Any

from http_json import post_json

from assay.governance import new_signing_key, signature_of
from assay.server import Role, ServerSettings, create_app
from assay.storage import Store
from assay.storage._remote_store import RemoteStore
from assay.testing import running_server


def key(name: str) -> dict[str, Any]:
    """The payload of a ``key`` entry registering a fresh key of ``name``, signed by itself."""
    made = new_signing_key(name)
    payload: dict[str, Any] = {**made.public_entry(), "replaces": None}
    signature = signature_of(made, payload, kind="key", subject=f"user:{name}")
    return {**payload, "signature": signature.model_dump(mode="json")}


def post(url: str, body: dict[str, Any], user: str | None = None) -> tuple[int, Any]:
    return post_json(f"{url}/api/v1/ledger/entries", body, user)


def test_the_remote_store_records_and_reads_governance_entries(
    live_server: str, server_store: Store
) -> None:
    remote = RemoteStore(live_server)
    try:
        entry = remote.decisions.record("study", "study:churn", {"hypothesis": "h"})
        remote.decisions.record("study_event", "study:churn", {"event": "kill", "reason": "r"})
        remote.decisions.record("card", "model:churn", {"digest": "d"})
        assert entry.payload == {"hypothesis": "h", "by": "local"}
        found = remote.decisions.entries(subject="study:churn")
        assert [e.kind for e in found] == ["study", "study_event"]
        assert [e.decision_id for e in remote.decisions.entries(kind="card")] == ["model:churn"]
    finally:
        remote.close()
    assert [e.kind for e in server_store.decisions.ledger()] == ["study", "study_event", "card"]
    assert server_store.decisions.verify().ok


def test_each_kind_needs_its_role(server_store: Store) -> None:
    settings = ServerSettings(
        auth="header",
        auth_header="X-Forwarded-User",
        header_roles={"vera": Role.viewer, "ed": Role.editor, "abe": Role.approver},
        header_default_role=None,
    )
    signoff = {"kind": "signoff", "subject": "model:churn", "payload": {"role": "safety"}}
    with running_server(create_app(server_store, settings)) as url:
        study = {"kind": "study", "subject": "study:x", "payload": {}}
        assert post(url, study)[0] == 401
        assert post(url, study, "vera")[0] == 403
        assert post(url, signoff, "ed")[0] == 403
        assert post(url, {"kind": "key", "subject": "user:abe", "payload": {}}, "ed")[0] == 403
        assert post(url, {"kind": "decision", "subject": "x:y", "payload": {}}, "ed")[0] == 422
        assert post(url, {**study, "subject": "no-scheme"}, "ed")[0] == 400
        assert [e.kind for e in server_store.decisions.ledger()] == []
        status, entry = post(url, signoff, "abe")
        assert status == 201 and entry["payload"] == {"role": "safety", "by": "abe"}
        # a key entry that holds no key would fail every later verification: refused
        status, _ = post(url, {"kind": "key", "subject": "user:ed", "payload": {}}, "ed")
        assert status == 400
        status, _ = post(url, {"kind": "key", "subject": "user:ed", "payload": key("ed")}, "ed")
        assert status == 201
    assert [e.kind for e in server_store.decisions.ledger()] == ["signoff", "key"]
