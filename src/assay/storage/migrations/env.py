"""Alembic environment: migrations always run on a connection that assay passes in.

assay configures Alembic in code (no ``alembic.ini``); the caller puts an open connection,
already inside a transaction, in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from assay.storage._schema import complete_metadata


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("assay migrations run through assay.storage.upgrade_database")
    context.configure(
        connection=connection,
        target_metadata=complete_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
