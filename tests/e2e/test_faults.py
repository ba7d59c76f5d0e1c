"""Faults in the conversation path, on real servers (issue 15): the action server killed with
SIGKILL mid-conversation, and a PostgreSQL outage for this stack only (its connections go through
a TCP proxy the test cuts). The partner gets one polite "please send that again" in their
language, never an empty reply and never a reply from a blank conversation; nothing of the
failed turn is stored; once the fault is gone the conversation goes on at the same question."""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import urllib.error
import urllib.request
import uuid

import pytest
import socketio
import sqlalchemy as sa
import yaml
from driver import Conversation, get_json
from tcp_proxy import postgres_behind_proxy

from bot.nlp.train import train
from bot.store import upgrade
from integrations.channels.replies import unavailable_text
from integrations.stack.processes import Stack, base_env, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
PG = os.environ.get("INTAKE_TEST_POSTGRES_URL")
FRENCH = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "intakes", "fr.yml"), encoding="utf-8"))[0]


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    """A stack whose every database connection goes through `proxy`; (stack, proxy, direct URL)."""
    if not PG:
        pytest.skip("INTAKE_TEST_POSTGRES_URL is not set")
    with postgres_behind_proxy(PG, "faults") as (proxy, proxied, direct):
        env = base_env(
            INTAKE_DATABASE_URL=proxied,
            INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()),
            INTAKE_CONSOLE_PORT=str(free_port()), INTAKE_API_TOKEN=secrets.token_urlsafe(32),
            INTAKE_LINK_SECRET=secrets.token_urlsafe(32), INTAKE_SESSION_SECRET=secrets.token_urlsafe(32),
            INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
        )
        upgrade(env["INTAKE_DATABASE_URL"])
        running = Stack(env=env, model=train(), log_dir=tmp_path_factory.mktemp("faults") / "logs")
        running.start()
        try:
            running.wait_ready(timeout=240)
            yield running, proxy, direct
        finally:
            running.stop()


def post(stack: Stack, sender: str, message: str, metadata: dict | None = None) -> tuple[int, object]:
    """(HTTP status, JSON body) of a message to the REST channel, errors included."""
    body = json.dumps({"sender": sender, "message": message, "metadata": metadata or {}}).encode()
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def stored_events(url: str, conversation_id: str) -> int:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                      {"s": conversation_id}).scalar_one()
    finally:
        engine.dispose()


def started_in_french(stack: Stack) -> tuple[Conversation, str]:
    """A French conversation one answer into the form; (conversation, the question asked now)."""
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"faults-{uuid.uuid4().hex[:10]}")
    chat.send(FRENCH["opening"])
    asked = chat.slots()["requested_slot"]
    chat.send(FRENCH["answers"][asked])
    now = chat.slots()
    assert now["language"] == "fr" and now["requested_slot"] not in (None, asked), chat.transcript()
    return chat, now["requested_slot"]


def test_a_killed_action_server_costs_one_polite_retry_and_the_conversation_goes_on(faulty):
    stack, _, direct = faulty
    chat, asked = started_in_french(stack)
    before = stored_events(direct, chat.conversation_id)
    actions = stack.procs["actions"]
    os.killpg(actions.pid, signal.SIGKILL)
    actions.wait()
    try:
        turn = chat.send(FRENCH["answers"][asked])
        assert [r.get("text") for r in turn.replies] == [unavailable_text("fr")], turn.replies
        assert unavailable_text("fr") != unavailable_text("en")
        # Nothing of the failed turn was stored: the conversation is where it was.
        assert stored_events(direct, chat.conversation_id) == before
        assert chat.slots()["requested_slot"] == asked
    finally:
        stack.start_one("actions")
        stack.wait_ready(timeout=120)
    turn = chat.send(FRENCH["answers"][asked])
    after = chat.slots()
    assert after["requested_slot"] != asked and after["language"] == "fr", chat.transcript()
    assert turn.text and unavailable_text("fr") not in turn.text
    assert stored_events(direct, chat.conversation_id) > before


async def _socketio_message(url: str, message: str) -> list[dict]:
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
        await client.emit("user_uttered", {"message": message, "session_id": session_id,
                                           "customData": {"language": "de"}})
        replies = [await asyncio.wait_for(received.get(), 30)]
        await asyncio.sleep(0.5)  # anything else this message brought would have arrived by now
        while not received.empty():
            replies.append(received.get_nowait())
        return replies
    finally:
        await client.disconnect()


def test_a_database_outage_answers_503_politely_and_the_conversation_resumes_after_it(faulty):
    stack, proxy, direct = faulty
    chat, asked = started_in_french(stack)
    before = stored_events(direct, chat.conversation_id)
    token = stack.env["INTAKE_API_TOKEN"]
    proxy.cut()
    try:
        for _ in range(2):  # the next message too: never an answer from a blank conversation
            status, body = post(stack, chat.sender, FRENCH["answers"][asked])
            assert status == 503, body
            assert isinstance(body, dict) and body["text"] == unavailable_text("fr"), body
            assert body["recipient_id"] == chat.conversation_id
        # A conversation the process never saw: the page's language.
        status, body = post(stack, f"faults-new-{uuid.uuid4().hex}", "Hello", {"language": "es"})
        assert (status, body["text"]) == (503, unavailable_text("es")), body
        # The widget's channel: the same request as a bot message, and nothing else.
        replies = asyncio.run(_socketio_message(stack.rasa_url, "Hallo, wir sind ein Museum"))
        assert [r.get("text") for r in replies] == [unavailable_text("de")], replies
        # The console's JSON API: 503, not 500.
        with pytest.raises(urllib.error.HTTPError) as refused:
            get_json(f"{stack.console_url}/api/inquiries", token)
        assert refused.value.code == 503
        assert refused.value.headers.get("Retry-After")
    finally:
        proxy.restore()
    assert stored_events(direct, chat.conversation_id) == before  # nothing half-written
    turn = chat.send(FRENCH["answers"][asked])
    after = chat.slots()
    assert after["language"] == "fr" and after["requested_slot"] != asked, chat.transcript()
    assert turn.text and unavailable_text("fr") not in turn.text
    assert isinstance(get_json(f"{stack.console_url}/api/inquiries", token), (dict, list))
