"""Schema migrations with Alembic, configured in code.

The embedded SQLite store migrates itself when it is opened. A shared PostgreSQL database is
migrated only on request (``assay db upgrade``), because one team member's newer assay must not
change the schema under everybody else.

Most opens find the schema current. Telling that needs no Alembic (whose import costs more
than the rest of a short command): the newest revision is read from the migration files'
``revision``/``down_revision`` lines and the database's from its ``alembic_version`` table.
Alembic is loaded only to migrate, or to judge a revision this assay does not know.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assay.errors import StorageError
from assay.storage._engine import StoreLocation, write_transaction
from assay.storage._revision import head_revision

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["alembic_config", "check_schema", "current_revision", "head_revision", "migrate"]

_MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic configuration for assay's migrations, bound to ``connection`` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    if len(rows) != 1:  # none, or several heads: let Alembic itself say what it is
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return str(rows[0][0])


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return any(s.revision == revision for s in script.walk_revisions())


def migrate(engine: sa.Engine) -> str:
    """Upgrade the database to the newest revision in one transaction; returns it.

    Concurrent callers are serialised by the write lock (SQLite) or by the first DDL statement
    (PostgreSQL), and a caller that finds the database at head changes nothing.
    """
    head = head_revision()
    try:
        # Most opens find the schema current: reading that takes no write lock, so a store
        # another process is writing opens at once and a read-only store opens at all.
        with engine.connect() as conn:
            if current_revision(conn) == head:
                return head
        with write_transaction(engine) as conn:
            if engine.dialect.name == "postgresql":
                # One migrator at a time per database; released at commit.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7310511)"))
            revision = current_revision(conn)
            if revision == head:
                return head
            if revision is not None and not _known(revision):
                raise StorageError(
                    f"The database is at schema revision {revision!r}, which this version of "
                    "assay does not know; it was written by a newer assay. Upgrade assay."
                )
            from alembic import command

            command.upgrade(alembic_config(conn), "head")
    except sa.exc.SQLAlchemyError as exc:
        raise StorageError(f"Migrating the database failed: {exc}") from exc
    return head


def check_schema(engine: sa.Engine, location: StoreLocation) -> None:
    """Fail with the command to run when the database is not at the newest revision."""
    head = head_revision()
    try:
        with engine.connect() as conn:
            revision = current_revision(conn)
    except sa.exc.SQLAlchemyError as exc:
        raise StorageError(f"Cannot connect to {location.printable}: {exc}") from exc
    if revision == head:
        return
    if revision is not None and not _known(revision):
        raise StorageError(
            f"The database {location.printable} is at schema revision {revision!r}, written by "
            f"a newer assay than this one (which needs {head}). Upgrade assay."
        )
    state = "has no assay schema" if revision is None else f"is at schema revision {revision}"
    raise StorageError(
        f"The database {location.printable} {state}; this assay needs revision {head}. "
        "Run `assay db upgrade` (with ASSAY_DB set to this URL) to migrate it."
    )
