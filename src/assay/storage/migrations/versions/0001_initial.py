"""Initial schema: suites, runs, run metrics, tags and params.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _run_child(name: str, *columns: sa.Column[object], pk: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("run_id", sa.String(128), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=f"fk_{name}_run_id_runs"),
        sa.PrimaryKeyConstraint(*pk, name=f"pk_{name}"),
    )


def upgrade() -> None:
    op.create_table(
        "suites",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("n_examples", sa.Integer(), nullable=False),
        sa.Column("examples_path", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_suites"),
    )
    op.create_index("ix_suites_name_created_at", "suites", ["name", "created_at"])

    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=False),
        sa.Column("suite_digest", sa.String(64), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["suite_digest"], ["suites.digest"], name="fk_runs_suite_digest_suites"
        ),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
        sa.UniqueConstraint("content_digest", name="uq_runs_content_digest"),
    )
    op.create_index("ix_runs_created_at", "runs", ["created_at"])
    op.create_index("ix_runs_suite_digest_created_at", "runs", ["suite_digest", "created_at"])
    op.create_index("ix_runs_suite_name_created_at", "runs", ["suite_name", "created_at"])
    op.create_index("ix_runs_model_name_model_version", "runs", ["model_name", "model_version"])

    _run_child(
        "run_metrics",
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("estimate", sa.Double(), nullable=True),
        sa.Column("low", sa.Double(), nullable=True),
        sa.Column("high", sa.Double(), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        pk=("run_id", "metric"),
    )
    op.create_index(
        "ix_run_metrics_metric_estimate_run_id", "run_metrics", ["metric", "estimate", "run_id"]
    )

    _run_child(
        "run_tags",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        pk=("run_id", "key"),
    )
    op.create_index("ix_run_tags_key_value_run_id", "run_tags", ["key", "value", "run_id"])

    _run_child(
        "run_params",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        pk=("run_id", "key"),
    )


def downgrade() -> None:
    for table in ("run_params", "run_tags", "run_metrics", "runs", "suites"):
        op.drop_table(table)
