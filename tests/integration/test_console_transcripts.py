"""Conversations and transcripts in the console, read from Rasa's events table."""
from __future__ import annotations

import json

import pytest
import pytest_asyncio
from console_helpers import CSRF, add_accounts, console_client, log_in
from fakes import FakeDecision
from rasa_events import (
    action,
    active_loop,
    bot,
    create_events_table,
    session_started,
    slot,
    user,
    write_events,
)

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.staff.transcript import turns
from bot.store import submit_inquiry

STAFF, FR, US = "staff@example.org", "fr@example.org", "us@example.org"
EVIL = "<script>alert(1)</script>"
T0 = 1_790_000_000.0


def lyon_events():
    return [
        session_started(t=T0),
        user("We are a museum in Lyon and want to donate photos", "start_intake", 0.93,
             [{"entity": "city", "value": "Lyon", "start": 17, "end": 21}], t=T0 + 1),
        active_loop("intake_form", t=T0 + 1.1),
        slot("country", "FR", t=T0 + 1.2),
        bot("What is the name of your organisation?", t=T0 + 1.3),
        user(EVIL, "nlu_fallback", 0.41, t=T0 + 9),
        action("action_nlu_fallback", t=T0 + 9.1),
        bot("Sorry, I couldn't tell which kind of partnership that is.", t=T0 + 9.2),
        slot("contact_email", "alex@example.org", t=T0 + 20),
    ]


@pytest.fixture
def world(engine, sessionmaker):
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr", US: "wikiedu"})
    create_events_table(engine)
    write_events(engine, "conv-lyon", lyon_events())
    write_events(engine, "conv-gone", [session_started(t=T0), user("hello", "greet", t=T0 + 1),
                                       slot("requested_slot", "organization_type", t=T0 + 2)])
    events_invalid = [session_started(t=T0), user("Atlantis", "inform", t=T0 + 1)]
    invalid = bot("Sorry, I don't know the country Atlantis.", t=T0 + 2)
    invalid["metadata"] = {"utter_action": "utter_invalid_country"}
    write_events(engine, "conv-ohio", events_invalid + [invalid])
    with sessionmaker.begin() as session:
        for conv, affiliate, consent in (("conv-lyon", "wm-fr", False), ("conv-ohio", "wikiedu", True)):
            inquiry = Inquiry(conversation_id=conv, partnership_type=PartnershipType.CONTENT_DONATION,
                              organization_name=conv, organization_type=OrganizationType.MUSEUM, country="FR",
                              contact_email="alex@example.org", consent=consent)
            submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                           decision=FakeDecision(affiliate_id=affiliate))


@pytest_asyncio.fixture
async def client(db_url, world):
    client = await console_client(db_url)
    yield client
    await client.close()


def test_turns_carry_intent_confidence_entities_and_problems():
    rows = [(i, json.dumps(e)) for i, e in enumerate(lyon_events(), start=1)]
    shown = turns(rows, show_contacts=False)
    partner = [t for t in shown if t.kind == "partner"]
    assert partner[0].intent == "start_intake" and partner[0].confidence == 0.93
    assert partner[0].entities[0]["value"] == "Lyon" and partner[1].problem == "not understood"
    assert [t.problem for t in shown if t.kind == "bot"] == [None, "fallback", None]
    assert [t.slot for t in shown if t.kind == "slot"] == ["country", "contact_email"]
    assert shown[-1].value == "(withheld: no consent)" and shown[-1].seconds == 20.0
    assert turns(rows, show_contacts=True)[-1].value == "alex@example.org"


@pytest.mark.asyncio
async def test_staff_see_every_conversation_including_abandoned_ones(client):
    await log_in(client, STAFF)
    html = await (await client.get("/console/conversations")).text()
    assert "3 conversations" in html and "abandoned at the question “Type of organisation”" in html
    abandoned = await (await client.get("/console/conversations?outcome=abandoned")).text()
    assert "conv-gone" in abandoned and "conv-lyon" not in abandoned
    with_fallbacks = await (await client.get("/console/conversations?fallbacks=1")).text()
    assert "conv-lyon" in with_fallbacks and "conv-ohio" not in with_fallbacks
    assert (await client.get("/console/conversations?outcome=lost")).status == 400


@pytest.mark.asyncio
async def test_a_transcript_shows_understanding_and_highlights_problems_as_text(client):
    await log_in(client, STAFF)
    html = await (await client.get("/console/conversations/conv-lyon?detail=1")).text()
    assert "start_intake 0.93" in html and "city=Lyon" in html and "<code>country</code> → FR" in html
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('class="problem"') == 2  # not understood + fallback
    assert "alex@example.org" not in html and "(withheld: no consent)" in html
    ohio = await (await client.get("/console/conversations/conv-ohio?detail=1")).text()
    assert "invalid answer" in ohio and "utter_invalid_country" in ohio


@pytest.mark.asyncio
async def test_an_affiliate_sees_only_conversations_of_its_inquiries(client):
    await log_in(client, FR)
    html = await (await client.get("/console/conversations")).text()
    assert "conv-lyon" in html and "conv-ohio" not in html and "conv-gone" not in html
    for other in ("conv-ohio", "conv-gone", "nobody"):
        assert (await client.get(f"/console/conversations/{other}")).status == 404, other
    assert (await client.get("/console/conversations/conv-lyon")).status == 200


async def _flag(client, sender, form):
    page = await (await client.get(f"/console/conversations/{sender}")).text()
    token = CSRF.search(page).group(1)
    return await client.post(f"/console/conversations/{sender}/flags", data={"csrf_token": token, **form},
                             allow_redirects=False)


def _user_event_id(engine, sender, text):
    from sqlalchemy import select

    from bot.store.rasa_events import events
    with engine.connect() as connection:
        for event_id, data in connection.execute(select(events.c.id, events.c.data).where(events.c.sender_id == sender)):
            if json.loads(data).get("text") == text:
                return event_id
    raise AssertionError(text)


@pytest.mark.asyncio
async def test_staff_flag_a_message_and_the_export_is_valid_rasa_training_data(client, engine, tmp_path, db_url,
                                                                              monkeypatch):
    await log_in(client, STAFF)
    opening = "We are a museum in Lyon and want to donate photos"
    event_id = _user_event_id(engine, "conv-lyon", opening)
    bad = await _flag(client, "conv-lyon", {"event_id": str(event_id), "intent": "start_intake",
                                            "annotated": "We are a museum in [Paris](city) and want to donate photos"})
    assert bad.status == 400
    unknown = await _flag(client, "conv-lyon", {"event_id": str(event_id), "intent": "make_coffee"})
    assert unknown.status == 400
    ok = await _flag(client, "conv-lyon", {"event_id": str(event_id), "intent": "start_intake",
                                           "annotated": "We are a [museum](organization_type) in [Lyon](city) and want to donate photos"})
    assert ok.status == 303
    evil_id = _user_event_id(engine, "conv-lyon", EVIL)
    assert (await _flag(client, "conv-lyon", {"event_id": str(evil_id), "intent": "out_of_scope"})).status == 303
    html = await (await client.get("/console/conversations/conv-lyon?detail=1")).text()
    assert "flagged: should be <code>start_intake</code>" in html

    from bot.cli import main
    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    out = tmp_path / "flagged.yml"
    assert main(["export-training-data", "--out", str(out), "--mark-exported"]) == 0
    text = out.read_text()
    assert "[museum](organization_type) in [Lyon](city)" in text and "- intent: out_of_scope" in text
    from rasa.shared.nlu.training_data.loading import load_data
    data = load_data(str(out))
    assert {m.get("intent") for m in data.training_examples} == {"start_intake", "out_of_scope"}
    assert any(e["entity"] == "city" and e["value"] == "Lyon" for m in data.training_examples for e in m.get("entities", []))
    again = tmp_path / "again.yml"
    assert main(["export-training-data", "--out", str(again)]) == 0
    assert "- intent:" not in again.read_text()  # already exported


@pytest.mark.asyncio
async def test_affiliates_cannot_flag(client, engine):
    await log_in(client, FR)
    event_id = _user_event_id(engine, "conv-lyon", EVIL)
    response = await _flag(client, "conv-lyon", {"event_id": str(event_id), "intent": "greet"})
    assert response.status == 403


AFFIRM = {"title": "Yes, that's right", "payload": "/affirm"}
DENY = {"title": "No", "payload": "/deny"}
DONATION = {"title": "Donate content", "payload": '/inform{"partnership_type": "content_donation"}'}


def click_events():
    """A partner answering with buttons, each answer stored twice (extracted, then validated) as
    rasa_sdk's FormValidationAction returns it, and a slot set again to the value it had."""
    return [
        session_started(t=T0),
        user("Hello", "greet", t=T0 + 1),
        bot("What would you like to do?", t=T0 + 2, buttons=[DONATION]),
        user(DONATION["payload"], "inform", 1.0, t=T0 + 3),
        slot("partnership_type", "content_donation", t=T0 + 3.1),
        slot("partnership_type", "content_donation", t=T0 + 3.2),
        slot("country", "France", t=T0 + 3.3),
        slot("country", "FR", t=T0 + 3.4),
        bot("Is your organisation in France?", t=T0 + 4, buttons=[AFFIRM, DENY]),
        user("/affirm", "affirm", 1.0, t=T0 + 5),
        slot("country", "FR", t=T0 + 5.1),
        slot("partnership_type", "content_donation", t=T0 + 5.2),
        bot("Thank you.", t=T0 + 6),
    ]


def test_a_slot_change_is_listed_once_and_a_repeated_value_not_at_all():
    shown = turns([(i, json.dumps(e)) for i, e in enumerate(click_events(), start=1)], show_contacts=False)
    assert [(t.slot, t.value) for t in shown if t.kind == "slot"] == [("partnership_type", "content_donation"),
                                                                       ("country", "FR")]
    assert all(t.technical for t in shown if t.kind == "slot")


def test_button_clicks_read_as_the_titles_the_assistant_offered():
    shown = turns([(i, json.dumps(e)) for i, e in enumerate(click_events(), start=1)], show_contacts=False)
    partner = [(t.text, t.payload) for t in shown if t.kind == "partner"]
    assert partner == [("Hello", None), ("Donate content", DONATION["payload"]), ("Yes, that's right", "/affirm")]
    # A payload the assistant did not offer just then stays as it was typed.
    typed = [session_started(t=T0), bot("Shall we?", t=T0 + 1, buttons=[DENY]), user("/affirm", "affirm", t=T0 + 2)]
    last = turns([(i, json.dumps(e)) for i, e in enumerate(typed, start=1)], show_contacts=False)[-1]
    assert (last.text, last.payload) == ("/affirm", None)


@pytest.mark.asyncio
async def test_a_transcript_reads_as_words_with_technical_detail_behind_a_toggle(client, engine, db_url):
    write_events(engine, "conv-click", click_events())
    await log_in(client, STAFF)
    plain = await (await client.get("/console/conversations/conv-click")).text()
    assert plain.count('<li class="turn') == 6  # three partner lines, three assistant lines
    assert "Yes, that&#39;s right" in plain and "/affirm" not in plain and "Donate content" in plain
    assert "partnership_type" not in plain and "0.93" not in plain and "Review" not in plain
    assert 'href="/console/conversations/conv-click?detail=1"' in plain and "Show technical detail" in plain
    detailed = await (await client.get("/console/conversations/conv-click?detail=1")).text()
    assert detailed.count("<code>country</code> →") == 1 and detailed.count("<code>partnership_type</code> →") == 1
    assert "<code>/affirm</code> affirm 1.00" in detailed and "Hide technical detail" in detailed
    assert "<summary>Review</summary>" in detailed



def test_the_api_keeps_payloads_and_an_affiliates_copy_reads_as_the_console(engine, sessionmaker):
    from bot.store.console.transcripts import conversation_view, delivered_transcript
    create_events_table(engine)
    write_events(engine, "conv-click", click_events())
    with sessionmaker() as session:
        api = conversation_view(session=session, conversation_id="conv-click", scope=None)
        copy = delivered_transcript(session=session, conversation_id="conv-click", consent=False)
    assert api is not None and [m["text"] for m in api["messages"] if m["from"] == "partner"][-1] == "/affirm"
    assert [m["text"] for m in copy if m["from"] == "partner"] == ["Hello", "Donate content", "Yes, that's right"]
