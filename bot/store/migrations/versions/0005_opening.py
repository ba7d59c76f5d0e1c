"""Inquiries keep the partner's first message (`inquiries.opening`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add `inquiries.opening`."""
    with op.batch_alter_table("inquiries") as batch:
        batch.add_column(sa.Column("opening", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("opening")
