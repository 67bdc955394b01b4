"""What a team server remembers between requests, kept in its store so that it survives a
restart and is shared by every worker process: signed-in browser sessions, recent failed
sign-ins per client address, and named secrets (the key of its CSRF tokens).

A session is known by the SHA-256 of its id (the id itself is only in the browser's
cookie) and maps to the digest of the token that signed in, never the token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from assay.storage._engine import read_connection, write_transaction
from assay.storage._generation import FAILURES, IDENTITIES, bump_generation
from assay.storage._rows import utc
from assay.storage._schema import metadata

__all__ = ["SqlSessionRepository", "server_secrets", "sessions", "sign_in_failures"]

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("token_digest", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index(None, "expires_at"),
)

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index(None, "address", "at"),
    sa.Index(None, "at"),
)

server_secrets = sa.Table(
    "server_secrets",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)

_MAX_ADDRESS = 200


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


class SqlSessionRepository:
    """Sessions, failed sign-ins and server secrets in the store's database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ sessions

    def start(self, token_digest: str, lifetime: timedelta) -> str:
        """A new session for the token with ``token_digest``, lasting ``lifetime``; returns
        its id (for the cookie). Expired sessions are removed on the way."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with write_transaction(self.engine) as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at <= now))
            conn.execute(
                sessions.insert().values(
                    digest=_digest(session_id), token_digest=token_digest, expires_at=now + lifetime
                )
            )
        return session_id

    def token_digest(self, session_id: str) -> str | None:
        """The token digest of the live session ``session_id``, or None (unknown, ended or
        expired)."""
        found = self.lookup(session_id)
        return None if found is None else found[0]

    def lookup(self, session_id: str) -> tuple[str, datetime] | None:
        """``(token digest, expires_at)`` of the live session ``session_id``, or None."""
        with read_connection(self.engine) as conn:
            row = conn.execute(
                sa.select(sessions.c.token_digest, sessions.c.expires_at).where(
                    sessions.c.digest == _digest(session_id)
                )
            ).first()
        expires = utc(row.expires_at) if row is not None else None
        if row is None or expires is None or expires <= datetime.now(UTC):
            return None
        return str(row.token_digest), expires

    def end(self, session_id: str) -> None:
        """Forget the session ``session_id`` (signing out, or its token no longer works)."""
        with write_transaction(self.engine) as conn:
            gone = conn.execute(sessions.delete().where(sessions.c.digest == _digest(session_id)))
            if gone.rowcount:
                bump_generation(conn, IDENTITIES)

    # ------------------------------------------------------------------ failed sign-ins

    def record_failure(self, address: str, window: timedelta) -> None:
        """Count a failed sign-in from ``address``; failures older than ``window`` (from any
        address) are removed on the way."""
        now = datetime.now(UTC)
        with write_transaction(self.engine) as conn:
            conn.execute(sign_in_failures.delete().where(sign_in_failures.c.at <= now - window))
            conn.execute(sign_in_failures.insert().values(address=address[:_MAX_ADDRESS], at=now))
            bump_generation(conn, FAILURES)

    def recent_failures(self, address: str, window: timedelta) -> list[datetime]:
        """When ``address`` failed to sign in within the last ``window``, oldest first."""
        since = datetime.now(UTC) - window
        with read_connection(self.engine) as conn:
            found = conn.execute(
                sa.select(sign_in_failures.c.at)
                .where(
                    (sign_in_failures.c.address == address[:_MAX_ADDRESS])
                    & (sign_in_failures.c.at > since)
                )
                .order_by(sign_in_failures.c.at)
            ).scalars()
            return [utc(at) for at in found]

    # ------------------------------------------------------------------ secrets

    def secret(self, name: str) -> bytes:
        """The server secret ``name``: made (32 random bytes) the first time it is asked for,
        then the same for every process serving this store."""
        query = sa.select(server_secrets.c.value).where(server_secrets.c.name == name)
        with read_connection(self.engine) as conn:
            found = conn.execute(query).scalar()
        if found is None:
            try:
                with write_transaction(self.engine) as conn:
                    conn.execute(
                        server_secrets.insert().values(name=name, value=secrets.token_hex(32))
                    )
            except sa.exc.IntegrityError:
                pass  # another process made it first: use theirs
            with read_connection(self.engine) as conn:
                found = conn.execute(query).scalar_one()
        return bytes.fromhex(found)
