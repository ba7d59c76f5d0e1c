"""Hand-offs to a person: `handoffs`, `console_presence`, `inquiries.wants_person`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `handoffs` and `console_presence`; add `inquiries.wants_person`."""
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("affiliate_id", sa.String(64), nullable=True),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.Column("claimed_at", TIMESTAMP, nullable=True),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("claimed_by_name", sa.String(100), nullable=True),
        sa.Column("first_reply_at", TIMESTAMP, nullable=True),
        sa.Column("ended_at", TIMESTAMP, nullable=True),
        sa.Column("notify_status", sa.String(20), nullable=False),
        sa.Column("notify_attempts", sa.Integer(), nullable=False),
        sa.Column("notify_next_at", TIMESTAMP, nullable=False),
        sa.Column("notify_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["claimed_by"], ["users.id"], name=op.f("fk_handoffs_claimed_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index(op.f("ix_handoffs_conversation_id"), "handoffs", ["conversation_id"])
    op.create_index(op.f("ix_handoffs_status"), "handoffs", ["status"])
    op.create_index(op.f("ix_handoffs_affiliate_id"), "handoffs", ["affiliate_id"])
    op.create_index(op.f("ix_handoffs_requested_at"), "handoffs", ["requested_at"])
    op.create_table(
        "console_presence",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=True),
        sa.Column("available_until", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_console_presence_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_console_presence")),
    )
    # A plain ADD COLUMN: on SQLite a batch operation would rebuild `inquiries`, and with foreign
    # keys on, dropping the old table would delete the rows that refer to it.
    op.add_column("inquiries", sa.Column("wants_person", sa.Boolean(create_constraint=False), nullable=False,
                                         server_default=sa.false()))


def downgrade() -> None:
    """Drop what `upgrade` added."""
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("wants_person")
    op.drop_table("console_presence")
    op.drop_index(op.f("ix_handoffs_requested_at"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_affiliate_id"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_status"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_conversation_id"), table_name="handoffs")
    op.drop_table("handoffs")
