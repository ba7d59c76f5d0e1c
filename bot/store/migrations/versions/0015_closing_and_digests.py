"""Closing inquiries with a reason, affiliates' digest setting, the digests sent.

`inquiries.closed_reason` and `inquiries.duplicate_of` (the original's reference), `users.digest`
(off | daily) and `users.language`, the `digests` table (one row per account and day).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: Union[str, Sequence[str], None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the columns (plain ADD COLUMN: a batch would rebuild `inquiries` and `users`, whose rows
    other tables refer to) and create `digests`."""
    op.add_column("inquiries", sa.Column("closed_reason", sa.String(20), nullable=True))
    op.add_column("inquiries", sa.Column("duplicate_of", sa.String(20), nullable=True))
    op.add_column("users", sa.Column("digest", sa.String(10), nullable=False, server_default="off"))
    op.add_column("users", sa.Column("language", sa.String(10), nullable=True))
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claimed_until", TIMESTAMP, nullable=True),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("inquiries", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_digests_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_digests_user_id_day")),
    )


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_table("digests")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
        batch.drop_column("digest")
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("duplicate_of")
        batch.drop_column("closed_reason")
