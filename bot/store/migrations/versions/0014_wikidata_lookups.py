"""Wikidata lookups (issue 17, item 2): failures in a row, for the worker's retry backoff.

0012 gave organisations their Wikidata columns, the time of the last answered lookup and when
the next one is due; the backoff after a failure doubles with each failure in a row, which the
time of the next retry alone cannot tell.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: Union[str, Sequence[str], None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # A plain ADD COLUMN with a server default (see 0012: no batch rebuild of `organizations`).
    op.add_column("organizations", sa.Column("wikidata_failures", sa.Integer(), nullable=False,
                                             server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("wikidata_failures")
