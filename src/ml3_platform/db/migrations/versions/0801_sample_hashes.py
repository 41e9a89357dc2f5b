"""sample hashes: the key of every stored sample, for the sample-id checks

Batches stored before this revision get no ``hashed_batches`` row, and the
checks find their samples through their id-hash sidecar files, as before:
the migration cannot read the store to fill the tables.

Revision ID: 0801
Revises: 0003
Create Date: 2026-12-04 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0801"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hashed_batches",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id"),
    )
    op.create_table(
        "sample_hashes",
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column(
            "hashed_batch_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["hashed_batch_id"], ["hashed_batches.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", "hashed_batch_id"),
    )
    op.create_index(
        op.f("ix_sample_hashes_hashed_batch_id"), "sample_hashes",
        ["hashed_batch_id"], unique=False,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index(
        op.f("ix_sample_hashes_hashed_batch_id"), table_name="sample_hashes"
    )
    op.drop_table("sample_hashes")
    op.drop_table("hashed_batches")
