"""Real local peers for delivery tests: an HTTP receiver and an SMTP server, in threads."""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from aiohttp import web
from aiosmtpd.controller import Controller

from integrations.stack.processes import free_port


@dataclass
class Received:
    headers: dict
    body: bytes


@dataclass
class WebhookReceiver:
    """An aiohttp server on a free port, in its own thread; answers `statuses` in turn, then 200,
    with `bodies` in turn as the response text (then a small JSON)."""

    statuses: list[int] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            pause = self.delays.pop(0) if self.delays else self.delay
            if pause:
                await asyncio.sleep(pause)
            self.requests.append(Received(dict(request.headers), body))
            status = self.statuses.pop(0) if self.statuses else 200
            if self.bodies:
                return web.Response(text=self.bodies.pop(0), status=status)
            return web.json_response({"ok": status < 300}, status=status)

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/hook", handle)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def wait_for(self, predicate, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in list(self.requests) if predicate(r)]
            if found:
                return found
            time.sleep(0.2)
        return []


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


class SmtpServer:
    """aiosmtpd on a free port."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, predicate, timeout: float = 20.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in list(self.inbox.messages) if predicate(m)]
            if found:
                return found
            time.sleep(0.2)
        return []
