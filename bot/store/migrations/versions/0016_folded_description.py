"""The description folded for the console's search (`inquiries.description_folded`).

Backfilled here with the same folding as new inquiries get (bot.store.names.normalize_org_name);
erased descriptions stay without one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from bot.store.names import normalize_org_name

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: Union[str, Sequence[str], None] = "0015"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: Rows read and written per round trip while backfilling.
BATCH = 5_000


def upgrade() -> None:
    """Add the column (plain ADD COLUMN: a batch would rebuild `inquiries`, which other tables
    refer to) and fold every description not erased, in batches by id."""
    op.add_column("inquiries", sa.Column("description_folded", sa.Text(), nullable=True))
    table = sa.table("inquiries", sa.column("id", sa.Integer), sa.column("description", sa.Text),
                     sa.column("erased_at", sa.DateTime), sa.column("description_folded", sa.Text))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.description)
            .where(table.c.id > last, table.c.description.isnot(None), table.c.erased_at.is_(None))
            .order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")).values(description_folded=sa.bindparam("folded")),
            [{"row_id": row.id, "folded": normalize_org_name(row.description) or None} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    """Drop what `upgrade` added."""
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("description_folded")
