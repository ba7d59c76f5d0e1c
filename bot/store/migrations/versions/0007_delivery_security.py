"""Least privilege and delivery security: notes are staff-only or shared
(`inquiry_notes.visibility`; existing notes become `shared`, as affiliates could read them), and
`disabled_endpoints` (receivers that answered 410 Gone).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add `inquiry_notes.visibility` and create `disabled_endpoints`."""
    # The server default fills the existing rows; afterwards every writer says which it is.
    with op.batch_alter_table("inquiry_notes") as batch:
        batch.add_column(sa.Column("visibility", sa.String(10), nullable=False, server_default="shared"))
    with op.batch_alter_table("inquiry_notes") as batch:
        batch.alter_column("visibility", existing_type=sa.String(10), server_default=None)
    op.create_table(
        "disabled_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("affiliate_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("target_hash", sa.String(64), nullable=False),
        sa.Column("target_host", sa.String(255)),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("disabled_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disabled_endpoints"),
        sa.UniqueConstraint("affiliate_id", "channel", "target_hash",
                            name="uq_disabled_endpoints_affiliate_id_channel_target_hash"),
    )
    op.create_index("ix_disabled_endpoints_affiliate_id", "disabled_endpoints", ["affiliate_id"])


def downgrade() -> None:
    op.drop_index("ix_disabled_endpoints_affiliate_id", table_name="disabled_endpoints")
    op.drop_table("disabled_endpoints")
    with op.batch_alter_table("inquiry_notes") as batch:
        batch.drop_column("visibility")
