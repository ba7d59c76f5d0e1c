"""The submit path (slots -> qualify -> route -> store) and the submit action on real databases,
including a database that cannot be reached."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions import runtime
from actions.summary import ActionSubmitInquiry
from bot.intake.service import StoreUnavailable, sessionmaker_for, submit
from bot.routing import default_router
from bot.settings import Settings
from bot.store import list_inquiries, make_engine, make_sessionmaker
from bot.store.tables import inquiries

SLOTS = {
    "language": "en", "partnership_type": "content_donation", "organization_name": "Musée de Lyon",
    "organization_type": "museum", "country": "FR", "content_language": "fr", "licence": "cc_by_sa",
    "project_description": "2,000 photos", "consent": True, "contact_name": "Camille",
    "contact_email": "camille@example.org",
}
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1"


def test_submit_routes_qualifies_and_is_idempotent(sessionmaker):
    router = default_router()
    first = submit(sessionmaker=sessionmaker, router=router, conversation_id="c1", slots=SLOTS)
    again = submit(sessionmaker=sessionmaker, router=router, conversation_id="c1", slots=SLOTS)
    assert first.reference == again.reference
    assert (first.affiliate_id, first.affiliate_name, first.tier) == ("wm-fr", "Wikimédia France", "qualified")
    assert "France" in first.reason
    with sessionmaker.begin() as session:
        assert len(list_inquiries(session=session, conversation_id="c1")) == 1


def test_no_consent_keeps_no_contact_details(sessionmaker):
    slots = dict(SLOTS, consent=False)
    result = submit(sessionmaker=sessionmaker, router=default_router(), conversation_id="c2", slots=slots)
    with sessionmaker.begin() as session:
        (item,) = list_inquiries(session=session, conversation_id="c2")
    assert item["contact"] == {"name": None, "email": None} and item["consent"] is False
    assert result.tier == "needs_review"


def test_unreachable_database_raises_store_unavailable_and_writes_nothing():
    broken = make_sessionmaker(make_engine(UNREACHABLE))
    with pytest.raises(StoreUnavailable):
        submit(sessionmaker=broken, router=default_router(), conversation_id="c3", slots=SLOTS)


def test_an_unreachable_database_at_first_use_is_store_unavailable():
    with pytest.raises(StoreUnavailable):
        sessionmaker_for(UNREACHABLE)


def test_submit_action_tells_the_partner_when_saving_failed(monkeypatch, tmp_path):
    monkeypatch.setattr(runtime, "settings", lambda: Settings(database_url=UNREACHABLE))
    dispatcher = CollectingDispatcher()
    tracker = Tracker("c4", dict(SLOTS, stage="summary"), {"text": "yes", "intent": {"name": "affirm"}},
                      [], False, None, {}, "action_listen")
    events = asyncio.run(ActionSubmitInquiry().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_submit_failed"
    assert events == [SlotSet("stage", "summary")]


def test_submit_action_stores_and_answers_with_reference(monkeypatch, db_url):
    maker = sessionmaker_for(db_url)
    monkeypatch.setattr(runtime, "sessionmaker", lambda: maker)
    dispatcher = CollectingDispatcher()
    tracker = Tracker("c5", dict(SLOTS, stage="summary"), {"text": "yes", "intent": {"name": "affirm"}},
                      [], False, None, {}, "action_listen")
    events = asyncio.run(ActionSubmitInquiry().run(dispatcher, tracker, {}))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_submitted" and message["affiliate_name"] == "Wikimédia France"
    assert SlotSet("stage", "submitted") in events
    with maker.begin() as session:
        assert session.execute(select(func.count()).select_from(inquiries)).scalar_one() == 1
