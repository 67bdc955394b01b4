"""What the store keeps of users and tokens: the tables, the records read back, and the
making of a token (shown once; only its SHA-256 digest is stored)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from assay._util import check_instance
from assay.errors import ParameterError
from assay.storage._rows import utc
from assay.storage._schema import metadata

__all__ = [
    "MAX_TOKEN",
    "ROLES",
    "TOKEN_PREFIX_LENGTH",
    "IssuedToken",
    "TokenInfo",
    "User",
    "check_expiry",
    "check_name",
    "new_token",
    "token_digest",
    "token_info",
    "user_tokens",
    "users",
]

ROLES = ("viewer", "editor", "approver", "admin")
"""Role names, each allowing everything the ones before it allow."""
TOKEN_PREFIX_LENGTH = 12
"""Characters of a token kept in clear to recognise it by (``assay_Ab3dE``…)."""
MAX_TOKEN = 200
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$")

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
)

user_tokens = sa.Table(
    "user_tokens",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("prefix", sa.String(TOKEN_PREFIX_LENGTH), nullable=False),
    sa.Column("user_name", sa.String(200), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index(None, "prefix"),
    sa.Index(None, "user_name"),
)


@dataclass(frozen=True)
class User:
    """Someone who may use the server."""

    name: str
    """The user name (letters, digits, ``.``, ``_``, ``@``, ``+``, ``-``)."""
    role: str
    """``viewer``, ``editor``, ``approver`` or ``admin``."""
    created_at: datetime
    """When the user was added (UTC)."""


@dataclass(frozen=True)
class TokenInfo:
    """What is kept of a token: never the token itself."""

    prefix: str
    """Its first characters, enough to tell it from the user's other tokens."""
    user: str
    """Whose it is."""
    created_at: datetime
    """When it was issued (UTC)."""
    expires_at: datetime | None
    """When it stops working (UTC), or ``None`` for never."""
    revoked_at: datetime | None
    """When it was revoked (UTC), or ``None``."""

    def active(self, now: datetime | None = None) -> bool:
        """Whether the token identifies its user at ``now`` (default: the current time)."""
        now = now or datetime.now(UTC)
        expired = self.expires_at is not None and self.expires_at <= now
        return self.revoked_at is None and not expired


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the only time its plain text is available."""

    token: str
    """The secret to send as ``Authorization: Bearer …``; not stored, not shown again."""
    info: TokenInfo
    """What the store keeps of it."""

    def __repr__(self) -> str:
        return f"IssuedToken(token='{self.info.prefix}…', info={self.info!r})"


def token_digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(name: Any, function: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(
            "name",
            function,
            "1-200 letters, digits, '.', '_', '@', '+' or '-', starting with a letter or digit",
            name if not isinstance(name, str) or len(name) <= 60 else name[:57] + "...",
        )
    return name


def check_expiry(expires_at: Any, function: str) -> datetime | None:
    check_instance(expires_at, "expires_at", function, (datetime, type(None)), "a datetime or None")
    if expires_at is None:
        return None
    moment: datetime = utc(expires_at)
    return moment


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; every stored time is UTC
    return None if moment is None else utc(moment)


def token_info(row: Any) -> TokenInfo:
    return TokenInfo(
        prefix=row.prefix,
        user=row.user_name,
        created_at=utc(row.created_at),
        expires_at=_aware(row.expires_at),
        revoked_at=_aware(row.revoked_at),
    )


def new_token(conn: sa.Connection, name: str, expires_at: datetime | None) -> IssuedToken:
    token = "assay_" + secrets.token_urlsafe(32)
    info = TokenInfo(token[:TOKEN_PREFIX_LENGTH], name, datetime.now(UTC), expires_at, None)
    conn.execute(
        user_tokens.insert().values(
            digest=token_digest(token),
            prefix=info.prefix,
            user_name=name,
            created_at=info.created_at,
            expires_at=expires_at,
            revoked_at=None,
        )
    )
    return IssuedToken(token, info)
