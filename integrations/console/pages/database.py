"""The console pages' database access: blocking store calls run in a thread.

Reads use the console's DEFERRED engine (never waiting for SQLite writers); writes use the one
that takes the write lock up front (see integrations/console/app.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from integrations.console.api import SESSIONS
from integrations.console.respond import WRITES

T = TypeVar("T")


async def read(request: web.Request, query: Callable[..., T], **kwargs: Any) -> T:
    """Run `query(session=..., **kwargs)` in a read transaction."""
    return await _run(request.app[SESSIONS], query, kwargs)


async def write(request: web.Request, command: Callable[..., T], **kwargs: Any) -> T:
    """Run `command(session=..., **kwargs)` in a write transaction."""
    return await _run(request.app[WRITES], command, kwargs)


async def _run(factory: Any, call: Callable[..., T], kwargs: dict[str, Any]) -> T:
    def run() -> T:
        with factory.begin() as session:
            return call(session=session, **kwargs)

    return await asyncio.to_thread(run)
