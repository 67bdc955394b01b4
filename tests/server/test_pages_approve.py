"""Signing off a decision from its page: recorded through the library under the signed-in
identity's name (never a name from the form), refused with a clear message when the library
refuses, over real HTTP."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_store import DashboardData, fill_dashboard_store

from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, DashboardData]]:
    root: Path = tmp_path_factory.mktemp("approve")
    with open_store(f"sqlite:///{root / 'assay.db'}") as store:
        data = fill_dashboard_store(store, root / "reports")
        with running_server(create_app(store, ServerSettings())) as url:
            yield url, store, data


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def post(url: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_approval_is_recorded_under_the_signed_in_name(
    served: tuple[str, Store, DashboardData],
) -> None:
    url, store, data = served
    with urllib.request.urlopen(f"{url}/decisions/{data.decision}") as response:
        page = response.read().decode()
    assert 'name="csrf_token"' in page and "Record sign-off" in page
    status, _, headers = post(
        f"{url}/decisions/{data.decision}/approve",
        {
            "status": "approved",
            "role": "safety",
            "note": "<b>fine</b>",
            "name": "mallory",
            "csrf_token": "",
        },
    )
    assert status == 303 and headers["location"] == f"/decisions/{data.decision}#signoffs"
    approvals = store.decisions.approvals(data.decision)
    assert [(a.name, a.role, a.status, a.note) for a in approvals] == [
        ("local", "safety", "approved", "<b>fine</b>")
    ]
    entries = [x for x in store.decisions.ledger() if x.decision_id == data.decision]
    assert [x.kind for x in entries] == ["decision", "approval"]
    with urllib.request.urlopen(f"{url}/decisions/{data.decision}") as response:
        after = response.read().decode()
    assert entries[-1].entry_hash in after and "&lt;b&gt;fine&lt;/b&gt;" in after
    assert "mallory" not in after

    # the same person, role and status again: the library refuses, the page says why
    status, again, _ = post(
        f"{url}/decisions/{data.decision}/approve",
        {"status": "approved", "role": "safety", "csrf_token": ""},
    )
    assert status == 400 and "already recorded" in again and 'id="sign-off-error"' in again
    assert len(store.decisions.approvals(data.decision)) == 1


def test_refused_sign_offs_leave_the_ledger_unchanged(
    served: tuple[str, Store, DashboardData],
) -> None:
    url, store, data = served
    before = len(store.decisions.ledger())
    cases = [
        {"status": "override", "role": "lead", "note": "ship it"},  # not a BLOCK
        {"status": "approved", "role": "   "},
        {"status": "shipped", "role": "lead"},
    ]
    for fields in cases:
        status, html, _ = post(
            f"{url}/decisions/{data.decision}/approve", {**fields, "csrf_token": ""}
        )
        assert status in (400, 422) and 'class="error"' in html, fields
    missing_role, _, _ = post(f"{url}/decisions/{data.decision}/approve", {"status": "approved"})
    assert missing_role == 422
    unknown, _, _ = post(f"{url}/decisions/nosuch/approve", {"status": "approved", "role": "x"})
    assert unknown == 404
    assert len(store.decisions.ledger()) == before
