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


async def _connects(url: str, origin: str) -> bool:
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(url, socketio_path="/socket.io", transports=["websocket"], headers={"Origin": origin},
                             wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        return False
    await client.disconnect()
    return True


def test_only_pages_of_the_allowed_origins_may_connect(stack):
    own = stack.console_url
    assert asyncio.run(_connects(stack.rasa_url, own))
    assert not asyncio.run(_connects(stack.rasa_url, "https://evil.example"))


def test_browsers_get_cors_headers_for_allowed_origins_only(stack):
    import urllib.request

    def polling(origin: str) -> tuple[int, list[str]]:
        request = urllib.request.Request(f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get_all("Access-Control-Allow-Origin") or []

    assert polling(stack.console_url) == (200, [stack.console_url])  # exactly one header, or browsers refuse
    assert polling("https://evil.example")[1] == []
