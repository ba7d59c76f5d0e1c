"""The console web app: `create_app(settings)` with its resources in `cleanup_ctx`."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.delivery.endpoints import load_endpoints
from bot.settings import Settings
from bot.store import make_engine, make_sessionmaker
from integrations.console import api, pages, respond
from integrations.console.auth import bearer_auth_middleware
from integrations.webchat import routes as webchat

#: Columns of data/affiliates.csv published by /api/affiliates (notes stay internal).
AFFILIATE_FIELDS = ("id", "name", "kind", "countries", "subdivisions", "languages", "topics", "website")
_LIST_FIELDS = frozenset({"countries", "subdivisions", "languages", "topics"})


def create_app(settings: Settings) -> web.Application:
    """Build the console application; the database is opened on startup, closed on cleanup."""
    tokens = bearer_auth_middleware(settings.api_token, sessions=lambda request: request.app.get(api.SESSIONS))
    app = web.Application(middlewares=[api.json_errors, tokens])
    app[api.SETTINGS] = settings
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_affiliate_directory)
    app.cleanup_ctx.append(_delivery_endpoints)
    api.add_routes(app)
    respond.add_routes(app)
    pages.setup(app, settings)
    webchat.add_routes(app, settings)
    return app


def load_affiliates(path: Path) -> list[dict[str, Any]]:
    """The affiliate directory as JSON-ready rows; `;`-separated columns become lists."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [_affiliate(row) for row in csv.DictReader(handle)]


def _affiliate(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in AFFILIATE_FIELDS:
        value = (row.get(name) or "").strip()
        if name in _LIST_FIELDS:
            out[name] = [item.strip() for item in value.split(";") if item.strip()]
        else:
            out[name] = value or None
    return out


async def _database(app: web.Application) -> AsyncIterator[None]:
    # The console only reads: DEFERRED transactions never wait for SQLite writers.
    engine = make_engine(app[api.SETTINGS].database_url, sqlite_begin="DEFERRED")
    app[api.ENGINE] = engine
    app[api.SESSIONS] = make_sessionmaker(engine)
    # Accept / decline links write: those transactions take the write lock up front.
    writer = make_engine(app[api.SETTINGS].database_url)
    app[respond.WRITES] = make_sessionmaker(writer)
    try:
        yield
    finally:
        engine.dispose()
        writer.dispose()


async def _affiliate_directory(app: web.Application) -> AsyncIterator[None]:
    app[api.AFFILIATES] = load_affiliates(app[api.SETTINGS].data_dir / "affiliates.csv")
    yield


async def _delivery_endpoints(app: web.Application) -> AsyncIterator[None]:
    """The affiliates' endpoints, needed to deliver an inquiry again after a decline."""
    path = app[api.SETTINGS].endpoints_file
    known = [row["id"] for row in app[api.AFFILIATES]]
    app[respond.ENDPOINTS] = load_endpoints(Path(path), known_affiliates=known) if path else None
    yield
