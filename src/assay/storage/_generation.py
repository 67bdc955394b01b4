"""A counter that every change to the runs listing (a run stored, a tag set) moves on,
in the same transaction: a listing cached under one value is still true while it holds."""

from __future__ import annotations

import sqlalchemy as sa

from assay._util import check_instance
from assay.storage._engine import read_connection
from assay.storage._schema import metadata

__all__ = ["bump_runs_generation", "generations", "runs_generation"]

generations = sa.Table(
    "generations",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

_RUNS = "runs"
_READ = sa.select(generations.c.value).where(generations.c.name == _RUNS)
_BUMP = (
    generations.update().where(generations.c.name == _RUNS).values(value=generations.c.value + 1)
)


def bump_runs_generation(conn: sa.Connection) -> None:
    """Move the runs' counter on (inside the writing transaction); the migration makes its
    row, and a database whose row was deleted gets it back."""
    if conn.execute(_BUMP).rowcount == 0:
        conn.execute(generations.insert().values(name=_RUNS, value=1))


def runs_generation(engine: sa.Engine) -> int:
    """The runs' counter now: equal values mean no run was stored and no tag set in between.

    On PostgreSQL the one-row read runs without a transaction around it (no ``BEGIN`` and
    ``ROLLBACK`` round trips): it is asked before every cached listing."""
    check_instance(engine, "engine", "runs_generation", sa.Engine, "a SQLAlchemy Engine")
    with read_connection(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
        return int(conn.execute(_READ).scalar() or 0)
