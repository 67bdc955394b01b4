"""The signature encoding helpers against RFC 8032's Ed25519 test vectors (section 7.1)."""

from __future__ import annotations

import base64

import pytest

from assay.errors import ConfigError
from assay.governance import (
    SigningKey,
    key_file_text,
    public_fingerprint,
    read_key_file,
    sign_message,
    signed_message,
    verify_message,
)

# (secret key, public key, message, signature), hex, from RFC 8032 section 7.1 TEST 1 and 2
VECTORS = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
        "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
        "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


def _b64(hex_text: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_text)).decode()


@pytest.mark.parametrize(("secret", "public", "message", "signature"), VECTORS)
def test_rfc8032_vectors(secret: str, public: str, message: str, signature: str) -> None:
    assert sign_message(bytes.fromhex(secret), bytes.fromhex(message)) == _b64(signature)
    assert verify_message(_b64(public), bytes.fromhex(message), _b64(signature))
    assert not verify_message(_b64(public), bytes.fromhex(message) + b"x", _b64(signature))
    file = key_file_text(SigningKey("rfc", bytes.fromhex(secret), bytes.fromhex(public)))
    key = read_key_file(file.encode(), source="rfc.json")
    assert key.public_key.hex() == public
    assert key.fingerprint == public_fingerprint(bytes.fromhex(public))


def test_the_signed_message_leaves_out_the_signature_and_the_servers_by() -> None:
    payload = {"b": 1, "a": "é", "signature": {"value": "x"}, "by": "server"}
    expected = '{"kind":"card","payload":{"a":"é","b":1},"subject":"model:m"}'
    assert signed_message(payload, kind="card", subject="model:m") == expected.encode()


def test_the_signed_message_names_the_entry_it_signs() -> None:
    payload = {"a": 1, "rotation": {"value": "x"}}
    messages = {
        signed_message(payload, kind=kind, subject=subject)
        for kind, subject in [("card", "model:m"), ("card", "model:n"), ("signoff", "model:m")]
    }
    assert len(messages) == 3
    # only a key entry's rotation (the old key's signature of the same message) is left out
    assert b"rotation" in signed_message(payload, kind="card", subject="model:m")
    assert b"rotation" not in signed_message(payload, kind="key", subject="user:a")


@pytest.mark.parametrize(
    "bad",
    ["", "not base64!", _b64("00" * 31), base64.b64encode(b"\x00" * 65).decode()],
)
def test_malformed_keys_and_signatures_do_not_verify(bad: str) -> None:
    public = _b64(VECTORS[0][1])
    assert not verify_message(bad, b"", _b64(VECTORS[0][3]))
    assert not verify_message(public, b"", bad)


def test_a_key_file_whose_public_half_is_not_its_own_is_refused() -> None:
    secret, public = bytes.fromhex(VECTORS[0][0]), bytes.fromhex(VECTORS[1][1])
    text = key_file_text(SigningKey("rfc", secret, public))
    with pytest.raises(ConfigError, match=r"rfc\.json: its public key does not belong"):
        read_key_file(text.encode(), source="rfc.json")
