"""Console work tables: inquiry notes, review flags (the review loop) and per-affiliate API tokens.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `inquiry_notes`, `review_flags` and `api_tokens`."""
    op.create_table(
        "inquiry_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], name="fk_inquiry_notes_inquiry_id_inquiries",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_inquiry_notes_user_id_users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_inquiry_notes"),
    )
    op.create_index("ix_inquiry_notes_inquiry_id", "inquiry_notes", ["inquiry_id"])
    op.create_table(
        "review_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(10)),
        sa.Column("predicted_intent", sa.String(100)),
        sa.Column("correct_intent", sa.String(100), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("exported_at", TIMESTAMP),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_review_flags_user_id_users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_review_flags"),
        sa.UniqueConstraint("event_id", name="uq_review_flags_event_id"),
    )
    op.create_index("ix_review_flags_conversation_id", "review_flags", ["conversation_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("affiliate_id", sa.String(64)),
        sa.Column("disabled", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )


def downgrade() -> None:
    """Drop what `upgrade` added (and nothing else in the shared database)."""
    op.drop_table("api_tokens")
    op.drop_table("review_flags")
    op.drop_table("inquiry_notes")
