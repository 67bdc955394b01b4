"""``assay users``: tokens printed once and never listed, revoking by prefix, removing users,
and errors with the documented exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import assay
from assay.cli import main


def _token(out: str) -> str:
    found = re.findall(r"assay_[A-Za-z0-9_-]{40,}", out)
    assert len(found) == 1, out
    return found[0]


def test_a_token_is_printed_once_and_never_listed(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "add", "alice", "--role", "Admin"]) == 0
    out = capsys.readouterr().out
    token = _token(out)
    assert "will not be shown again" in out
    with assay.open_store() as store:
        assert store.users.authenticate(token) == ("alice", "admin")

    assert main(["users", "list"]) == 0
    listed = capsys.readouterr().out
    assert "alice" in listed and "admin" in listed
    assert token not in listed and token[:12] in listed

    assert main(["users", "list", "--json"]) == 0
    [user] = json.loads(capsys.readouterr().out)
    assert user["name"] == "alice" and token not in json.dumps(user)
    assert [t["prefix"] for t in user["tokens"]] == [token[:12]]


def test_tokens_are_issued_revoked_and_users_removed(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "add", "bob", "--role", "editor", "--expires-days", "30"]) == 0
    first = _token(capsys.readouterr().out)
    assert main(["users", "token", "bob", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["user"] == "bob" and second["expires_at"] is None

    assert main(["users", "revoke", first[:12]]) == 0
    assert "revoked" in capsys.readouterr().out
    with assay.open_store() as store:
        assert store.users.authenticate(first) is None
        assert store.users.authenticate(second["token"]) == ("bob", "editor")

    assert main(["users", "remove", "bob", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"removed": "bob"}
    with assay.open_store() as store:
        assert store.users.authenticate(second["token"]) is None
    assert main(["users", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["users", "add", "carol", "--role", "root"], 4, "viewer"),
        (["users", "add", "bad name", "--role", "viewer"], 4, "letters"),
        (["users", "token", "nobody"], 8, "nobody"),
        (["users", "remove", "nobody"], 8, "nobody"),
        (["users", "revoke", "assay_nothing1"], 8, "No token"),
        (["users", "revoke", "short"], 4, "8 characters"),
        (["users", "add", "dave"], 64, "--role"),
    ],
)
def test_mistakes_exit_with_their_codes(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, words: str
) -> None:
    assert main(args) == code
    assert words in " ".join(capsys.readouterr().err.split())


def test_an_existing_user_is_not_replaced(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "add", "erin", "--role", "viewer"]) == 0
    capsys.readouterr()
    assert main(["users", "add", "erin", "--role", "admin", "--json"]) == 5
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "ImmutableError" and "exists" in error["message"]
