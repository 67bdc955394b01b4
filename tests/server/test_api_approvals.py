"""Approvals through the API: who may override what, recorded under the signed-in name."""

from __future__ import annotations

from typing import Any

import pytest
from http_json import post_json

from assay.core import Verdict
from assay.server import Role, ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server
from assay.testing._stored import make_decision, make_records, make_run, make_suite_model


def approve(
    url: str, decision: str, body: dict[str, Any], user: str | None = None
) -> tuple[int, Any]:
    return post_json(f"{url}/api/v1/decisions/{decision}/approvals", body, user)


@pytest.fixture
def decisions(server_store: Store) -> dict[Verdict, str]:
    suite, examples = make_suite_model("approvals", n=10, seed=1)
    server_store.suites.put(suite, examples)
    for run_id, seed in (("ap-a", 1), ("ap-b", 2)):
        records = make_records(10, seed=seed)
        server_store.runs.put(make_run(suite, records, run_id=run_id), records)
    found = {}
    for verdict in Verdict:
        decision = make_decision("ap-a", "ap-b", decision_id=f"ap-{verdict.value}", verdict=verdict)
        server_store.decisions.put(decision)
        found[verdict] = decision.decision_id
    return found


def test_an_inconclusive_can_be_overridden_with_a_reason(
    live_server: str, decisions: dict[Verdict, str], server_store: Store
) -> None:
    chosen = decisions[Verdict.INCONCLUSIVE]
    body = {"role": "lead", "status": "override", "note": "enough evidence from the canary"}
    status, entry = approve(live_server, chosen, body)
    assert status == 201 and entry["kind"] == "approval"
    (recorded,) = server_store.decisions.approvals(chosen)
    assert (recorded.status, recorded.note, recorded.name) == (
        "override",
        "enough evidence from the canary",
        "local",
    )


def test_a_block_is_overridden_only_by_an_admin_and_never_approved(
    live_server: str, decisions: dict[Verdict, str], server_store: Store
) -> None:
    chosen = decisions[Verdict.BLOCK]
    status, found = approve(live_server, chosen, {"role": "lead"})
    assert status == 400 and "BLOCK" in found["error"]["message"]
    assert server_store.decisions.approvals(chosen) == []
    # without authentication the caller is the local admin, who may override a BLOCK
    status, _ = approve(live_server, chosen, {"role": "lead", "status": "override", "note": "x"})
    assert status == 201
    assert [a.status for a in server_store.decisions.approvals(chosen)] == ["override"]
    assert server_store.decisions.verify().ok


def test_a_ship_is_approved_once_per_person_and_role(
    live_server: str, decisions: dict[Verdict, str], server_store: Store
) -> None:
    chosen = decisions[Verdict.SHIP]
    assert approve(live_server, chosen, {"role": "safety"})[0] == 201
    assert approve(live_server, chosen, {"role": "privacy"})[0] == 201
    assert approve(live_server, chosen, {"role": "safety"})[0] == 409
    assert [a.role for a in server_store.decisions.approvals(chosen)] == ["safety", "privacy"]


def test_behind_a_proxy_a_viewer_cannot_approve_and_only_an_admin_overrides_a_block(
    decisions: dict[Verdict, str], server_store: Store
) -> None:
    settings = ServerSettings(
        auth="header",
        auth_header="X-Forwarded-User",
        header_roles={"vera": Role.viewer, "abe": Role.approver, "ada": Role.admin},
        header_default_role=None,
    )
    ship, block = decisions[Verdict.SHIP], decisions[Verdict.BLOCK]
    override = {"role": "lead", "status": "override", "note": "ship it anyway"}
    with running_server(create_app(server_store, settings)) as url:
        status, found = approve(url, ship, {"role": "safety"}, user="vera")
        assert (status, found["error"]["status"]) == (403, 403)
        status, found = approve(url, block, override, user="abe")
        assert status == 403 and "admin" in found["error"]["message"]
        status, found = approve(url, ship, {"role": "safety"}, user="nobody")
        assert status == 403  # a user the proxy names but the server gives no role
        assert approve(url, ship, {"role": "safety"})[0] == 401  # no header at all
        assert server_store.decisions.approvals(ship) == []
        assert server_store.decisions.approvals(block) == []
        status, entry = approve(url, block, override, user="ada")
        assert status == 201 and entry["kind"] == "approval"
        assert approve(url, ship, {"role": "safety"}, user="abe")[0] == 201
    assert [(a.name, a.status) for a in server_store.decisions.approvals(block)] == [
        ("ada", "override")
    ]
    assert [(a.name, a.role) for a in server_store.decisions.approvals(ship)] == [("abe", "safety")]
    assert server_store.decisions.verify().ok
