"""retraining reports and suggestions

Revision ID: 0401
Revises: 0003
Create Date: 2026-12-04 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0401"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retraining_reports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=32), nullable=False),
        sa.Column("model_version_id", sa.String(length=32), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("drift_ts", sa.Float(), nullable=False),
        sa.Column("effective_sample_size", sa.Float(), nullable=False),
        sa.Column("metric_name", sa.String(length=16), nullable=False),
        sa.Column("performance_lower", sa.Float(), nullable=False),
        sa.Column("performance_upper", sa.Float(), nullable=False),
        sa.Column("cost_lower", sa.Float(), nullable=True),
        sa.Column("cost_upper", sa.Float(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("storage_key", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id"),
    )
    op.create_index("ix_retraining_reports_model_id", "retraining_reports", ["model_id"])
    op.create_index(
        "ix_retraining_reports_model_version_id",
        "retraining_reports",
        ["model_version_id"],
    )
    op.create_table(
        "retraining_suggestions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=32), nullable=False),
        sa.Column("model_version_id", sa.String(length=32), nullable=False),
        sa.Column("suggestion_type", sa.String(length=32), nullable=False),
        sa.Column("effective_sample_size", sa.Float(), nullable=False),
        sa.Column("n_samples", sa.Integer(), nullable=False),
        sa.Column("executed", sa.Boolean(), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["retraining_reports.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("report_id", "model_id", "model_version_id"):
        op.create_index(
            f"ix_retraining_suggestions_{column}", "retraining_suggestions", [column]
        )


def downgrade() -> None:
    op.drop_table("retraining_suggestions")
    op.drop_table("retraining_reports")
