"""Checks and appends are one transaction: concurrent POSTs to a real server on loopback
(over the real PostgreSQL server and over SQLite) that only one of may pass — the same
approval by the same person, role and status; two first keys of one user — append exactly
one entry, the others are refused, and the ledger still verifies."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assay.governance import new_signing_key, signature_of
from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import make_decision, running_server, store_runs

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
    start, codes = threading.Barrier(len(bodies)), [0] * len(bodies)

    def send(i: int) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            start.wait()
            codes[i] = client.post(f"{base}{path}", json=bodies[i]).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
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


def _first_key() -> dict[str, Any]:
    key = new_signing_key("ana")
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
