"""Delivery: the transactional outbox, response links, and the affiliate's response window.

Revision ID: 0002
Revises: 0001
Create Date: 2024-11-24

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def _has_column(table: str, column: str) -> bool:
    return any(c["name"] == column for c in sa.inspect(op.get_bind()).get_columns(table))


def upgrade() -> None:
    """Add `deliveries`, `response_links` and `routing_decisions.response_due_at`."""
    if not _has_column("routing_decisions", "response_due_at"):
        with op.batch_alter_table("routing_decisions") as batch:
            batch.add_column(sa.Column("response_due_at", TIMESTAMP, nullable=True))
            batch.create_index("ix_routing_decisions_response_due_at", ["response_due_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("affiliate_id", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_until", TIMESTAMP),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("delivered_at", TIMESTAMP),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiries.id"],
            name="fk_deliveries_inquiry_id_inquiries",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["routing_decisions.id"],
            name="fk_deliveries_decision_id_routing_decisions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
    )
    op.create_index("ix_deliveries_inquiry_id", "deliveries", ["inquiry_id"])
    op.create_index("ix_deliveries_decision_id", "deliveries", ["decision_id"])
    op.create_index("ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "response_links",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("affiliate_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiries.id"],
            name="fk_response_links_inquiry_id_inquiries",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["routing_decisions.id"],
            name="fk_response_links_decision_id_routing_decisions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_response_links"),
    )
    op.create_index("ix_response_links_inquiry_id", "response_links", ["inquiry_id"])
    op.create_index("ix_response_links_decision_id", "response_links", ["decision_id"])


def downgrade() -> None:
    """Drop what `upgrade` added (and nothing else in the shared database)."""
    op.drop_table("response_links")
    op.drop_table("deliveries")
    with op.batch_alter_table("routing_decisions") as batch:
        batch.drop_index("ix_routing_decisions_response_due_at")
        batch.drop_column("response_due_at")
