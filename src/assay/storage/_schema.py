"""The relational schema: one SQLAlchemy ``MetaData`` that the Alembic migrations reproduce.

Listings must not parse manifests, so a run row carries its :class:`~assay.core.RunInfo` as JSON
(``info``) beside the manifest; the columns that queries filter and sort on are copied out of it.
A decision row likewise carries the whole :class:`~assay.core.Decision` as JSON (``body``); the
``ledger`` holds the hash chain that makes edits to decisions and approvals detectable.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "complete_metadata",
    "decisions",
    "ledger",
    "metadata",
    "run_metrics",
    "run_notes",
    "run_params",
    "run_tags",
    "runs",
    "suites",
]

# Explicit constraint names make migrations reproducible on every backend.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

suites = sa.Table(
    "suites",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("version", sa.String(200), nullable=False),
    sa.Column("definition", sa.Text(), nullable=False),
    sa.Column("n_examples", sa.Integer(), nullable=False),
    sa.Column("examples_path", sa.String(500), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index(None, "name", "created_at"),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(128), primary_key=True),
    sa.Column("content_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("suite_digest", sa.String(64), sa.ForeignKey("suites.digest"), nullable=False),
    sa.Column("suite_name", sa.String(200), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("n_records", sa.Integer(), nullable=False),
    sa.Column("n_examples", sa.Integer(), nullable=False),
    sa.Column("n_errors", sa.Integer(), nullable=False),
    sa.Column("records_path", sa.String(500), nullable=False),
    sa.Column("manifest", sa.Text(), nullable=False),
    sa.Column("info", sa.Text(), nullable=False),
    sa.Index(None, "suite_digest", "created_at"),
    sa.Index(None, "suite_name", "created_at"),
    sa.Index(None, "model_name", "model_version"),
    sa.Index(None, "created_at"),
)

run_metrics = sa.Table(
    "run_metrics",
    metadata,
    sa.Column("run_id", sa.String(128), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("metric", sa.String(200), primary_key=True),
    # SQLite stores NaN as NULL; the exact summary lives in runs.info.
    sa.Column("estimate", sa.Double(), nullable=True),
    sa.Column("low", sa.Double(), nullable=True),
    sa.Column("high", sa.Double(), nullable=True),
    sa.Column("confidence", sa.Double(), nullable=False),
    sa.Column("method", sa.String(200), nullable=False),
    sa.Column("n", sa.Integer(), nullable=False),
    # run_id makes the index covering: a threshold filter never reads the table.
    sa.Index(None, "metric", "estimate", "run_id"),
)

run_tags = sa.Table(
    "run_tags",
    metadata,
    sa.Column("run_id", sa.String(128), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.String(500), nullable=False),
    sa.Index(None, "key", "value", "run_id"),
)

run_params = sa.Table(
    "run_params",
    metadata,
    sa.Column("run_id", sa.String(128), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text(), nullable=True),
)

# What people add to a run after it is stored, oldest first per run: notes, and every change
# of a tag (run_tags holds the current values). The run's records and manifest never change.
run_notes = sa.Table(
    "run_notes",
    metadata,
    sa.Column("run_id", sa.String(128), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("sequence", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("key", sa.String(200), nullable=True),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index(None, "kind", "run_id"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("decision_id", sa.String(128), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("policy", sa.String(200), nullable=False),
    sa.Column("policy_digest", sa.String(128), nullable=False),
    sa.Column("suite_digest", sa.String(64), nullable=False),
    sa.Column("baseline_run", sa.String(128), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("candidate_run", sa.String(128), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Index(None, "created_at"),
    sa.Index(None, "baseline_run"),
    sa.Index(None, "candidate_run"),
)

# Sequences are assigned by the writer holding the ledger lock, never by the database, so the
# hash of an entry (which covers its sequence) is known before it is inserted. A unique
# previous_hash means no two entries can follow the same entry: the chain cannot fork.
ledger = sa.Table(
    "ledger",
    metadata,
    sa.Column("sequence", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("decision_id", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("previous_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("entry_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index(None, "decision_id", "sequence"),
)


def complete_metadata() -> sa.MetaData:
    """:data:`metadata` with every table, also those defined beside their repositories.

    The users, sessions and change-counter tables live in their own modules, which add them to
    :data:`metadata` when imported; migrations and schema checks must see all of them whatever
    was imported before.
    """
    from assay.storage import _generation, _sessions, _user_tokens, _users  # noqa: F401

    return metadata
