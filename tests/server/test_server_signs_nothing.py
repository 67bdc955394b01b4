"""A team server signs nothing with the key of whoever started it, and appends no governance
entry that a later ``ledger verify`` would reject (a real server on loopback)."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from assay import workflows
from assay.server import Role, ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server
from assay.testing._stored import make_decision, make_records, make_run, make_suite_model

SETTINGS = ServerSettings(
    auth="header",
    auth_header="X-Forwarded-User",
    header_roles={"alice": Role.approver, "bo": Role.approver, "ed": Role.editor},
    header_default_role=None,
)


def post(
    url: str, path: str, body: dict[str, Any], user: str, method: str = "POST"
) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{url}/api/v1/{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", "X-Forwarded-User": user},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def decided(server_store: Store) -> str:
    suite, examples = make_suite_model("signing", n=10, seed=1)
    server_store.suites.put(suite, examples)
    for run_id, seed in (("sg-a", 1), ("sg-b", 2)):
        records = make_records(10, seed=seed)
        server_store.runs.put(make_run(suite, records, run_id=run_id), records)
    server_store.decisions.put(make_decision("sg-a", "sg-b", decision_id="sg-1"))
    return "sg-1"


@pytest.fixture
def alice_at_the_default_place(
    server_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Alice started the server, with her key in the default place."""
    monkeypatch.delenv("ASSAY_SIGNING_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return workflows.generate_key("alice", store=server_store).path


def test_an_approval_by_another_user_is_recorded_unsigned(
    server_store: Store, decided: str, alice_at_the_default_place: Path
) -> None:
    assert workflows._signing.signing_key() is not None  # outside the server, alice signs
    with running_server(create_app(server_store, SETTINGS)) as url:
        status, entry = post(url, f"decisions/{decided}/approvals", {"role": "lead"}, "bo")
        assert status == 201, entry
        assert entry["payload"]["name"] == "bo" and entry["payload"].get("signature") is None
        status, entry = post(url, f"decisions/{decided}/approvals", {"role": "lead"}, "alice")
        assert status == 201 and entry["payload"].get("signature") is None
    assert server_store.decisions.verify().ok


def test_a_bogus_signature_is_refused_and_nothing_is_appended(
    server_store: Store, alice_at_the_default_place: Path
) -> None:
    signoff = {"item": "safety-review", "role": "safety", "name": "alice", "note": "ok"}
    signed = workflows.sign_payload(signoff, kind="signoff", subject="model:m", name="alice")
    forged = {**signed["signature"], "value": base64.b64encode(os.urandom(64)).decode()}
    before = len(server_store.decisions.ledger())
    with running_server(create_app(server_store, SETTINGS)) as url:
        sent = {
            "kind": "signoff",
            "subject": "model:m",
            "payload": {**signoff, "signature": forged},
        }
        status, found = post(url, "ledger/entries", sent, "alice")
        assert status == 400 and "forged" in found["error"]["message"]
        # a signature made for another model is not this entry's
        sent = {"kind": "signoff", "subject": "model:other", "payload": signed}
        assert post(url, "ledger/entries", sent, "alice")[0] == 400
        # a subject that does not fit the kind
        sent = {"kind": "signoff", "subject": "study:m", "payload": signoff}
        status, found = post(url, "ledger/entries", sent, "alice")
        assert status == 400 and "'model:NAME'" in found["error"]["message"]
        # someone else's signature, sent by bo
        sent = {"kind": "signoff", "subject": "model:m", "payload": signed}
        assert post(url, "ledger/entries", sent, "bo")[0] == 403
        assert len(server_store.decisions.ledger()) == before
        # the genuine entry, sent by its signer, is appended
        assert post(url, "ledger/entries", sent, "alice")[0] == 201
    result = server_store.decisions.verify()
    assert result.ok and result.entries == before + 1, result.reason


def test_a_decision_signed_by_someone_else_or_forged_is_not_stored(
    server_store: Store, alice_at_the_default_place: Path
) -> None:
    decision = workflows._signing.sign_model(
        make_decision("sg-a", "sg-b", decision_id="sg-2"),
        kind="decision",
        subject="sg-2",
        name=None,
    )
    assert decision.signature is not None and decision.signature.signer == "alice"
    body = decision.model_dump(mode="json")
    before = len(server_store.decisions.ledger())
    with running_server(create_app(server_store, SETTINGS)) as url:
        status, found = post(url, "decisions/sg-2", body, "ed", method="PUT")
        assert status == 403 and "signed by 'alice'" in found["error"]["message"]
        forged = {**body, "title": "another title"}  # the signature no longer covers it
        status, found = post(url, "decisions/sg-2", forged, "alice", method="PUT")
        assert status == 400 and "does not match its payload" in found["error"]["message"]
    assert len(server_store.decisions.ledger()) == before
