"""Integration fixtures: a real database per test, SQLite always, PostgreSQL when configured.

PostgreSQL runs when INTAKE_TEST_POSTGRES_URL is set (e.g.
postgresql://postgres@127.0.0.1:5432/test); each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
import socketio_client_compat  # noqa: F401 - the socket.io client of test_channel_limits.py
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker as SessionMaker

from bot.store import make_engine, make_sessionmaker, upgrade

POSTGRES_ENV = "INTAKE_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database URL of each backend; not yet migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set; PostgreSQL tests skipped")
    yield from _postgres_schema(base)


def _postgres_schema(base: str) -> Iterator[str]:
    schema = "it_" + secrets.token_hex(6)
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated database."""
    upgrade(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessionmaker(engine: Engine) -> SessionMaker:
    """A session factory bound to `engine`."""
    return make_sessionmaker(engine)
