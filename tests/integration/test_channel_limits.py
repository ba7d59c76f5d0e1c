"""The REST and socket.io channels' rate limits and client hash, on a real Sanic server with the
real channels; the dialogue is a stand-in that echoes, so no model is needed."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import socketio
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.intake.client_cap import CLIENT_METADATA_KEY
from integrations.channels.rest import IntakeRestInput
from integrations.channels.socketio import IntakeSocketIOInput
from integrations.stack.processes import free_port

SECRET = "conversation-secret-for-these-tests-0123456789"


@pytest_asyncio.fixture
async def server(monkeypatch):
    """Both channels on a real port; yields (base URL, the messages the dialogue received)."""
    monkeypatch.setenv("INTAKE_CONVERSATION_SECRET", SECRET)
    monkeypatch.setenv("INTAKE_RATE_CONVERSATION_PER_MINUTE", "6")
    monkeypatch.setenv("INTAKE_RATE_CONVERSATION_BURST", "3")
    monkeypatch.setenv("INTAKE_RATE_CLIENT_PER_MINUTE", "8")
    monkeypatch.setenv("INTAKE_TRUSTED_PROXIES", "127.0.0.1")
    # Sanic 21.12 rewrites its own methods when a server starts; in test mode it keeps the
    # originals, so that a second app in this process can start too.
    monkeypatch.setattr(Sanic, "test_mode", True)
    received: list[UserMessage] = []

    async def dialogue(message: UserMessage) -> None:
        received.append(message)
        # As the dialogue answers: through send_response (the channels count what it sends).
        await message.output_channel.send_response(message.sender_id, {"text": f"echo {message.text}"})

    app = Sanic(f"limits_{uuid.uuid4().hex[:8]}")
    rest = IntakeRestInput()
    app.blueprint(rest.blueprint(dialogue), url_prefix="/webhooks/rest")
    sio = IntakeSocketIOInput.from_credentials({"session_persistence": True, "metadata_key": "customData"})
    app.blueprint(sio.blueprint(dialogue))
    port = free_port()
    running = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert running is not None
    await running.startup()
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        running.close()
        await running.wait_closed()


async def _post(http: aiohttp.ClientSession, url: str, key: str, *, client: str, **extra: Any):
    body = {"sender": key, "message": "hello", **extra}
    async with http.post(url + "/webhooks/rest/webhook", json=body, headers={"X-Forwarded-For": client}) as reply:
        return reply.status, reply.headers.get("Retry-After"), await reply.json()


@pytest.mark.asyncio
async def test_rest_burst_gets_429_with_retry_after_and_other_conversations_go_on(server):
    url, received = server
    key, other = "a" * 40, "b" * 40
    async with aiohttp.ClientSession() as http:
        results = [await _post(http, url, key, client="203.0.113.1") for _ in range(5)]
        assert [status for status, _, _ in results] == [200, 200, 200, 429, 429]
        status, retry_after, body = results[3]
        assert retry_after is not None and int(retry_after) >= 1
        assert set(body) == {"error"} and "too many messages from this conversation" in body["error"]
        assert len(received) == 3  # the dropped messages never reached the dialogue
        # Another conversation from another address is not affected.
        assert (await _post(http, url, other, client="203.0.113.2"))[0] == 200


@pytest.mark.asyncio
async def test_rest_client_limit_counts_every_conversation_of_one_address(server):
    url, _ = server
    async with aiohttp.ClientSession() as http:
        statuses = [(await _post(http, url, f"{i:02d}" + "k" * 38, client="198.51.100.7"))[0] for i in range(10)]
        assert statuses == [200] * 8 + [429, 429]
        status, _, body = await _post(http, url, "z" * 40, client="198.51.100.7")
        assert status == 429 and "this address" in body["error"]
        assert (await _post(http, url, "y" * 40, client="198.51.100.8"))[0] == 200


@pytest.mark.asyncio
async def test_the_client_hash_is_the_channels_never_the_clients(server):
    url, received = server
    async with aiohttp.ClientSession() as http:
        await _post(http, url, "c" * 40, client="192.0.2.10", metadata={CLIENT_METADATA_KEY: "f" * 32, "language": "es"})
        await _post(http, url, "d" * 40, client="192.0.2.10")
        await _post(http, url, "e" * 40, client="192.0.2.11")
    hashes = [message.metadata[CLIENT_METADATA_KEY] for message in received]
    assert hashes[0] != "f" * 32 and received[0].metadata["language"] == "es"
    assert hashes[0] == hashes[1] != hashes[2]
    assert not any("192.0.2" in str(message.metadata) for message in received)  # the address itself is not passed on


@pytest.mark.asyncio
async def test_a_socketio_burst_gets_a_polite_reply_in_the_conversations_language(server):
    url, received = server
    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    key = uuid.uuid4().hex

    @client.on("session_confirm")
    async def _confirm(data):  # noqa: ARG001
        confirmed.set()

    @client.on("bot_uttered")
    async def _bot(data):
        await replies.put(data["text"])

    await client.connect(url, socketio_path="/socket.io", transports=["websocket"],
                         headers={"X-Forwarded-For": "203.0.113.50"})
    try:
        await client.emit("session_request", {"session_id": key})
        await asyncio.wait_for(confirmed.wait(), 10)
        for n in range(5):
            await client.emit("user_uttered", {"message": f"m{n}", "session_id": key, "customData": {"language": "de"}})
        texts = [await asyncio.wait_for(replies.get(), 10) for _ in range(5)]
    finally:
        await client.disconnect()
    assert [t for t in texts if t.startswith("echo")] == ["echo m0", "echo m1", "echo m2"]
    polite = [t for t in texts if not t.startswith("echo")]
    assert len(polite) == 2 and all("Bitte warten Sie einen Moment" in t for t in polite)
    assert [m.text for m in received] == ["m0", "m1", "m2"]
    assert received[0].metadata[CLIENT_METADATA_KEY]
