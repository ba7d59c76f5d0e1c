"""The console's database access: a blocking store function run in a thread, in one transaction.

`read(request, list_inquiries, status="routed")` calls `list_inquiries(session=..., status=...)`
(the store's functions take keyword arguments only). Store calls that belong in one transaction
go together into a function of the caller's, keyword-only like them (respond.py, auth.py).

Reads use the DEFERRED engine, which never waits for SQLite writers; writes use the engine that
takes the write lock up front (both are opened in integrations/console/app.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.orm import sessionmaker

from integrations.console.keys import READS, WRITES

T = TypeVar("T")


async def read(where: web.Request | web.Application, call: Callable[..., T], /, **kwargs: Any) -> T:
    """`call(session=..., **kwargs)` in a read transaction; `where` is the request or the app."""
    return await _run(_app(where)[READS], call, kwargs)


async def write(where: web.Request | web.Application, call: Callable[..., T], /, **kwargs: Any) -> T:
    """`call(session=..., **kwargs)` in a write transaction; `where` is the request or the app."""
    return await _run(_app(where)[WRITES], call, kwargs)


def _app(where: web.Request | web.Application) -> web.Application:
    return where if isinstance(where, web.Application) else where.app


async def _run(factory: sessionmaker, call: Callable[..., T], kwargs: dict[str, Any]) -> T:
    def run() -> T:
        with factory.begin() as session:
            return call(session=session, **kwargs)

    return await asyncio.to_thread(run)
