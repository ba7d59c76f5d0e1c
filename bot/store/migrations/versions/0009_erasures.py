"""Erasure and retention: `inquiries.erased_at` and the `erasures` audit table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add `inquiries.erased_at` and create `erasures`."""
    with op.batch_alter_table("inquiries") as batch:
        batch.add_column(sa.Column("erased_at", TIMESTAMP))
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("selector", sa.String(20), nullable=False),
        sa.Column("inquiry_references", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_erasures"),
    )


def downgrade() -> None:
    """Drop what `upgrade` added (and nothing else in the shared database)."""
    op.drop_table("erasures")
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("erased_at")
