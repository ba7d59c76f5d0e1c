"""Partnership outcomes (issue 17, item 5): the `partnerships` table, one row per accepted
inquiry, kept up to date by the affiliate that accepted it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: Union[str, Sequence[str], None] = "0016"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `partnerships`."""
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("affiliate_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("files_uploaded", sa.Integer(), nullable=True),
        sa.Column("commons_category", sa.String(300), nullable=True),
        sa.Column("wikidata_items_created", sa.Integer(), nullable=True),
        sa.Column("events_held", sa.Integer(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("public_summary", sa.String(500), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.CheckConstraint("status IN ('active', 'completed', 'stopped')", name=op.f("ck_partnerships_status")),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], name=op.f("fk_partnerships_inquiry_id_inquiries"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint("inquiry_id", name=op.f("uq_partnerships_inquiry_id")),
    )
    op.create_index(op.f("ix_partnerships_affiliate_id"), "partnerships", ["affiliate_id"])


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_index(op.f("ix_partnerships_affiliate_id"), table_name="partnerships")
    op.drop_table("partnerships")
