"""Talking to a person (issue 14), end to end: a socket.io client as the partner (the widget's
protocol), the console's JSON API as the person, the real Rasa and action servers between them.

Availability is the store's: a staff user's inbox heartbeat is written straight into the
stack's database (the inbox page itself is tested in test_handoff_browser.py)."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
import socketio
from driver import Conversation, get_json

from bot.i18n.catalog import load_catalog
from bot.intake.conversation_keys import conversation_id
from bot.store import make_engine, make_sessionmaker
from bot.store.accounts.users import add_user, user_by_email
from bot.store.clock import utcnow
from bot.store.handoffs import heartbeat, leave

pytestmark = pytest.mark.e2e

STAFF = "desk@example.org"


def _sessions(stack):
    return make_sessionmaker(make_engine(stack.env["INTAKE_DATABASE_URL"]))


def _staff_present(stack, present: bool) -> None:
    """A staff user with the hand-off inbox open (a fresh heartbeat), or nobody at all."""
    with _sessions(stack).begin() as session:
        user = user_by_email(session=session, email=STAFF) or add_user(
            session=session, email=STAFF, role="staff", affiliate_id=None, password_hash="x")
        if present:
            heartbeat(session, user_id=user.id, now=utcnow())
        else:
            leave(session, user_id=user.id)


def _api(stack, method: str, path: str, body: dict | None = None) -> tuple[int, dict | list]:
    request = urllib.request.Request(
        f"{stack.console_url}{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {stack.env['INTAKE_API_TOKEN']}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Partner:
    """The widget's side of socket.io: one session, replies collected as they come."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.key = uuid.uuid4().hex
        self.client = socketio.AsyncClient(reconnection=False)
        self.replies: asyncio.Queue = asyncio.Queue()
        self.signals: list[dict] = []

    async def __aenter__(self) -> Partner:
        confirmed = asyncio.Event()
        self.client.on("session_confirm", lambda data: confirmed.set())

        async def uttered(data):
            if data.get("text") or data.get("buttons") or data.get("quick_replies"):
                await self.replies.put((time.perf_counter(), data))
            else:  # {"handoff": ...}: no reply is coming (the widget stops its typing indicator)
                self.signals.append(data)

        self.client.on("bot_uttered", uttered)
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
        await self.client.emit("session_request", {"session_id": self.key})
        await asyncio.wait_for(confirmed.wait(), 10)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.disconnect()

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.key,
                                                "customData": {"language": "en"}})

    async def hear(self, timeout: float = 30.0, quiet: float = 1.0) -> list[str]:
        """The texts of the replies to come: the first within `timeout`, then any until `quiet` s pass."""
        texts = [(await asyncio.wait_for(self.replies.get(), timeout))[1].get("text", "")]
        while True:
            try:
                texts.append((await asyncio.wait_for(self.replies.get(), quiet))[1].get("text", ""))
            except asyncio.TimeoutError:
                return texts

    async def silent_for(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.replies.get(), seconds)
        except asyncio.TimeoutError:
            return True
        return False


def _tracker_events(stack, conversation: str) -> list[dict]:
    return get_json(f"{stack.rasa_url}/conversations/{conversation}/tracker", stack.rasa_admin_token)["events"]


def test_a_partner_talks_to_a_person_in_the_widget_and_the_assistant_resumes(stack, peers):
    receiver, smtp = peers
    _staff_present(stack, True)

    async def scenario() -> float:
        async with Partner(stack.rasa_url) as partner:
            conversation = conversation_id(partner.key, stack.env["INTAKE_CONVERSATION_SECRET"])
            await partner.say("We are a museum in Lyon and want to donate photos")
            assert any("name of your organisation" in t for t in await partner.hear())
            await partner.say("can I talk to a human please?")
            said = " ".join(await partner.hear())
            assert "person" in said and "Wikimedia" in said, said
            status, waiting = _api(stack, "GET", "/api/conversations?status=waiting")
            assert status == 200 and conversation in [c["conversation_id"] for c in waiting]
            # Staff hear of it: the signed webhook and the e-mail.
            hooks = receiver.wait_for(lambda r: b"conversation.handoff_requested" in r.body
                                      and conversation.encode() in r.body)
            assert hooks and "webhook-signature" in hooks[0].headers
            assert smtp.wait_for(lambda m: "partner-desk@example.org" in (m["To"] or ""))

            # The partner writes while waiting: the person gets it, the assistant stays silent.
            await partner.say("Hello? Is anyone there? I have 3,000 photographs")
            assert await partner.silent_for(2.0)
            assert {"handoff": "waiting"} in partner.signals
            events = _tracker_events(stack, conversation)
            to_person = [e for e in events if e["event"] == "user" and "3,000" in e.get("text", "")]
            assert to_person and to_person[0]["parse_data"]["intent"]["name"] is None  # never the NLU's

            # The person answers through the API; the partner's widget shows it at once.
            started = time.perf_counter()
            status, view = _api(stack, "POST", f"/api/conversations/{conversation}/messages",
                                {"text": "Hello, I'm Ana from the partnerships team. Which collection is it?"})
            assert status == 200 and view["status"] == "with_person", view
            arrived = None
            texts = []
            while arrived is None:
                at, data = await asyncio.wait_for(partner.replies.get(), 10)
                texts.append(data.get("text", ""))
                if "Which collection" in data.get("text", ""):
                    arrived = at - started
            assert any("now talking with a person" in t for t in texts), texts
            froms = [m["from"] for m in view["messages"]]
            assert froms[-1] == "person" and "partner" in froms and "bot" in froms

            await partner.say("Paintings and maps from the 19th century")
            assert await partner.silent_for(1.5)
            _, view = _api(stack, "GET", f"/api/conversations/{conversation}")
            assert view["messages"][-1] == {**view["messages"][-1], "from": "partner",
                                            "text": "Paintings and maps from the 19th century"}

            # Handed back: the assistant resumes the question it had paused.
            status, view = _api(stack, "POST", f"/api/conversations/{conversation}/release")
            assert status == 200 and view["status"] == "bot"
            back = " ".join(await partner.hear())
            assert "back with the assistant" in back and "name of your organisation" in back, back
            await partner.say("Musée des Beaux-Arts de Lyon")
            await partner.hear()
            tracker = get_json(f"{stack.rasa_url}/conversations/{conversation}/tracker", stack.rasa_admin_token)
            assert tracker["slots"]["organization_name"] == "Musée des Beaux-Arts de Lyon"
            assert tracker["slots"]["requested_slot"] != "organization_name"
            assert _api(stack, "POST", f"/api/conversations/{conversation}/release")[0] == 409
            return arrived

    try:
        seconds = asyncio.run(scenario())
    finally:
        _staff_present(stack, False)
    print(f"a person's reply reached the partner's socket {seconds * 1000:.0f} ms after the API call began")
    assert seconds < 10  # the goal is 2 s; the figure is printed above (timing belongs in benchmarks)


def test_over_rest_a_persons_replies_come_back_with_the_next_request(stack):
    _staff_present(stack, True)
    try:
        partner = Conversation(stack.rasa_url, stack.rasa_admin_token, "rest-handoff")
        partner.send("hello")
        said = partner.send("I'd like to speak to a real person").text
        assert "person" in said
        assert partner.send("still there?").replies == []  # to the person: no bot reply
        status, _ = _api(stack, "POST", f"/api/conversations/{partner.conversation_id}/messages",
                         {"text": "Yes! Ana here."})
        assert status == 200
        replies = partner.send("").replies  # a blank message fetches what was said
        assert [r["text"] for r in replies][-1] == "Yes! Ana here."
        assert partner.send("").replies == []  # once
        assert _api(stack, "POST", f"/api/conversations/{partner.conversation_id}/close")[0] == 200
        thanked = partner.send("ok, thanks").text
        assert "ended the conversation" in thanked
    finally:
        _staff_present(stack, False)


def test_with_nobody_available_the_partner_leaves_a_message_that_becomes_an_inquiry(stack, peers):
    receiver, _ = peers
    _staff_present(stack, False)
    partner = Conversation(stack.rasa_url, stack.rasa_admin_token, "nobody-handoff", metadata={"language": "fr"})
    said = partner.send("Bonjour, je voudrais parler à un humain s'il vous plaît").text
    assert "personne" in said.lower(), said  # said honestly, at once, in French
    slots = partner.slots()  # a message is offered, not started: a stray request starts nothing
    assert slots.get("stage") == "offered" and slots.get("handoff") == "noted" and not slots.get("requested_slot")
    answers = {
        "partnership_type": "un don de photos", "organization_name": "Musée de Bretagne",
        "organization_type": "musée", "country": "France", "content_language": "français", "licence": "CC BY-SA",
        "project_description": "Numériser 2 000 cartes postales anciennes", "consent": "oui",
        "contact_name": "Lucie Martin", "contact_email": "lucie.martin@example.org",
    }
    reference = partner.complete_intake("oui, je laisse un message", answers, confirm="oui")
    assert reference, partner.transcript()
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", stack.env["INTAKE_API_TOKEN"])
    assert inquiry["wants_person"] is True
    hooks = receiver.wait_for(lambda r: b"conversation.handoff_requested" in r.body
                              and partner.conversation_id.encode() in r.body)
    assert json.loads(hooks[0].body)["handoff"]["status"] == "missed"
    _, view = _api(stack, "GET", f"/api/conversations/{partner.conversation_id}")
    assert view["handoff"]["status"] == "missed" and view["status"] == "bot"


def test_a_partner_nobody_picks_up_is_told_and_the_intake_goes_on(stack):
    """What the worker does after INTAKE_HANDOFF_WAIT_MINUTES (tests/integration/test_handoff_sweep.py
    checks when): Rasa's `execute` of action_handoff_unclaimed, here called as the worker calls it."""
    _staff_present(stack, True)
    try:
        partner = Conversation(stack.rasa_url, stack.rasa_admin_token, "unclaimed-handoff",
                               metadata={"language": "es"})
        partner.send("Somos un museo en Lima y queremos donar fotografías")
        paused = partner.slots()["requested_slot"]
        assert paused == "organization_name", partner.transcript()
        assert "persona" in partner.send("¿Puedo hablar con una persona?").text
    finally:
        _staff_present(stack, False)
    request = urllib.request.Request(
        f"{stack.rasa_url}/conversations/{partner.conversation_id}/execute?output_channel=latest",
        data=json.dumps({"name": "action_handoff_unclaimed"}).encode(), method="POST",
        headers={"Authorization": f"Bearer {stack.rasa_admin_token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    # Over REST, what was said out of band comes first in the reply to the next request.
    told = partner.send("Museo de Arte de Lima").replies
    texts = [r["text"] for r in told]
    assert "nadie" in texts[0].lower(), texts  # said in Spanish
    assert any(b["payload"] == "/request_human" for b in told[0].get("buttons", []))
    asked_again = {str(v["text"]).strip() for v in load_catalog("es").responses[f"utter_ask_{paused}"]}
    assert texts[1].strip() in asked_again, texts
    tracker = get_json(f"{stack.rasa_url}/conversations/{partner.conversation_id}/tracker", stack.rasa_admin_token)
    assert not tracker["paused"] and tracker["slots"][paused] == "Museo de Arte de Lima"
    _, view = _api(stack, "GET", f"/api/conversations/{partner.conversation_id}")
    assert view["handoff"]["status"] == "missed" and view["status"] == "bot"
