"""The console web app: `create_app(settings)` with its resources in `cleanup_ctx`.

The app's keys are in `integrations.console.keys`; the affiliate directory is read by
`bot.routing.directory`, as everywhere else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.delivery.endpoints import load_endpoints
from bot.routing.directory import load_directory
from bot.settings import Settings
from bot.store import make_engine, make_sessionmaker
from integrations.console import (
    api,
    edge,
    observed,
    organisation_api,
    pages,
    recognition_unsubscribe,
    respond,
)
from integrations.console.auth import bearer_auth_middleware
from integrations.console.keys import DIRECTORY, ENDPOINTS, ENGINE, RASA, READS, SETTINGS, WRITES
from integrations.console.rasa_api import RasaApi
from integrations.webchat import routes as webchat


def create_app(settings: Settings) -> web.Application:
    """Build the console application; the database is opened on startup, closed on cleanup."""
    tokens = bearer_auth_middleware(settings.api_token, token_table=True)
    app = web.Application(middlewares=[observed.observed, edge.hardened, edge.database_outage, api.json_errors, tokens])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_affiliate_directory)
    app.cleanup_ctx.append(_delivery_endpoints)
    app.cleanup_ctx.append(_rasa_api)
    api.add_routes(app)
    organisation_api.add_routes(app)
    observed.add_routes(app)
    respond.add_routes(app)
    recognition_unsubscribe.add_routes(app)
    pages.setup(app, settings)
    webchat.add_routes(app, settings)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    # The console mostly reads: DEFERRED transactions never wait for SQLite writers.
    engine = make_engine(app[SETTINGS].database_url, sqlite_begin="DEFERRED")
    app[ENGINE] = engine
    app[READS] = make_sessionmaker(engine)
    # Accept / decline links and the pages' forms write: those transactions take the write lock up front.
    writer = make_engine(app[SETTINGS].database_url)
    app[WRITES] = make_sessionmaker(writer)
    try:
        yield
    finally:
        engine.dispose()
        writer.dispose()


async def _affiliate_directory(app: web.Application) -> AsyncIterator[None]:
    app[DIRECTORY] = load_directory(app[SETTINGS].data_dir)
    yield


async def _delivery_endpoints(app: web.Application) -> AsyncIterator[None]:
    """The affiliates' endpoints, needed to deliver an inquiry again after a decline."""
    path = app[SETTINGS].endpoints_file
    known = [affiliate.id for affiliate in app[DIRECTORY]]
    app[ENDPOINTS] = load_endpoints(Path(path), known_affiliates=known) if path else None
    yield


async def _rasa_api(app: web.Application) -> AsyncIterator[None]:
    """The client of Rasa's HTTP API that writes a person's messages into conversations."""
    client = RasaApi(app[SETTINGS])
    app[RASA] = client
    try:
        yield
    finally:
        await client.close()
