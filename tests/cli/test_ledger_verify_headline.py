"""What ``assay ledger verify`` claims: never "intact" for signatures it could not check, and
for an export without a head kept elsewhere only that the file is internally consistent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assay
from assay import workflows
from assay.cli import main
from assay.governance import new_signing_key, signature_of

SIGNOFF = {"item": "safety-review", "role": "safety", "name": "alice", "note": "ok"}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())


@pytest.fixture
def signed(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ledger with alice's key and one sign-off signed by it."""
    key = home.parent / "alice.json"
    store = assay.open_store()
    workflows.generate_key("alice", output=key, store=store)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))
    payload = workflows.sign_payload(SIGNOFF, kind="signoff", subject="model:m", name="alice")
    store.decisions.record("signoff", "model:m", payload)
    return key


def test_signatures_not_checked_are_not_an_intact_ledger(
    signed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(capsys, "ledger", "verify")[0] == 0
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    code, out = _run(capsys, "ledger", "verify")
    assert code == 5 and "ledger NOT verified" in out and "intact" not in out
    assert "2 signatures NOT checked (pip install 'assay[governance]')" in out
    code, out = _run(capsys, "ledger", "verify", "--json")
    found = json.loads(out)
    assert (code, found["ok"], found["unchecked_signatures"]) == (5, False, 2)


def test_an_export_without_a_head_is_only_internally_consistent(
    signed: Path, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    export = home.parent / "ledger.jsonl"
    code, out = _run(capsys, "ledger", "export", str(export), "--json")
    head = json.loads(out)["head"]
    code, out = _run(capsys, "ledger", "verify", "--file", str(export))
    assert code == 0 and "internally consistent only; pass --head (kept elsewhere)" in out
    assert "but: internally consistent only" in out  # the count is said once, in the headline
    code, out = _run(capsys, "ledger", "verify", "--file", str(export), "--head", head)
    assert code == 0 and "internally consistent" not in out
    # the whole file regenerated with another key under alice's name
    forger = assay.open_store(f"sqlite:///{home.parent / 'forged.db'}")
    made = new_signing_key("alice")
    payload: dict[str, object] = {**made.public_entry(), "replaces": None}
    own = signature_of(made, payload, kind="key", subject="user:alice")
    forger.decisions.record("key", "user:alice", {**payload, "signature": own.model_dump()})
    signoff = {**SIGNOFF, "note": "forged"}
    forged = signature_of(made, signoff, kind="signoff", subject="model:m").model_dump()
    forger.decisions.record("signoff", "model:m", {**signoff, "signature": forged})
    forger.close()
    rewritten = home.parent / "rewritten.jsonl"
    _run(
        capsys, "ledger", "export", str(rewritten), "--db", f"sqlite:///{home.parent / 'forged.db'}"
    )
    code, out = _run(capsys, "ledger", "verify", "--file", str(rewritten))
    assert code == 0 and "internally consistent only" in out
    code, out = _run(capsys, "ledger", "verify", "--file", str(rewritten), "--head", head)
    assert code == 5 and "is not in the ledger" in out


def test_one_signed_entry_reads_as_one(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = assay.open_store()
    workflows.generate_key("alice", output=home.parent / "alice.json", store=store)
    code, out = _run(capsys, "ledger", "verify")
    assert code == 0
    assert "signatures: 1 signed entry checked against 1 registered key, 0 unsigned" in out
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    code, out = _run(capsys, "ledger", "verify")
    assert code == 5 and "1 signature NOT checked (pip install" in out
    assert "entries checked" not in out and "signatures NOT" not in out


def test_a_team_server_that_could_not_check_signatures_says_not_verified(
    signed: Path, home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through ``--db http://…`` the verification comes from the server as JSON: signatures it
    could not check read "NOT verified" there too, never "tampered" or "intact"."""
    from assay.server import ServerSettings, create_app
    from assay.testing import running_server

    with (
        assay.open_store() as backend,
        running_server(create_app(backend, ServerSettings())) as url,
    ):
        code, out = _run(capsys, "ledger", "verify", "--db", url)
        assert code == 0 and "ledger intact: 2 entries" in out
        monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
        code, out = _run(capsys, "ledger", "verify", "--db", url)
        assert code == 5 and "ledger NOT verified" in out, out
        assert "tampered" not in out and "intact" not in out
        assert "2 signatures NOT checked (pip install 'assay[governance]')" in out
        code, out = _run(capsys, "ledger", "verify", "--db", url, "--json")
        assert (code, json.loads(out)["unchecked_signatures"]) == (5, 2)
