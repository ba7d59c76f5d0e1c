"""The inquiry cap per client address: `inquiry_clients` (keyed hashes, kept for an hour).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create `inquiry_clients`."""
    op.create_table(
        "inquiry_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inquiry_clients"),
    )
    op.create_index("ix_inquiry_clients_created_at", "inquiry_clients", ["created_at"])
    op.create_index("ix_inquiry_clients_client_hash_created_at", "inquiry_clients", ["client_hash", "created_at"])


def downgrade() -> None:
    op.drop_table("inquiry_clients")
