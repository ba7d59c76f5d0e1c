"""Contact answers kept apart: one encryption key per conversation (`contact_keys`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `contact_keys`."""
    op.create_table(
        "contact_keys",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_contact_keys")),
    )


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_table("contact_keys")
