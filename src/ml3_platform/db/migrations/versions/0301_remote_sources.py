"""remote data sources: a batch's pointer into the customer's store

Revision ID: 0301
Revises: 0003
Create Date: 2026-12-04 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0301"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("remote_source", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("remote_source")
