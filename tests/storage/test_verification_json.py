"""``ledger verify --json`` and the API's verification carry ``unchecked_signatures``: the
number of signed entries in the ledger that could not be checked, read back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay import workflows
from assay.storage import Store
from assay.storage.wire import verification_from_json, verification_to_json

SIGNOFF = {"item": "safety-review", "role": "safety", "name": "alice", "note": "ok"}


@pytest.mark.parametrize("signoffs", [0, 1, 4])
def test_unchecked_signatures_count_the_signed_entries(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signoffs: int
) -> None:
    key = tmp_path / "alice.json"
    workflows.generate_key("alice", output=key, store=store)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))
    for i in range(signoffs):
        payload = workflows.sign_payload(
            {**SIGNOFF, "note": f"look {i}"}, kind="signoff", subject="model:m", name=None
        )
        store.decisions.record("signoff", "model:m", payload)
    store.decisions.record("signoff", "model:n", {**SIGNOFF, "name": "bob"})  # unsigned
    signed = sum("signature" in e.payload for e in store.decisions.entries())
    assert signed == signoffs + 1  # the key's registration is signed too
    assert verification_to_json(store.decisions.verify())["unchecked_signatures"] == 0
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    result = store.decisions.verify()
    data = verification_to_json(result)
    assert (data["ok"], data["unchecked_signatures"]) == (False, signed)
    back = verification_from_json(data)
    assert back.unchecked_signatures == signed and back == result
