"""Users of a team server, their roles, and their tokens (kept only as SHA-256 digests).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_table(
        "user_tokens",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_name"], ["users.name"], name="fk_user_tokens_user_name_users"
        ),
        sa.PrimaryKeyConstraint("digest", name="pk_user_tokens"),
    )
    op.create_index("ix_user_tokens_prefix", "user_tokens", ["prefix"])
    op.create_index("ix_user_tokens_user_name", "user_tokens", ["user_name"])


def downgrade() -> None:
    op.drop_table("user_tokens")
    op.drop_table("users")
