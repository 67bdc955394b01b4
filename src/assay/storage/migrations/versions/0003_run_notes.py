"""Notes on runs, and the history of tags added or changed after a run was stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_notes",
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_run_notes_run_id_runs"),
        sa.PrimaryKeyConstraint("run_id", "sequence", name="pk_run_notes"),
    )
    op.create_index("ix_run_notes_kind_run_id", "run_notes", ["kind", "run_id"])


def downgrade() -> None:
    op.drop_table("run_notes")
