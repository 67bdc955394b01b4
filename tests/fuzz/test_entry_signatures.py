"""Any payload sent as a governance entry is checked without crashing: a key entry that does
not stand, or a signature that does not verify, is a reason in words, never an exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.storage import entry_signature_problem

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    ["signature", "rotation", "revocation", "public_key", "fingerprint", "name", "replaces", "by"]
)
PAYLOADS = st.dictionaries(FIELDS | st.text(max_size=8), JSON, max_size=8)
SIGNATURES = st.fixed_dictionaries(
    {
        "algorithm": st.just("ed25519"),
        "signer": st.text(max_size=12),
        "fingerprint": st.text(max_size=64),
        "value": st.text(max_size=90),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["key", "signoff", "card", "study", "study_event"]),
    PAYLOADS,
    st.none() | SIGNATURES,
)
def test_any_payload_is_a_reason_or_none(
    kind: str, payload: dict[str, Any], signature: dict[str, Any] | None
) -> None:
    if signature is not None:
        payload = {**payload, "signature": signature}
    subject = "user:alice" if kind == "key" else "model:m"
    problem = entry_signature_problem([], kind, subject, payload, sequence=1)
    if kind == "key" or payload.get("signature") is not None:
        assert isinstance(problem, str) and problem
    else:
        assert problem is None
