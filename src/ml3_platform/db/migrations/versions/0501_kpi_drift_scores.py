"""KPI drift scores, for plotting a KPI's statistic against its thresholds

Revision ID: 0501
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0501"
down_revision = "0003"
branch_labels = None
# The table refers to ``kpis``, which 0002 creates.
depends_on = "0002"


def upgrade() -> None:
    op.create_table(
        "kpi_drift_scores",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kpi_id", sa.String(length=32), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("sample_ts", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("warning_threshold", sa.Float(), nullable=False),
        sa.Column("drift_threshold", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpis.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_kpi_drift_scores_kpi_id"), "kpi_drift_scores", ["kpi_id"],
        unique=False,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index(op.f("ix_kpi_drift_scores_kpi_id"), table_name="kpi_drift_scores")
    op.drop_table("kpi_drift_scores")
