"""The people who may use a team server, their roles, and the tokens that identify them.

A user has a name and a role (``viewer``, ``editor``, ``approver`` or ``admin``, stored as
text: what a role allows is the server's business). A token is shown once, when it is issued;
the store keeps only its SHA-256 digest, a short prefix to recognise it by, and when it was
created, expires and was revoked. :meth:`SqlUserRepository.authenticate` looks a token up by
its digest and compares the digests in constant time; revoked and expired tokens, and every
token of a removed user, are refused. Removing a user revokes all of their tokens, and adding
the name again later does not bring them back.
"""

from __future__ import annotations

import builtins
import hmac
from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa

from assay._util import check_choice
from assay.errors import AmbiguousReferenceError, ImmutableError, NotFoundError, ParameterError
from assay.storage._engine import read_connection, write_transaction
from assay.storage._generation import IDENTITIES, bump_generation
from assay.storage._rows import like_prefix, utc
from assay.storage._user_tokens import (
    MAX_TOKEN,
    ROLES,
    TOKEN_PREFIX_LENGTH,
    IssuedToken,
    TokenInfo,
    User,
    check_expiry,
    check_name,
    new_token,
    token_digest,
    token_info,
    user_tokens,
    users,
)

__all__ = [
    "ROLES",
    "TOKEN_PREFIX_LENGTH",
    "IssuedToken",
    "SqlUserRepository",
    "TokenInfo",
    "User",
    "token_digest",
    "user_tokens",
    "users",
]


class SqlUserRepository:
    """Users and their tokens in the store's database (``store.users``)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def add(self, name: str, role: str, *, expires_at: datetime | None = None) -> IssuedToken:
        """Add a user with ``role`` and issue their first token (expiring at ``expires_at``).

        Raises :class:`~assay.errors.ImmutableError` when a user of that name exists. A
        removed user's name may be added again; their old tokens stay revoked.
        """
        function = "UserRepository.add"
        check_name(name, function)
        check_choice(role, "role", function, ROLES)
        expiry = check_expiry(expires_at, function)
        with write_transaction(self._engine) as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
            now = datetime.now(UTC)
            if row is not None and row.removed_at is None:
                raise ImmutableError(f"A user named {name!r} exists already.")
            if row is None:
                conn.execute(users.insert().values(name=name, role=role, created_at=now))
            else:  # the name comes back, perhaps with another role
                bump_generation(conn, IDENTITIES)
                conn.execute(
                    users.update()
                    .where(users.c.name == name)
                    .values(role=role, created_at=now, removed_at=None)
                )
            return new_token(conn, name, expiry)

    def list(self) -> list[User]:
        """Every current user, by name."""
        with read_connection(self._engine) as conn:
            rows = conn.execute(
                sa.select(users).where(users.c.removed_at.is_(None)).order_by(users.c.name)
            ).all()
        return [User(r.name, r.role, utc(r.created_at)) for r in rows]

    def get(self, name: str) -> User:
        """The current user named ``name`` (:class:`~assay.errors.NotFoundError` if none)."""
        check_name(name, "UserRepository.get")
        with read_connection(self._engine) as conn:
            row = conn.execute(
                sa.select(users).where((users.c.name == name) & users.c.removed_at.is_(None))
            ).first()
        if row is None:
            raise NotFoundError(f"No user named {name!r}.")
        return User(row.name, row.role, utc(row.created_at))

    def remove(self, name: str) -> None:
        """Remove a user and revoke all of their tokens at once."""
        check_name(name, "UserRepository.remove")
        with write_transaction(self._engine) as conn:
            now = datetime.now(UTC)
            changed = conn.execute(
                users.update()
                .where((users.c.name == name) & users.c.removed_at.is_(None))
                .values(removed_at=now)
            ).rowcount
            if not changed:
                raise NotFoundError(f"No user named {name!r}.")
            bump_generation(conn, IDENTITIES)
            conn.execute(
                user_tokens.update()
                .where((user_tokens.c.user_name == name) & user_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    def issue_token(self, name: str, *, expires_at: datetime | None = None) -> IssuedToken:
        """A new token for the current user ``name``; the user's other tokens keep working."""
        function = "UserRepository.issue_token"
        check_name(name, function)
        expiry = check_expiry(expires_at, function)
        with write_transaction(self._engine) as conn:
            found = conn.execute(
                sa.select(users.c.name).where((users.c.name == name) & users.c.removed_at.is_(None))
            ).first()
            if found is None:
                raise NotFoundError(f"No user named {name!r}.")
            return new_token(conn, name, expiry)

    def tokens(self, name: str | None = None) -> builtins.list[TokenInfo]:
        """What is kept of every token (of user ``name``), oldest first; never the tokens."""
        query = sa.select(user_tokens).order_by(user_tokens.c.created_at, user_tokens.c.prefix)
        if name is not None:
            query = query.where(user_tokens.c.user_name == check_name(name, "tokens"))
        with read_connection(self._engine) as conn:
            return [token_info(r) for r in conn.execute(query).all()]

    def revoke(self, prefix: str, *, user: str | None = None) -> TokenInfo:
        """Revoke the one token starting with ``prefix`` (of ``user``, when given).

        ``prefix`` is 8 or more of the characters :attr:`TokenInfo.prefix` shows, or the
        whole token. Several matching tokens raise
        :class:`~assay.errors.AmbiguousReferenceError`; a revoked token stays revoked.
        """
        function = "UserRepository.revoke"
        if not isinstance(prefix, str) or not 8 <= len(prefix) <= MAX_TOKEN:
            raise ParameterError(
                "prefix", function, "a token prefix of at least 8 characters", prefix
            )
        # the shown prefix is all that is stored in clear; a longer one must begin with it
        head = prefix[:TOKEN_PREFIX_LENGTH]
        query = sa.select(user_tokens).where(user_tokens.c.prefix.like(like_prefix(head), "\\"))
        if user is not None:
            query = query.where(user_tokens.c.user_name == check_name(user, function))
        with write_transaction(self._engine) as conn:
            rows = conn.execute(query).all()
            if len(prefix) > TOKEN_PREFIX_LENGTH:  # a whole token: the one with its digest
                digest = token_digest(prefix)
                rows = [r for r in rows if hmac.compare_digest(r.digest, digest)]
            shown = head + ("…" if len(prefix) > len(head) else "")  # never a whole token
            if not rows:
                raise NotFoundError(f"No token starts with {shown!r}.")
            if len(rows) > 1:
                raise AmbiguousReferenceError(
                    f"{len(rows)} tokens start with {shown!r}; give the whole token.",
                    [f"{r.prefix}… of {r.user_name}" for r in rows],
                )
            row = rows[0]
            now = datetime.now(UTC)
            if row.revoked_at is None:
                bump_generation(conn, IDENTITIES)
                conn.execute(
                    user_tokens.update()
                    .where(user_tokens.c.digest == row.digest)
                    .values(revoked_at=now)
                )
            info = token_info(row)
        return info if info.revoked_at else replace(info, revoked_at=now)

    @staticmethod
    def digest(token: str) -> str:
        """The digest under which ``token`` is stored (what a signed-in session keeps)."""
        return token_digest(token)

    def authenticate(self, token: str) -> tuple[str, str] | None:
        """``(user name, role)`` for a valid token, or ``None`` for any other text."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            return None
        return self.authenticate_digest(token_digest(token))

    def authenticate_digest(self, digest: str) -> tuple[str, str] | None:
        """As :meth:`authenticate`, given the token's digest (what a signed-in session keeps)."""
        found = self.token_holder(digest)
        return None if found is None else found[:2]

    def token_holder(self, digest: str) -> tuple[str, str, datetime | None] | None:
        """``(user name, role, expires_at)`` for the valid token with ``digest``, or ``None``."""
        if not isinstance(digest, str) or len(digest) != 64:
            return None
        query = (
            sa.select(user_tokens, users.c.role, users.c.removed_at)
            .join(users, users.c.name == user_tokens.c.user_name)
            .where(user_tokens.c.digest == digest)
        )
        with read_connection(self._engine) as conn:
            row = conn.execute(query).first()
        if row is None or not hmac.compare_digest(row.digest, digest):
            return None
        info = token_info(row)
        if row.removed_at is not None or not info.active():
            return None
        return str(row.user_name), str(row.role), info.expires_at
