"""Decisions and the tamper-evident ledger of decisions and approvals.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("policy", sa.String(200), nullable=False),
        sa.Column("policy_digest", sa.String(128), nullable=False),
        sa.Column("suite_digest", sa.String(64), nullable=False),
        sa.Column("baseline_run", sa.String(128), nullable=False),
        sa.Column("candidate_run", sa.String(128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["baseline_run"], ["runs.run_id"], name="fk_decisions_baseline_run_runs"
        ),
        sa.ForeignKeyConstraint(
            ["candidate_run"], ["runs.run_id"], name="fk_decisions_candidate_run_runs"
        ),
        sa.PrimaryKeyConstraint("decision_id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])
    op.create_index("ix_decisions_baseline_run", "decisions", ["baseline_run"])
    op.create_index("ix_decisions_candidate_run", "decisions", ["candidate_run"])

    op.create_table(
        "ledger",
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("decision_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name="pk_ledger"),
        sa.UniqueConstraint("previous_hash", name="uq_ledger_previous_hash"),
        sa.UniqueConstraint("entry_hash", name="uq_ledger_entry_hash"),
    )
    op.create_index("ix_ledger_decision_id_sequence", "ledger", ["decision_id", "sequence"])


def downgrade() -> None:
    op.drop_table("ledger")
    op.drop_table("decisions")
