"""Organisation records (issue 17): aliases, name words for blocking, website domain, Wikidata
fields, proposals, merge history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: Union[str, Sequence[str], None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMESTAMP = sa.DateTime(timezone=True)
_NEW_COLUMNS = (
    sa.Column("website_domain", sa.String(253), nullable=True),
    sa.Column("wikidata_id", sa.String(20), nullable=True),
    sa.Column("wikidata_label", sa.String(300), nullable=True),
    sa.Column("official_website", sa.String(500), nullable=True),
    sa.Column("commons_category", sa.String(300), nullable=True),
    sa.Column("wikidata_looked_up_at", TIMESTAMP, nullable=True),
    sa.Column("wikidata_retry_at", TIMESTAMP, nullable=True),
    sa.Column("merged_into", sa.Integer(), nullable=True),
)


def upgrade() -> None:
    """Add the record's columns and tables; every existing organisation gets its name as alias."""
    # Plain ADD COLUMNs: a batch operation on SQLite would rebuild `organizations`, and with
    # foreign keys on, dropping the old table would touch the inquiries that refer to it.
    for column in _NEW_COLUMNS:
        op.add_column("organizations", column)
    for name in ("website_domain", "wikidata_id", "merged_into"):
        op.create_index(op.f(f"ix_organizations_{name}"), "organizations", [name])
    op.create_table(
        "organization_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("normalized_name", sa.String(300), nullable=False),
        sa.Column("match_key", sa.String(300), nullable=False),
        sa.Column("first_seen_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_organization_aliases_organization_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_aliases")),
        sa.UniqueConstraint("organization_id", "normalized_name",
                            name=op.f("uq_organization_aliases_organization_id_normalized_name")),
    )
    op.create_index(op.f("ix_organization_aliases_organization_id"), "organization_aliases", ["organization_id"])
    op.create_table(
        "organization_name_words",
        sa.Column("alias_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(100), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.ForeignKeyConstraint(["alias_id"], ["organization_aliases.id"],
                                name=op.f("fk_organization_name_words_alias_id_organization_aliases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alias_id", "word", name=op.f("pk_organization_name_words")),
    )
    op.create_index("ix_organization_name_words_country_word", "organization_name_words", ["country", "word"])
    op.create_table(
        "organization_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_organization_proposals_organization_id_organizations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["organizations.id"],
                                name=op.f("fk_organization_proposals_other_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_proposals")),
        sa.UniqueConstraint("organization_id", "other_id",
                            name=op.f("uq_organization_proposals_organization_id_other_id")),
    )
    for name in ("organization_id", "other_id", "status"):
        op.create_index(op.f(f"ix_organization_proposals_{name}"), "organization_proposals", [name])
    op.create_table(
        "organization_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("split_at", TIMESTAMP, nullable=True),
        sa.Column("split_by", sa.String(320), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["organizations.id"],
                                name=op.f("fk_organization_merges_source_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_id"], ["organizations.id"],
                                name=op.f("fk_organization_merges_target_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_merges")),
    )
    op.create_index(op.f("ix_organization_merges_source_id"), "organization_merges", ["source_id"])
    op.create_index(op.f("ix_organization_merges_target_id"), "organization_merges", ["target_id"])
    _aliases_of_existing_organisations()


def _aliases_of_existing_organisations() -> None:
    """Each organisation stored before this revision: its name as its first alias, with its words."""
    from bot.organisations.matching import matching_key  # the running code's key, as new rows get

    bind = op.get_bind()
    orgs = sa.table("organizations", sa.column("id"), sa.column("name"), sa.column("normalized_name"),
                    sa.column("country"), sa.column("created_at"))
    aliases = sa.table("organization_aliases", sa.column("id"), sa.column("organization_id"), sa.column("name"),
                       sa.column("normalized_name"), sa.column("match_key"), sa.column("first_seen_at"),
                       sa.column("last_seen_at"))
    words = sa.table("organization_name_words", sa.column("alias_id"), sa.column("word"), sa.column("country"))
    for org in bind.execute(sa.select(orgs)).all():
        key = matching_key(org.name)
        bind.execute(sa.insert(aliases).values(
            organization_id=org.id, name=org.name, normalized_name=org.normalized_name, match_key=key.text[:300],
            first_seen_at=org.created_at, last_seen_at=org.created_at,
        ))
        alias_id = bind.execute(sa.select(aliases.c.id).where(aliases.c.organization_id == org.id)).scalar_one()
        rows = [{"alias_id": alias_id, "word": w[:100], "country": org.country or ""} for w in set(key.tokens)]
        if rows:
            bind.execute(sa.insert(words), rows)


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_table("organization_merges")
    op.drop_table("organization_proposals")
    op.drop_table("organization_name_words")
    op.drop_table("organization_aliases")
    for name in ("merged_into", "wikidata_id", "website_domain"):
        op.drop_index(op.f(f"ix_organizations_{name}"), table_name="organizations")
    with op.batch_alter_table("organizations") as batch:
        for column in reversed(_NEW_COLUMNS):
            batch.drop_column(column.name)
