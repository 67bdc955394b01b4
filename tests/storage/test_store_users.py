"""Users and tokens in the store: tokens are shown once, kept only as digests, and refused
once revoked, expired or their user removed; on SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from assay.errors import AmbiguousReferenceError, ImmutableError, NotFoundError, ParameterError
from assay.storage import Store


def test_a_token_identifies_its_user_and_role(store: Store) -> None:
    issued = store.users.add("alice@example.com", "approver")
    assert issued.token.startswith("assay_") and len(issued.token) > 40
    assert issued.token.startswith(issued.info.prefix)
    assert store.users.authenticate(issued.token) == ("alice@example.com", "approver")
    assert [(u.name, u.role) for u in store.users.list()] == [("alice@example.com", "approver")]
    assert store.users.get("alice@example.com").role == "approver"
    assert issued.token not in repr(issued)


def test_only_the_digest_is_stored(store: Store) -> None:
    issued = store.users.add("bob", "viewer")
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM user_tokens")).all()]
    assert len(rows) == 1
    assert hashlib.sha256(issued.token.encode()).hexdigest() in rows[0]
    assert not any(isinstance(v, str) and issued.token in v for v in rows[0])
    assert issued.info.prefix in rows[0]


@pytest.mark.parametrize(
    "text", ["", "assay_", "x" * 10_000, "assay_\x00\udcff", "Bearer assay_abc", None, 12]
)
def test_other_text_is_refused(store: Store, text: object) -> None:
    store.users.add("carol", "admin")
    assert store.users.authenticate(text) is None  # type: ignore[arg-type]


def test_a_revoked_token_is_refused_and_others_keep_working(store: Store) -> None:
    first = store.users.add("dave", "editor")
    second = store.users.issue_token("dave")
    revoked = store.users.revoke(first.info.prefix)
    assert revoked.revoked_at is not None and not revoked.active()
    assert store.users.authenticate(first.token) is None
    assert store.users.authenticate(second.token) == ("dave", "editor")
    # revoking again, or by the whole token, is no error and changes nothing
    assert store.users.revoke(first.token).revoked_at == revoked.revoked_at
    assert [t.active() for t in store.users.tokens("dave")] == [False, True]


def test_an_expired_token_is_refused(store: Store) -> None:
    past = store.users.add("erin", "viewer", expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert store.users.authenticate(past.token) is None
    soon = store.users.issue_token("erin", expires_at=datetime.now(UTC) + timedelta(days=1))
    assert store.users.authenticate(soon.token) == ("erin", "viewer")
    assert store.users.tokens("erin")[1].expires_at == soon.info.expires_at


def test_a_removed_users_tokens_are_refused_even_when_the_name_returns(store: Store) -> None:
    old = store.users.add("frank", "admin")
    store.users.remove("frank")
    assert store.users.authenticate(old.token) is None
    assert store.users.list() == []
    with pytest.raises(NotFoundError):
        store.users.get("frank")
    with pytest.raises(NotFoundError):
        store.users.issue_token("frank")
    new = store.users.add("frank", "viewer")
    assert store.users.authenticate(old.token) is None
    assert store.users.authenticate(new.token) == ("frank", "viewer")


def test_mistakes_are_refused(store: Store) -> None:
    store.users.add("gina", "viewer")
    with pytest.raises(ImmutableError, match="exists"):
        store.users.add("gina", "admin")
    with pytest.raises(ParameterError, match="role"):
        store.users.add("hank", "root")
    for name in ("", "a b", "../x", "x" * 201, "é", "-x"):
        with pytest.raises(ParameterError, match="name"):
            store.users.add(name, "viewer")
    with pytest.raises(NotFoundError):
        store.users.remove("nobody")
    with pytest.raises(ParameterError, match="8 characters"):
        store.users.revoke("assay_")
    with pytest.raises(NotFoundError):
        store.users.revoke("assay_zzzzzz")
    secret = "assay_" + "z" * 43  # a whole token that is not stored is not echoed
    with pytest.raises(NotFoundError) as info:
        store.users.revoke(secret)
    assert secret not in str(info.value) and "assay_zzzzzz…" in str(info.value)


def test_an_ambiguous_prefix_is_refused(store: Store) -> None:
    issued = store.users.add("ivy", "viewer")
    with store.engine.begin() as conn:  # a second token sharing the shown prefix
        conn.execute(
            sa.text(
                "INSERT INTO user_tokens (digest, prefix, user_name, created_at) "
                "VALUES (:d, :p, 'ivy', :t)"
            ),
            {"d": "0" * 64, "p": issued.info.prefix, "t": datetime.now(UTC)},
        )
    with pytest.raises(AmbiguousReferenceError, match="2 tokens"):
        store.users.revoke(issued.info.prefix)
    assert store.users.revoke(issued.token).prefix == issued.info.prefix
    assert store.users.authenticate(issued.token) is None


def test_digests_are_compared_in_constant_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.storage import _users

    compared: list[tuple[str, str]] = []
    original = hmac.compare_digest

    def compare_digest(a: str, b: str) -> bool:
        compared.append((a, b))
        return original(a, b)

    issued = store.users.add("jo", "viewer")
    monkeypatch.setattr(_users.hmac, "compare_digest", compare_digest)
    assert store.users.authenticate(issued.token) == ("jo", "viewer")
    digest = hashlib.sha256(issued.token.encode()).hexdigest()
    assert compared == [(digest, digest)]
