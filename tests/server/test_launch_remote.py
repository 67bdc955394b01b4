"""Launch sign-offs through a team server (a real HTTP server on loopback, SQLite and
PostgreSQL): approvers sign, a viewer is refused with nothing recorded, the server's ``by`` is
the signed-in user, and a signed payload sent again by someone else fails verification."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay import workflows
from assay.errors import AccessDeniedError
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore, Store, open_store
from assay.testing import make_decision, running_server, store_runs

CHECKLIST = """\
name: clf-models
evidence:
  - {item: ship-decision, kind: decision, policy: default}
signoffs:
  - {item: safety-review, role: safety}
  - {item: privacy-review, role: privacy}
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The server's own store, on each backend, with a SHIP decision on clf@1."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server' / 'assay.db'}"
    else:
        url = request.getfixturevalue("pg_migrated_url")
    with open_store(url, artifacts=str(tmp_path / "files")) as store:
        r0, r1, _ = store_runs(store)
        store.decisions.put(make_decision(r0, r1, decision_id="ship-1"))
        yield store


def test_launch_signoffs_through_the_server_by_role(
    backend: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checklist = tmp_path / "launch.yaml"
    checklist.write_text(CHECKLIST)
    tokens = {
        name: backend.users.add(name, role).token
        for name, role in (
            ("ana", "approver"),
            ("bo", "approver"),
            ("vic", "viewer"),
            ("ed", "editor"),
        )
    }
    sign = {"model": "clf@1", "checklist": checklist}
    with running_server(create_app(backend, ServerSettings(auth="token"))) as url:
        remote = {name: RemoteStore(url, token=token) for name, token in tokens.items()}
        key = tmp_path / "ana.json"
        workflows.generate_key("ana", output=key, store=remote["ana"])
        monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))
        ana = workflows.sign_launch("safety-review", role="safety", store=remote["ana"], **sign)
        assert (ana.payload["by"], ana.payload["name"]) == ("ana", "ana")
        assert ana.payload["signature"]["signer"] == "ana"
        monkeypatch.setenv("ASSAY_SIGNING_KEY", "")
        before = len(backend.decisions.ledger())
        with pytest.raises(AccessDeniedError, match="vic is viewer"):
            workflows.sign_launch("privacy-review", role="privacy", store=remote["vic"], **sign)
        with pytest.raises(AccessDeniedError, match="ed is editor; a sign-off needs approver"):
            workflows.sign_launch("privacy-review", role="privacy", store=remote["ed"], **sign)
        assert len(backend.decisions.ledger()) == before
        result = workflows.check_launch("clf@1", checklist=checklist, store=remote["vic"])
        assert [i.item for i in result.missing] == ["privacy-review"]
        bo = workflows.sign_launch("privacy-review", role="privacy", store=remote["bo"], **sign)
        assert bo.payload["by"] == "bo" and "signature" not in bo.payload
        assert workflows.check_launch("clf@1", checklist=checklist, store=remote["vic"]).ready
        verified = remote["vic"].decisions.verify()
        assert verified.ok, verified.reason
        # bo sends ana's signed sign-off again as his own: refused, nothing appended
        replay = {k: v for k, v in ana.payload.items() if k != "by"}
        before = len(backend.decisions.ledger())
        with pytest.raises(AccessDeniedError, match="bo sent an entry signed by 'ana'"):
            remote["bo"].decisions.record("signoff", "model:clf@1", replay)
        assert len(backend.decisions.ledger()) == before
        for store in remote.values():
            store.close()
    found = backend.decisions.verify()
    assert found.ok, found.reason
