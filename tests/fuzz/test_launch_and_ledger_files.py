"""Hostile launch checklists and ledger export files: a clear error or a valid result, never
a crash, and never anything recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fuzz_corpus import BOMB
from hypothesis import given, settings
from hypothesis import strategies as st

from assay import workflows
from assay.errors import ConfigError, DataError
from assay.governance import load_checklist, read_key_file
from assay.storage import verify_ledger_export

GOOD = "name: c\nevidence:\n  - {item: run, kind: safety_run}\nsignoffs:\n  - {item: s, role: safety}\n"

CHECKLISTS = [
    ("bomb", BOMB),
    ("deep", "evidence: " + "[" * 10_000 + "]" * 10_000),
    ("duplicate-key", GOOD + "name: d\n"),
    ("nul", "name: c\x00\n"),
    ("escape", 'name: "c\\e[31m"\nsignoffs: [{item: s, role: safety}]\n'),
    ("tag", "name: !!python/name:os.system c\n"),
    ("not-a-mapping", "- a\n- b\n"),
    ("huge", "name: c\n# " + "x" * (2 << 20) + "\n"),
    ("item-list", "name: c\nevidence: {item: a}\n"),
    ("kind-number", "name: c\nevidence: [{item: a, kind: 3}]\n"),
    ("role-injection", "name: c\nsignoffs: [{item: a, role: 'safety; rm -rf'}]\n"),
    ("suites-text", "name: c\nevidence: [{item: a, kind: safety_run, suites: 5}]\n"),
]


@pytest.mark.parametrize(("name", "text"), CHECKLISTS, ids=[n for n, _ in CHECKLISTS])
def test_a_hostile_checklist_is_a_config_error_naming_the_file(name: str, text: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_checklist(f"{name}.yaml", text=text)
    message = str(error.value)
    assert message.startswith(f"{name}.yaml") and len(message) < 600
    assert "\x1b" not in message and "\x00" not in message


POLICY_PINS = [
    ("policy-device", "name: c\nevidence: [{item: a, kind: decision, policy_file: /dev/zero}]\n"),
    ("policy-folder", "name: c\nevidence: [{item: a, kind: decision, policy_file: /}]\n"),
    ("policy-missing", "name: c\nevidence: [{item: a, kind: decision, policy_file: no.yaml}]\n"),
    (
        "policy-digest",
        "name: c\nevidence: [{item: a, kind: decision, policy: p, policy_digest: 1}]\n",
    ),
    ("policy-escape", 'name: c\nevidence: [{item: a, kind: decision, policy_file: "a\\e[2J"}]\n'),
    (
        "pin-on-a-run",
        "name: c\nevidence: [{item: a, kind: safety_run, policy_digest: abcdefabcdef}]\n",
    ),
]


@pytest.mark.parametrize(("name", "text"), POLICY_PINS, ids=[n for n, _ in POLICY_PINS])
def test_a_hostile_policy_pin_is_a_config_error_naming_the_checklist(
    name: str, text: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        workflows.check_launch("m@1", checklist=path, store=None)
    message = str(error.value)
    assert message.startswith(str(path)) and len(message) < 800
    assert "\x1b" not in message


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_as_a_checklist_load_or_are_refused(raw: bytes) -> None:
    try:
        checklist = load_checklist("x.yaml", text=raw)
    except ConfigError as error:
        assert str(error).startswith("x.yaml")
    else:
        assert checklist.evidence or checklist.signoffs


ITEM = st.fixed_dictionaries(
    {"item": st.text(max_size=8), "kind": st.sampled_from(["decision", "monitor", "x", 1])},
    optional={
        "policy": st.one_of(st.none(), st.text(max_size=5)),
        "policy_digest": st.one_of(st.none(), st.text(max_size=5), st.integers()),
        "policy_file": st.one_of(st.none(), st.text(max_size=5), st.just("/dev/null")),
        "owner": st.integers(),
    },
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(ITEM, max_size=3),
    st.lists(st.dictionaries(st.text(max_size=5), st.text(max_size=5)), max_size=2),
)
def test_any_checklist_mapping_loads_or_is_refused(evidence: list, signoffs: list) -> None:
    text = json.dumps({"name": "c", "evidence": evidence, "signoffs": signoffs})
    try:
        checklist = load_checklist("m.yaml", text=text)
    except ConfigError as error:
        assert str(error).startswith("m.yaml")
    else:
        assert len({i.item for i in checklist.evidence}) == len(checklist.evidence)


ENTRY = {
    "sequence": 1,
    "decision_id": "model:m",
    "kind": "signoff",
    "payload": {"item": "s"},
    "previous_hash": "0" * 64,
    "entry_hash": "a" * 64,
    "recorded_at": "2026-01-01T00:00:00Z",
}
HEAD = {"assay_ledger_export": 1, "entries": 1, "head": "a" * 64, "exported_at": "x"}

EXPORTS = [
    ("empty", b"", "no head line"),
    ("no-head", json.dumps(ENTRY).encode() + b"\n", "no head line"),
    ("not-json", b"{nope\n" + json.dumps(HEAD).encode(), "line 1: not a JSON line"),
    ("deep", b"[" * 100_000 + b"\n" + json.dumps(HEAD).encode(), "not a JSON line"),
    ("binary", bytes(range(256)) + b"\n" + json.dumps(HEAD).encode(), "not a JSON line"),
    (
        "wrong-field",
        json.dumps({**ENTRY, "x": 1}).encode() + b"\n" + json.dumps(HEAD).encode(),
        "line 1: not a ledger entry",
    ),
    (
        "bad-hash",
        json.dumps({**ENTRY, "entry_hash": "zz"}).encode() + b"\n" + json.dumps(HEAD).encode(),
        "wrong type",
    ),
    (
        "bool-sequence",
        json.dumps({**ENTRY, "sequence": True}).encode() + b"\n" + json.dumps(HEAD).encode(),
        "wrong type",
    ),
    ("bad-head", json.dumps({**HEAD, "head": 1}).encode(), "not a head line"),
    ("long-line", b"[" + b" " * (5 << 20) + b"]\n" + json.dumps(HEAD).encode(), "longer than"),
]


@pytest.mark.parametrize(("name", "raw", "match"), EXPORTS, ids=[n for n, _, _ in EXPORTS])
def test_a_file_that_is_not_an_export_is_a_data_error_with_its_line(
    name: str, raw: bytes, match: str
) -> None:
    with pytest.raises(DataError, match=match) as error:
        verify_ledger_export(raw, source=f"{name}.jsonl")
    assert error.value.file == f"{name}.jsonl"


def test_an_export_whose_hash_does_not_add_up_is_not_ok() -> None:
    raw = json.dumps(ENTRY).encode() + b"\n" + json.dumps(HEAD).encode() + b"\n"
    result = verify_ledger_export(raw, source="x.jsonl")
    assert (result.ok, result.first_bad_sequence) == (False, 1)
    assert "entry 1 was changed" in result.reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_as_an_export_are_refused_or_verified(raw: bytes) -> None:
    try:
        result = verify_ledger_export(
            raw + b"\n" + json.dumps({**HEAD, "entries": 0, "head": "0" * 64}).encode(), source="f"
        )
    except DataError as error:
        assert error.file == "f"
    else:
        assert result.ok == (result.entries == 0)


KEY_FILES = [
    ("empty", b"", "not JSON"),
    ("not-json", b"{", "not JSON"),
    ("list", b"[]", "not a signing key file"),
    ("huge", b"{" + b" " * 10_000 + b"}", "larger than a signing key file"),
    ("deep", b"[" * 3000 + b"]" * 3000, "signing key file"),
    ("binary", bytes(range(256)), "not JSON"),
    (
        "short-key",
        json.dumps(
            {
                "algorithm": "ed25519",
                "name": "a",
                "private_key": "AAAA",
                "public_key": "",
                "fingerprint": "",
            }
        ).encode(),
        "the private key is 3 bytes",
    ),
    (
        "bad-name",
        json.dumps(
            {
                "algorithm": "ed25519",
                "name": "a\x1b[31m",
                "private_key": "",
                "public_key": "",
                "fingerprint": "",
            }
        ).encode(),
        "name is 1 to 100",
    ),
]


@pytest.mark.parametrize(("name", "raw", "match"), KEY_FILES, ids=[n for n, _, _ in KEY_FILES])
def test_a_file_that_is_not_a_key_is_a_config_error_naming_it(
    name: str, raw: bytes, match: str
) -> None:
    with pytest.raises(ConfigError, match=match) as error:
        read_key_file(raw, source=f"{name}.json")
    assert str(error.value).startswith(f"{name}.json: ")
    assert "\x1b" not in str(error.value)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_as_a_key_file_are_refused(raw: bytes) -> None:
    with pytest.raises(ConfigError):
        read_key_file(raw, source="k.json")
