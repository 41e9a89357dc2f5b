"""KPIs and their stored batches

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpis",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_start_ts", sa.Float(), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("monitor_state", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "name"),
    )
    op.create_index(op.f("ix_kpis_project_id"), "kpis", ["project_id"], unique=False)
    op.create_table(
        "kpi_batches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kpi_id", sa.String(length=32), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("storage_key", sa.String(length=500), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("min_ts", sa.Float(), nullable=False),
        sa.Column("max_ts", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpis.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id"),
    )
    op.create_index(
        op.f("ix_kpi_batches_kpi_id"), "kpi_batches", ["kpi_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_kpi_batches_kpi_id"), table_name="kpi_batches")
    op.drop_table("kpi_batches")
    op.drop_index(op.f("ix_kpis_project_id"), table_name="kpis")
    op.drop_table("kpis")
