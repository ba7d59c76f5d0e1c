"""The console app on a real port in its own thread and event loop, for tests that talk to it with
a blocking HTTP client (schemathesis, requests) as any outside client would."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from bot.settings import Settings
from integrations.console import edge
from integrations.console.app import create_app
from integrations.stack.processes import free_port


@contextmanager
def live_console(settings: Settings) -> Iterator[str]:
    """Serve `create_app(settings)` on 127.0.0.1 (the access logger of `make run`); yields its base URL."""
    loop = asyncio.new_event_loop()
    port = free_port()
    runner = web.AppRunner(create_app(settings), access_log_class=edge.AccessLogger)
    started = threading.Event()

    async def serve() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(serve())
        finally:
            started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True, name="live-console")
    thread.start()
    if not started.wait(30) or not runner.sites:
        raise RuntimeError("the console did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
