"""The hand-off inbox in the console (issue 14): the list and its scoping, claim / reply / hand
back / close through a fake Rasa HTTP API, the live stream (SSE), availability, CSRF."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from console_helpers import CSRF, add_accounts, console_client, log_in
from fakes import FakeDecision
from rasa_events import bot, create_events_table, session_started, slot, user, write_events
from sqlalchemy import select

from bot.i18n.catalog import load_catalog
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry
from bot.store.clock import as_utc, utcnow
from bot.store.tables import console_presence, handoffs, users
from integrations.console import handoffs as console_handoffs

STAFF, STAFF2, FR, US = "staff@example.org", "second@example.org", "fr@example.org", "us@example.org"
T0 = 1_790_000_000.0
ADMIN_SECRET = "an-admin-secret-for-tests-only-0123456789"


class FakeRasa:
    """Rasa's HTTP API as the console uses it: records what is posted; `down` answers 500."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, object]] = []
        self.down = False
        self.url = ""
        self.app = web.Application()
        self.app.router.add_post("/conversations/{id}/tracker/events", self._record)
        self.app.router.add_post("/conversations/{id}/execute", self._record)

    async def _record(self, request: web.Request) -> web.Response:
        if self.down:
            return web.json_response({"error": "down"}, status=500)
        assert request.headers["Authorization"].startswith("Bearer ")
        kind = request.path.rsplit("/", 1)[-1]
        self.posts.append((kind, request.match_info["id"], await request.json()))
        return web.json_response({})


@pytest_asyncio.fixture
async def rasa():
    fake = FakeRasa()
    server = TestServer(fake.app, port=0)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
def world(engine, sessionmaker):
    add_accounts(sessionmaker, {STAFF: None, STAFF2: None, FR: "wm-fr", US: "wikiedu"})
    create_events_table(engine)
    for conv in ("conv-fr", "conv-us", "conv-team"):
        write_events(engine, conv, [
            session_started(t=T0),
            user("We are a museum and want to donate photos", "start_intake", t=T0 + 1),
            slot("organization_type", "museum", t=T0 + 2),
            slot("contact_email", "alex@example.org", t=T0 + 3),
            bot("What is the name of your organisation?", t=T0 + 4),
            user("Can I talk to a person?", "request_human", t=T0 + 5),
            {"event": "pause", "timestamp": T0 + 6},
        ])
    with sessionmaker.begin() as session:
        for conv, affiliate in (("conv-fr", "wm-fr"), ("conv-us", "wikiedu")):
            inquiry = Inquiry(conversation_id=conv, partnership_type=PartnershipType.CONTENT_DONATION,
                              organization_name=conv, organization_type=OrganizationType.MUSEUM, country="FR",
                              contact_email="alex@example.org", consent=False)
            submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                           decision=FakeDecision(affiliate_id=affiliate))
        now = utcnow()
        for minutes, (conv, affiliate, language) in enumerate(
                (("conv-team", None, "es"), ("conv-fr", "wm-fr", "fr"), ("conv-us", "wikiedu", "en"))):
            session.execute(handoffs.insert().values(
                conversation_id=conv, status="waiting", language=language, affiliate_id=affiliate,
                requested_at=now - timedelta(minutes=7 + minutes), notify_status="sent", notify_attempts=1,
                notify_next_at=now))


@pytest.fixture
def joined(monkeypatch):
    """The "a person has joined" line: the catalogue's, or a stand-in while the six languages'
    hand-off lines are not in bot/responses yet."""
    if "utter_handoff_joined_team" not in load_catalog("en").responses:
        monkeypatch.setattr(console_handoffs, "joined_text", lambda app, handoff: "A person has joined.")
    return console_handoffs.joined_text


@pytest_asyncio.fixture
async def clients(db_url, world, rasa, joined):
    made = []

    async def make(email):
        client = await console_client(db_url, rasa_url=rasa.url, rasa_admin_secret=ADMIN_SECRET)
        await log_in(client, email)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


async def _token(client, path):
    response = await client.get(path)
    assert response.status == 200, (path, response.status)
    return CSRF.search(await response.text()).group(1)


async def _post(client, conv, action, **form):
    token = await _token(client, f"/console/handoffs/{conv}")
    return await client.post(f"/console/handoffs/{conv}/{action}", data={"csrf_token": token, **form},
                             allow_redirects=False)


def _status(sessionmaker, conv):
    with sessionmaker.begin() as session:
        return session.execute(select(handoffs.c.status, handoffs.c.claimed_by, handoffs.c.first_reply_at)
                               .where(handoffs.c.conversation_id == conv)).one()


@pytest.mark.asyncio
async def test_staff_see_every_open_handoff_and_an_affiliate_only_its_own(clients):
    staff = await clients(STAFF)
    html = await (await staff.get("/console/handoffs")).text()
    for conv in ("conv-fr", "conv-us", "conv-team"):
        assert f'href="/console/handoffs/{conv}"' in html
    assert "Spanish" in html and "French" in html and "waiting for a person" in html
    assert html.index("conv-team") < html.index("conv-fr") < html.index("conv-us")  # newest first
    assert "7 min" in html
    assert '<span data-waiting>3</span>' in html  # the nav's count

    fr = await clients(FR)
    html = await (await fr.get("/console/handoffs")).text()
    assert "conv-fr" in html and "conv-us" not in html and "conv-team" not in html
    assert '<span data-waiting>1</span>' in html
    for other in ("conv-us", "conv-team", "nobody"):
        assert (await fr.get(f"/console/handoffs/{other}")).status == 404, other
        assert (await fr.get(f"/console/handoffs/events?conversation={other}")).status == 404, other
    page = await fr.get("/console/handoffs/conv-fr")
    assert page.status == 200
    token = CSRF.search(await page.text()).group(1)
    refused = await fr.post("/console/handoffs/conv-us/claim", data={"csrf_token": token}, allow_redirects=False)
    assert refused.status == 404


@pytest.mark.asyncio
async def test_a_handoff_page_shows_the_transcript_and_the_answers_without_contact_details(clients):
    staff = await clients(STAFF)
    html = await (await staff.get("/console/handoffs/conv-team")).text()
    assert html.index("We are a museum") < html.index("What is the name") < html.index("Can I talk to a person?")
    assert "<dt>Type of organisation</dt><dd class=\"text\">Museum" in html
    assert "alex@example.org" not in html and "(withheld: no consent)" in html
    assert "handed to a person" in html and 'src="/console/static/handoffs.js"' in html
    for action in ("claim", "reply", "release", "close"):
        assert f'action="/console/handoffs/conv-team/{action}"' in html
    assert "<script>" not in html  # no inline script: the CSP stays strict
    script = await staff.get("/console/static/handoffs.js")
    assert script.status == 200 and "javascript" in script.content_type


@pytest.mark.asyncio
async def test_two_people_claim_at_once_one_gets_it_the_other_is_told(clients, rasa, sessionmaker):
    first, second = await clients(STAFF), await clients(STAFF2)
    tokens = [await _token(c, "/console/handoffs/conv-team") for c in (first, second)]
    answers = await asyncio.gather(*(
        c.post("/console/handoffs/conv-team/claim", data={"csrf_token": t}, allow_redirects=False)
        for c, t in zip((first, second), tokens, strict=True)))
    assert sorted(a.status for a in answers) == [303, 409]
    loser = next(a for a in answers if a.status == 409)
    assert "has just claimed this conversation" in await loser.text()
    assert [p[0] for p in rasa.posts] == ["events"]  # one "a person has joined", not two
    assert rasa.posts[0][2][0]["metadata"] == {"out_of_band": True, "from": "bot"}
    assert _status(sessionmaker, "conv-team").status == "with_person"
    # Later, too: claiming (or replying to) a hand-off someone else has is refused on the page.
    again = await _post(second if loser is answers[1] else first, "conv-team", "claim")
    assert again.status == 409 and "has just claimed" in await again.text()


@pytest.mark.asyncio
async def test_a_reply_reaches_the_conversation_after_the_joined_notice(clients, rasa, sessionmaker, joined):
    staff = await clients(STAFF)
    token = await _token(staff, "/console/handoffs/conv-team")
    answer = await staff.post("/console/handoffs/conv-team/reply", headers={"Accept": "application/json"},
                              data={"csrf_token": token, "text": "Hola, soy Ana. ¿En qué puedo ayudarle?"})
    assert answer.status == 200 and (await answer.json())["ok"] is True
    (kind, conv, sent), = rasa.posts
    assert (kind, conv) == ("events", "conv-team")
    assert [e["event"] for e in sent] == ["bot", "bot"]
    assert sent[0]["metadata"] == {"out_of_band": True, "from": "bot"}
    assert sent[0]["text"] == joined(staff.server.app, {"language": "es", "affiliate_id": None})
    assert sent[1]["text"] == "Hola, soy Ana. ¿En qué puedo ayudarle?"
    assert sent[1]["metadata"] == {"out_of_band": True, "from": "person", "person": STAFF}
    status = _status(sessionmaker, "conv-team")
    assert status.status == "with_person" and status.first_reply_at is not None

    # The second reply, as a plain form post: no second notice, 303 back to the page.
    answer = await _post(staff, "conv-team", "reply", text="Un momento, por favor.")
    assert answer.status == 303 and answer.headers["Location"] == "/console/handoffs/conv-team?done=sent"
    assert [e["text"] for e in rasa.posts[-1][2]] == ["Un momento, por favor."]


@pytest.mark.asyncio
async def test_refusals_are_messages_on_the_page_never_a_server_error(clients, rasa):
    staff = await clients(STAFF)
    empty = await _post(staff, "conv-team", "reply", text="   ")
    assert empty.status == 400 and "The reply is empty." in await empty.text()
    rasa.down = True
    down = await _post(staff, "conv-team", "reply", text="Hello")
    assert down.status == 503 and "Could not reach the conversation" in await down.text()
    token = await _token(staff, "/console/handoffs/conv-team")
    as_json = await staff.post("/console/handoffs/conv-team/release", headers={"Accept": "application/json"},
                               data={"csrf_token": token})
    assert as_json.status == 503 and "Could not reach" in (await as_json.json())["error"]


@pytest.mark.asyncio
async def test_hand_back_and_close_run_the_assistants_actions(clients, rasa, sessionmaker):
    staff = await clients(STAFF)
    released = await _post(staff, "conv-team", "release")
    assert released.status == 303
    closed = await _post(staff, "conv-fr", "close")
    assert closed.status == 303 and closed.headers["Location"] == "/console/handoffs/conv-fr?done=closed"
    assert rasa.posts == [("execute", "conv-team", {"name": "action_resume_intake"}),
                          ("execute", "conv-fr", {"name": "action_close_handoff"})]
    # The action ends the hand-off in the store (here by hand): the page then says so, with no actions.
    with sessionmaker.begin() as session:
        session.execute(handoffs.update().where(handoffs.c.conversation_id == "conv-team")
                        .values(status="released", ended_at=utcnow()))
    html = await (await staff.get("/console/handoffs/conv-team")).text()
    assert "This hand-off has ended: handed back to the assistant." in html and "/reply" not in html
    late = await _post(staff, "conv-team", "close")
    assert late.status == 409 and "This hand-off has ended" in await late.text()


@pytest.mark.asyncio
async def test_forms_without_the_csrf_token_are_refused(clients, rasa, sessionmaker):
    staff = await clients(STAFF)
    for data in ({}, {"csrf_token": "forged"}):
        for action in ("claim", "reply", "release", "close"):
            answer = await staff.post(f"/console/handoffs/conv-team/{action}", data={**data, "text": "hi"},
                                      allow_redirects=False)
            assert answer.status == 403, (action, data)
        answer = await staff.post("/console/handoffs/availability", data={**data, "hours": "2"},
                                  allow_redirects=False)
        assert answer.status == 403
    assert rasa.posts == [] and _status(sessionmaker, "conv-team").status == "waiting"


def _presence(sessionmaker, email):
    with sessionmaker.begin() as session:
        return session.execute(
            select(console_presence.c.last_seen_at, console_presence.c.available_until)
            .select_from(console_presence.join(users, users.c.id == console_presence.c.user_id))
            .where(users.c.email == email)).first()


@pytest.mark.asyncio
async def test_availability_switch_and_what_the_page_says(clients, sessionmaker):
    fr = await clients(FR)
    html = await (await fr.get("/console/handoffs")).text()
    assert "You count as available while this inbox is open" in html
    token = CSRF.search(html).group(1)
    answer = await fr.post("/console/handoffs/availability", data={"csrf_token": token, "hours": "2"},
                           allow_redirects=False)
    assert answer.status == 303
    until = as_utc(_presence(sessionmaker, FR).available_until)
    assert timedelta(hours=1, minutes=59) < until - utcnow() <= timedelta(hours=2)
    html = await (await fr.get("/console/handoffs")).text()
    assert f"You count as available until {until:%H:%M} UTC" in html and "Not available" in html
    off = await fr.post("/console/handoffs/availability", data={"csrf_token": token, "hours": "0"},
                        allow_redirects=False)
    assert off.status == 303 and _presence(sessionmaker, FR).available_until is None
    bad = await fr.post("/console/handoffs/availability", data={"csrf_token": token, "hours": "99"},
                        allow_redirects=False)
    assert bad.status == 400


async def _next_event(response, name, timeout=8.0):
    """The data of the next SSE event called `name` (others are skipped)."""
    async def read():
        fields: dict[str, str] = {}
        while True:
            line = (await response.content.readline()).decode("utf-8")
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if line == "":
                if fields.get("event") == name:
                    return fields
                fields = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(": ")
                fields[key] = value
    return await asyncio.wait_for(read(), timeout)


@pytest.mark.asyncio
async def test_the_live_stream_sends_the_list_new_turns_and_records_presence(clients, engine, sessionmaker):
    staff = await clients(STAFF)
    html = await (await staff.get("/console/handoffs/conv-team")).text()
    after = int(html.split('data-after="', 1)[1].split('"', 1)[0])
    stream = await staff.get(f"/console/handoffs/events?conversation=conv-team&after={after}")
    assert stream.status == 200 and stream.content_type == "text/event-stream"
    assert "default-src 'self'" in stream.headers["Content-Security-Policy"]
    listed = json.loads((await _next_event(stream, "list"))["data"])
    assert [row["conversation_id"] for row in listed["rows"]] == ["conv-team", "conv-fr", "conv-us"]
    assert listed["waiting"] == 3 and listed["rows"][0]["language_name"] == "Spanish"
    status = json.loads((await _next_event(stream, "status"))["data"])
    assert status["status"] == "waiting" and status["open"] is True
    last_seen = _presence(sessionmaker, STAFF).last_seen_at
    assert last_seen is not None and utcnow() - as_utc(last_seen) < timedelta(seconds=10)

    write_events(engine, "conv-team", [user("¿Hay alguien ahí?", "", t=T0 + 60, metadata={"to_person": True})])
    turn = await _next_event(stream, "turn")
    data = json.loads(turn["data"])
    assert data["from"] == "partner" and data["text"] == "¿Hay alguien ahí?" and int(turn["id"]) > after

    with sessionmaker.begin() as session:  # someone claims it: the list and the status change
        session.execute(handoffs.update().where(handoffs.c.conversation_id == "conv-team")
                        .values(status="with_person", claimed_at=utcnow(), claimed_by_name="API"))
    listed = json.loads((await _next_event(stream, "list"))["data"])
    assert listed["waiting"] == 2 and listed["rows"][0]["claimed_by"] == "API"
    assert json.loads((await _next_event(stream, "status"))["data"])["status"] == "with_person"

    stream.close()  # the page is closed: the user no longer counts as present
    for _ in range(50):
        if _presence(sessionmaker, STAFF).last_seen_at is None:
            break
        await asyncio.sleep(0.1)
    assert _presence(sessionmaker, STAFF).last_seen_at is None


@pytest.mark.asyncio
async def test_the_live_stream_resumes_after_the_last_event_id_and_needs_a_login(clients, db_url, engine):
    staff = await clients(STAFF)
    write_events(engine, "conv-fr", [user("Un message", "", t=T0 + 70, metadata={"to_person": True}),
                                     user("Un autre", "", t=T0 + 71, metadata={"to_person": True})])
    stream = await staff.get("/console/handoffs/events?conversation=conv-fr&after=0")
    said = [json.loads((await _next_event(stream, "turn"))["data"]) for _ in range(6)]
    assert [t["from"] for t in said] == ["partner", "bot", "partner", "handoff", "partner", "partner"]
    assert [t["text"] for t in said[-2:]] == ["Un message", "Un autre"]
    stream.close()
    # A reconnecting EventSource says which event it had last.
    mid = await staff.get("/console/handoffs/events?conversation=conv-fr",
                          headers={"Last-Event-ID": str(_event_id(engine, "Un message"))})
    assert json.loads((await _next_event(mid, "turn"))["data"])["text"] == "Un autre"
    mid.close()

    anonymous = await console_client(db_url)
    try:
        answer = await anonymous.get("/console/handoffs/events", allow_redirects=False)
        assert answer.status == 302 and "/console/login" in answer.headers["Location"]
    finally:
        await anonymous.close()


def _event_id(engine, text):
    from bot.store.rasa_events import events
    with engine.connect() as connection:
        for event_id, data in connection.execute(select(events.c.id, events.c.data)
                                                  .where(events.c.sender_id == "conv-fr")):
            if json.loads(data).get("text") == text:
                return event_id
    raise AssertionError(text)
