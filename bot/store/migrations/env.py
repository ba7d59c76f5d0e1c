"""Alembic environment of the intake store.

Run programmatically by `bot.store.schema.upgrade(url)`, which hands over an open connection in
`config.attributes["connection"]`; a plain `alembic` command line works too when the URL is in
the config (`sqlalchemy.url`) or in `INTAKE_DATABASE_URL`. Only the tables of
`bot.store.tables.metadata` are ours: Rasa's tracker store (`events`) and anything else in the
shared database is ignored by autogenerate.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import context

from bot.store.tables import OWNED_TABLES, metadata

config = context.config
target_metadata = metadata


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Autogenerate filter: consider only the tables this package owns."""
    if type_ == "table":
        return name in OWNED_TABLES
    return True


def _configure_kwargs() -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "include_name": include_name,
        "compare_type": True,
        "render_as_batch": True,  # SQLite cannot ALTER most things; batch mode copes
    }


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("INTAKE_DATABASE_URL")
    if not url:
        from bot.settings import default_database_url

        url = default_database_url()
    return url


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(url=_url(), literal_binds=True, **_configure_kwargs())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the connection given by the caller, or one of our own."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **_configure_kwargs())
        with context.begin_transaction():
            context.run_migrations()
        return
    from bot.store.session import make_engine

    engine = make_engine(_url())
    try:
        with engine.begin() as own_connection:
            context.configure(connection=own_connection, **_configure_kwargs())
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
