"""Checks and appends are one transaction: concurrent requests to a real server on loopback
(over the real PostgreSQL server and over SQLite) that only one of may pass — the same
approval by the same person, role and status; two first keys of one user; signed decisions
sent while their signer's key is revoked — append only what stands when it is appended, the
others are refused, and the ledger still verifies."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assay.governance import SigningKey, new_signing_key, signature_of
from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import make_decision, running_server, store_runs
from assay.testing._gated import gated_decision
from assay.testing._stored import make_records, make_run, make_suite_model
from assay.workflows import record_entry

SENDERS = 8


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Store, str]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server' / 'assay.db'}"
    else:
        url = request.getfixturevalue("pg_migrated_url")
    with open_store(url, artifacts=str(tmp_path / "files")) as store:
        r0, r1, _ = store_runs(store)
        store.decisions.put(make_decision(r0, r1, decision_id="ship-1"))
        token = store.users.add("ana", "admin").token
        with running_server(create_app(store, ServerSettings(auth="token"))) as base:
            yield base, store, token


def _all_at_once(base: str, token: str, path: str, bodies: list[dict[str, Any]]) -> list[int]:
    """POST each body from its own thread and connection, released together."""
    return _requests_at_once(base, token, [("POST", path, body) for body in bodies])


def _requests_at_once(
    base: str, token: str, requests: list[tuple[str, str, dict[str, Any]]]
) -> list[int]:
    """Send each (method, path, body) from its own thread and connection, released together."""
    start, codes = threading.Barrier(len(requests)), [0] * len(requests)

    def send(i: int) -> None:
        method, path, body = requests[i]
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            start.wait()
            codes[i] = client.request(method, f"{base}{path}", json=body).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_one_approval_per_person_role_and_status(served: tuple[str, Store, str]) -> None:
    base, store, token = served
    body = {"role": "safety", "status": "approved", "note": "ok"}
    codes = _all_at_once(base, token, "/api/v1/decisions/ship-1/approvals", [body] * SENDERS)
    assert sorted(codes) == [201] + [409] * (SENDERS - 1), codes
    approvals = store.decisions.approvals("ship-1")
    assert [(a.name, a.role, a.status) for a in approvals] == [("ana", "safety", "approved")]
    assert store.decisions.verify().ok


def _first_key(key: SigningKey | None = None) -> dict[str, Any]:
    key = key or new_signing_key("ana")
    payload: dict[str, Any] = {**key.public_entry(), "replaces": None}
    signed = signature_of(key, payload, kind="key", subject="user:ana")
    return {**payload, "signature": signed.model_dump(mode="json")}


def test_one_first_key_per_user(served: tuple[str, Store, str]) -> None:
    base, store, token = served
    bodies = [{"kind": "key", "subject": "user:ana", "payload": _first_key()} for _ in range(4)]
    codes = _all_at_once(base, token, "/api/v1/ledger/entries", bodies)
    assert sorted(codes) == [201, 400, 400, 400], codes
    assert len(store.decisions.entries(kind="key", subject="user:ana")) == 1
    verified = store.decisions.verify()
    assert verified.ok, verified.reason


def _gateable_runs(store: Store) -> tuple[str, str]:
    """Two runs of a suite with a slice column, which the default policy can gate."""
    suite, examples = make_suite_model("gated", n=200, seed=1)
    store.suites.put(suite, examples)
    ids = []
    for run_id in ("base", "cand"):
        records = make_records(200, seed=2).append_column("lang", examples.column("lang"))
        stored, _ = store.runs.put(make_run(suite, records, run_id=run_id), records)
        ids.append(stored.run_id)
    return ids[0], ids[1]


def test_no_decision_signed_with_a_key_revoked_before_it_is_appended(
    served: tuple[str, Store, str],
) -> None:
    """Signed decisions are gated (slow) before they are stored: a revocation of the signer's
    key that lands meanwhile refuses them, as ``ledger verify`` would."""
    base, store, token = served
    old = new_signing_key("ana")
    record_entry("key", "user:ana", _first_key(old), by="ana", store=store)
    r0, r1 = _gateable_runs(store)
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for i in range(SENDERS - 1):
        decision = gated_decision(store, r0, r1, decision_id=f"signed-{i}")
        body = decision.model_dump(mode="json")
        signature = signature_of(old, body, kind="decision", subject=decision.decision_id)
        body["signature"] = signature.model_dump(mode="json")
        requests.append(("PUT", f"/api/v1/decisions/signed-{i}", body))
    new = new_signing_key("ana")
    revoked = {**new.public_entry(), "replaces": old.fingerprint, "revocation": "laptop lost"}
    signed = signature_of(new, revoked, kind="key", subject="user:ana")
    revocation = {"kind": "key", "subject": "user:ana", "payload": revoked}
    revocation["payload"] = {**revoked, "signature": signed.model_dump(mode="json")}
    requests.append(("POST", "/api/v1/ledger/entries", revocation))
    codes = _requests_at_once(base, token, requests)
    assert codes[-1] == 201 and set(codes[:-1]) <= {201, 400}, codes
    stored = [e for e in store.decisions.entries(kind="decision") if e.decision_id != "ship-1"]
    assert len(stored) == codes[:-1].count(201), codes
    (_, replaced) = store.decisions.entries(kind="key", subject="user:ana")
    assert all(e.sequence < replaced.sequence for e in stored)
    verified = store.decisions.verify()
    assert verified.ok, verified.reason
