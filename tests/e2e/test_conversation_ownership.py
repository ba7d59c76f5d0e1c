"""Conversation ownership (DESIGN.md, "Channels"): the partner's client holds a secret session
key; everyone else knows the conversation by an id derived from it. A second client that knows
the conversation id can neither read, talk in nor join the conversation, on REST or socket.io;
bad senders and bodies get a 400 with a reason; the console's conversation API says where a
conversation stands."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest
import socketio
from driver import Conversation, get_json

from bot.intake.conversation_keys import conversation_id

pytestmark = pytest.mark.e2e


def post(stack, body: bytes) -> tuple[int, object]:
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def chat(stack) -> Conversation:
    return Conversation(stack.rasa_url, stack.rasa_admin_token, f"owner-{uuid.uuid4().hex}")


def test_replies_carry_the_derived_conversation_id_and_the_api_knows_it(stack):
    c = chat(stack)
    turn = c.send("We are a museum in Lyon and want to donate photos")
    expected = conversation_id(c.sender, stack.env["INTAKE_CONVERSATION_SECRET"])
    assert {r["recipient_id"] for r in turn.replies} == {expected} and expected != c.sender
    found = get_json(f"{stack.console_url}/api/conversations/{expected}", stack.env["INTAKE_API_TOKEN"])
    assert found["conversation_id"] == expected and found["status"] == "bot" and found["outcome"] == "active"
    assert found["active_form"] == "intake_form" and found["requested_slot"] == c.slots()["requested_slot"]
    assert found["language"] == "en" and found["latest_intent"] and found["inquiry_reference"] is None
    assert found["messages"][0] == {**found["messages"][0], "from": "partner",
                                    "text": "We are a museum in Lyon and want to donate photos"}
    assert any(m["from"] == "bot" for m in found["messages"])


def test_the_conversation_api_needs_a_token_and_knows_no_stranger(stack):
    request = urllib.request.Request(f"{stack.console_url}/api/conversations/{uuid.uuid4().hex}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as unknown:
        get_json(f"{stack.console_url}/api/conversations/{uuid.uuid4().hex}", stack.env["INTAKE_API_TOKEN"])
    assert unknown.value.code == 404


def test_knowing_the_conversation_id_gives_no_access_over_rest(stack):
    owner = chat(stack)
    owner.send("We are a museum in Lyon and want to donate photos")
    owner.send("Musée des Confluences")
    before = owner.slots()
    # The id is 32 hex digits, a well-formed key: used as one, it is another conversation.
    status, replies = post(stack, json.dumps({"sender": owner.conversation_id, "message": "yes"}).encode())
    assert status == 200 and replies
    assert {r["recipient_id"] for r in replies} != {owner.conversation_id}
    assert "Confluences" not in " ".join(r.get("text", "") for r in replies)
    assert owner.slots() == before, "the stranger's message changed nothing in the owner's conversation"


@pytest.mark.parametrize("body", [
    b"42", b"null", b"[]", b"", b"not json", b'"text"',
    json.dumps({"message": "hello"}).encode(),
    json.dumps({"sender": "", "message": "hello"}).encode(),
    json.dumps({"sender": None, "message": "hello"}).encode(),
    json.dumps({"sender": "short", "message": "hello"}).encode(),
    json.dumps({"sender": "a" * 31, "message": "hello"}).encode(),
    json.dumps({"sender": "a" * 129, "message": "hello"}).encode(),
    json.dumps({"sender": "x" * 31 + "\u0000", "message": "hello"}).encode(),
    json.dumps({"sender": "a b" * 20, "message": "hello"}).encode(),
    json.dumps({"sender": 12345678901234567890123456789012345, "message": "hello"}).encode(),
], ids=["number", "null", "list", "empty", "not-json", "string", "no-sender", "blank-sender", "null-sender",
        "short", "31", "129", "nul", "spaces", "numeric"])
def test_a_bad_body_or_sender_is_a_400_with_a_reason(stack, body):
    status, answer = post(stack, body)
    assert status == 400 and isinstance(answer, dict) and answer["error"]


def test_the_shortest_and_longest_keys_are_conversations(stack):
    for key in ("k" * 32, "K-_" * 42 + "ab"):
        status, replies = post(stack, json.dumps({"sender": key, "message": "hello"}).encode())
        assert status == 200 and replies and replies[0]["recipient_id"] == conversation_id(
            key, stack.env["INTAKE_CONVERSATION_SECRET"])


async def _client(url: str, key: str, inbox: asyncio.Queue) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    confirmed = asyncio.Event()

    @client.on("session_confirm")
    async def _confirm(data):  # noqa: ARG001
        confirmed.set()

    @client.on("bot_uttered")
    async def _bot(data):
        await inbox.put(data)

    await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
    await client.emit("session_request", {"session_id": key})
    await asyncio.wait_for(confirmed.wait(), 10)
    return client


async def _drain(inbox: asyncio.Queue, seconds: float) -> list[dict]:
    got = []
    try:
        while True:
            got.append(await asyncio.wait_for(inbox.get(), seconds))
    except asyncio.TimeoutError:
        return got


def test_knowing_the_conversation_id_gives_no_access_over_socketio(stack):
    key = uuid.uuid4().hex
    stolen = conversation_id(key, stack.env["INTAKE_CONVERSATION_SECRET"])

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        owner_inbox: asyncio.Queue = asyncio.Queue()
        thief_inbox: asyncio.Queue = asyncio.Queue()
        owner = await _client(stack.rasa_url, key, owner_inbox)
        thief = await _client(stack.rasa_url, stolen, thief_inbox)  # asks to join by the id
        try:
            await owner.emit("user_uttered", {"message": "We are a museum in Lyon and want to donate photos",
                                              "session_id": key, "customData": {"language": "en"}})
            owner_first = await _drain(owner_inbox, 8)
            thief_heard = await _drain(thief_inbox, 1)
            # The thief even sends the owner's key with its message: dropped, not delivered there.
            await thief.emit("user_uttered", {"message": "Evil Corp", "session_id": key})
            owner_after = await _drain(owner_inbox, 3)
            return owner_first, thief_heard, owner_after
        finally:
            await owner.disconnect()
            await thief.disconnect()

    owner_first, thief_heard, owner_after = asyncio.run(scenario())
    assert owner_first and "name of your organisation" in " ".join(r.get("text", "") for r in owner_first)
    assert thief_heard == [], "a client holding only the conversation id heard the owner's replies"
    assert owner_after == [], "a message from another socket reached the owner's conversation"
    owned = get_json(f"{stack.console_url}/api/conversations/{stolen}", stack.env["INTAKE_API_TOKEN"])
    said = [m["text"] for m in owned["messages"] if m["from"] == "partner"]
    assert said == ["We are a museum in Lyon and want to donate photos"]


@pytest.mark.parametrize("message", ["\\ud800", "caf\\udce9 \\ud83d", "\\u0000hello"])
def test_odd_characters_in_a_message_get_a_reply(stack, message):
    key = f"odd-{uuid.uuid4().hex}"
    body = ('{"sender": "' + key + '", "message": "' + message + '"}').encode()  # JSON escapes as sent
    status, replies = post(stack, body)
    assert status == 200 and replies and all(r.get("text") for r in replies)
    status, replies = post(stack, json.dumps({"sender": key, "message": "hello"}).encode())
    assert status == 200 and "Wikimedia" in " ".join(r.get("text", "") for r in replies)
