"""upload job: the data call's job that used an uploaded file

Revision ID: 0601
Revises: 0003
Create Date: 2026-12-04 10:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0601"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("job_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("job_id")
