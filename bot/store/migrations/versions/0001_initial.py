"""Initial intake schema: organisations, inquiries, routing decisions, status history.

Revision ID: 0001
Revises:
Create Date: 2024-11-24

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the four intake tables."""
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("normalized_name", sa.String(300), nullable=False),
        sa.Column("type", sa.String(40)),
        sa.Column("country", sa.String(2)),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organizations"),
    )
    op.create_index(
        "uq_organizations_normalized_name_country",
        "organizations",
        ["normalized_name", sa.text("coalesce(country, '')")],
        unique=True,
    )
    op.create_table(
        "inquiries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("partnership_type", sa.String(40)),
        sa.Column("organization_id", sa.Integer()),
        sa.Column("country", sa.String(2)),
        sa.Column("region", sa.String(10)),
        sa.Column("content_language", sa.String(10)),
        sa.Column("licence", sa.String(20)),
        sa.Column("description", sa.Text()),
        sa.Column("contact_name", sa.String(300)),
        sa.Column("contact_email", sa.String(320)),
        sa.Column("consent", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("tier", sa.String(20)),
        sa.Column("qualification_reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_inquiries_organization_id_organizations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_inquiries"),
        sa.UniqueConstraint("reference", name="uq_inquiries_reference"),
        sa.UniqueConstraint("conversation_id", name="uq_inquiries_conversation_id"),
    )
    op.create_index("ix_inquiries_status", "inquiries", ["status"])
    op.create_index("ix_inquiries_created_at", "inquiries", ["created_at"])
    op.create_index("ix_inquiries_organization_id", "inquiries", ["organization_id"])
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("affiliate_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("wikimedia_region", sa.String(64)),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("is_current", sa.Boolean(create_constraint=False), nullable=False),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiries.id"],
            name="fk_routing_decisions_inquiry_id_inquiries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_routing_decisions"),
    )
    op.create_index("ix_routing_decisions_inquiry_id", "routing_decisions", ["inquiry_id"])
    op.create_index("ix_routing_decisions_affiliate_id", "routing_decisions", ["affiliate_id"])
    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiries.id"],
            name="fk_status_history_inquiry_id_inquiries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_status_history"),
    )
    op.create_index("ix_status_history_inquiry_id", "status_history", ["inquiry_id"])


def downgrade() -> None:
    """Drop the intake tables (and nothing else in the shared database)."""
    op.drop_table("status_history")
    op.drop_table("routing_decisions")
    op.drop_table("inquiries")
    op.drop_index("uq_organizations_normalized_name_country", table_name="organizations")
    op.drop_table("organizations")
