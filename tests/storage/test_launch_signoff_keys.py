"""An unsigned sign-off in the name of someone who has a registered signing key: refused when
given, and not counted when found in the ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay import workflows
from assay.errors import ConfigError
from assay.governance import load_checklist
from assay.storage import Store
from assay.testing import make_decision, store_runs

CHECKLIST = """\
name: clf-models
models: ["clf*"]
signoffs:
  - {item: product-review, role: product}
"""


def test_an_unsigned_signoff_in_a_key_holders_name_does_not_count(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r0, r1, _ = store_runs(store)
    store.decisions.put(make_decision(r0, r1, decision_id="ship-1"))
    path = tmp_path / "launch.yaml"
    path.write_text(CHECKLIST)
    workflows.generate_key("alice", output=tmp_path / "alice.json", store=store)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", "")  # no key configured: nothing is signed
    sign = {"model": "clf@1", "role": "product", "checklist": path, "store": store}
    before = len(store.decisions.ledger())
    with pytest.raises(ConfigError, match="'alice' has a signing key registered"):
        workflows.sign_launch("product-review", name="alice", **sign)
    assert len(store.decisions.ledger()) == before
    # one recorded anyway (by an older client, or written to the ledger directly)
    checklist = load_checklist(path)
    forged = {
        "model": "clf@1",
        "item": "product-review",
        "role": "product",
        "name": "alice",
        "note": "",
        "checklist": {"name": checklist.name, "digest": checklist.digest},
    }
    entry = store.decisions.record("signoff", "model:clf@1", forged)
    (item,) = workflows.check_launch("clf@1", checklist=path, store=store).items
    assert not item.satisfied and "signed by" not in item.detail
    assert (
        f"entry {entry.sequence} is an unsigned sign-off in the name of 'alice', who has a "
        "signing key: sign it with that key" in item.detail
    )
    # a person without a key may still sign unsigned (signatures not required)
    workflows.sign_launch("product-review", name="bob", **sign)
    (item,) = workflows.check_launch("clf@1", checklist=path, store=store).items
    assert item.satisfied and "signed by 'bob'" in item.detail
    # alice signing with her key counts
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(tmp_path / "alice.json"))
    signed = workflows.sign_launch("product-review", **sign)
    assert signed.payload["name"] == "alice" and signed.payload.get("signature")
