"""An action call whose connection the server drops is sent once more (integrations/stack/
action_calls.py), against a real local HTTP server: the first connection is read and then
closed without an answer, as a kept-alive connection the action server closes just as Rasa
reuses it; the second gets the answer. Rasa's own RemoteAction.run loses that call."""
from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from integrations.channels import turns
from integrations.stack import action_calls

ANSWER = {"events": [{"event": "slot", "name": "country", "value": "FR", "timestamp": None}], "responses": []}


class DroppingServer:
    """Drops the first `drops` connections after reading their request; answers the others."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.connections = 0
        self.server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/webhook"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
        if self.connections <= self.drops:
            writer.transport.abort()  # no answer, the connection just goes
            return
        body = json.dumps(ANSWER).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()


async def _call(url: str) -> list:
    return await RemoteAction("validate_intake_form", EndpointConfig(url)).run(
        None, None, DialogueStateTracker("s", []), Domain.empty())


@pytest.fixture
def rasas_own(monkeypatch):
    monkeypatch.setattr(RemoteAction, "run", getattr(RemoteAction.run, "wrapped", RemoteAction.run))


def test_rasa_alone_loses_the_call(rasas_own):
    async def scenario():
        async with DroppingServer(drops=1) as url:
            with pytest.raises(RasaException):
                await _call(url)

    asyncio.run(scenario())


def test_the_dropped_call_is_sent_once_more_and_answered(rasas_own):
    action_calls.install()

    async def scenario():
        server = DroppingServer(drops=1)
        async with server as url:
            with turns.turn() as turn:
                events = await _call(url)
        return server.connections, events, turn

    connections, events, turn = asyncio.run(scenario())
    assert connections == 2 and [event.key for event in events] == ["country"] and not turn.failed


def test_a_second_drop_fails_the_turn(rasas_own):
    action_calls.install()

    async def scenario():
        server = DroppingServer(drops=2)
        async with server as url:
            with turns.turn() as turn:
                with pytest.raises(RasaException):
                    await _call(url)
        return server.connections, turn

    connections, turn = asyncio.run(scenario())
    assert connections == 2 and turn.failed
