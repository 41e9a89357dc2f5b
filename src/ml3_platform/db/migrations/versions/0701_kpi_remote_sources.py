"""KPI data from a customer's store: a KPI batch's pointer to the object

Revision ID: 0701
Revises: 0501
"""

import sqlalchemy as sa
from alembic import op

revision = "0701"
down_revision = "0501"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kpi_batches") as batch:
        batch.add_column(sa.Column("remote_source", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpi_batches") as batch:
        batch.drop_column("remote_source")
