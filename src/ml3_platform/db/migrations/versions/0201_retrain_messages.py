"""retrain messages: the sent markers of retrain jobs

Revision ID: 0201
Revises: 0003
Create Date: 2026-12-04 05:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retrain_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=True),
        sa.Column("trigger_type", sa.String(length=32), nullable=False),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index(
        "ix_retrain_messages_model_id", "retrain_messages", ["model_id"]
    )
    op.create_index("ix_retrain_messages_job_id", "retrain_messages", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_retrain_messages_job_id", table_name="retrain_messages")
    op.drop_index("ix_retrain_messages_model_id", table_name="retrain_messages")
    op.drop_table("retrain_messages")
