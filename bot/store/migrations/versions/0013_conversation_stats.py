"""The analytics consumer's per-conversation, per-week facts: `conversation_stats`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create `conversation_stats`."""
    op.create_table(
        "conversation_stats",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("began_at", sa.Float(), nullable=False),
        sa.Column("form_began_at", sa.Float(), nullable=True),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("seen", sa.JSON(), nullable=False),
        sa.Column("requested_slot", sa.String(100), nullable=True),
        sa.Column("requested_slot_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", "week", name=op.f("pk_conversation_stats")),
    )
    op.create_index(op.f("ix_conversation_stats_week"), "conversation_stats", ["week"])


def downgrade() -> None:
    """Drop `conversation_stats`."""
    op.drop_index(op.f("ix_conversation_stats_week"), table_name="conversation_stats")
    op.drop_table("conversation_stats")
