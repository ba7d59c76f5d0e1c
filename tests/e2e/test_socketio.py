"""The socket.io channel that the website widget uses (session persistence, customData)."""
from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio

pytestmark = pytest.mark.e2e


async def _talk(url: str, messages: list[str]) -> list[dict]:
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    session_id = uuid.uuid4().hex

    @client.on("session_confirm")
    async def _confirm(data):  # noqa: ARG001
        confirmed.set()

    @client.on("bot_uttered")
    async def _bot(data):
        await received.put(data)

    await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        replies = []
        for message in messages:
            await client.emit("user_uttered", {"message": message, "session_id": session_id,
                                               "customData": {"language": "en"}})
            replies.append(await asyncio.wait_for(received.get(), 30))
            while not received.empty():
                replies.append(received.get_nowait())
        return replies
    finally:
        await client.disconnect()


def test_socketio_conversation_gets_replies_with_buttons(stack):
    replies = asyncio.run(_talk(stack.rasa_url, ["hello", "We are a museum in Lyon and want to donate photos"]))
    texts = " ".join(r.get("text", "") for r in replies)
    assert "Wikimedia" in texts
    assert any(r.get("quick_replies") or r.get("buttons") for r in replies)
    assert "name of your organisation" in texts
