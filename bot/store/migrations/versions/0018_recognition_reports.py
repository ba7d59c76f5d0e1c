"""Recognition reports (issue 17, item 6): `recognition_reports`, one row per partnership and
reported month, and `partnerships.reports_stopped_at` (the partner's unsubscribe).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: Union[str, Sequence[str], None] = "0017"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the column (plain ADD COLUMN, nullable) and create `recognition_reports`."""
    op.add_column("partnerships", sa.Column("reports_stopped_at", TIMESTAMP, nullable=True))
    op.create_table(
        "recognition_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("claimed_until", TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("files", sa.Integer(), nullable=True),
        sa.Column("articles", sa.Integer(), nullable=True),
        sa.Column("views", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                name=op.f("fk_recognition_reports_partnership_id_partnerships"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_reports")),
        sa.UniqueConstraint("partnership_id", "month", name=op.f("uq_recognition_reports_partnership_id_month")),
    )


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_table("recognition_reports")
    with op.batch_alter_table("partnerships") as batch:
        batch.drop_column("reports_stopped_at")
