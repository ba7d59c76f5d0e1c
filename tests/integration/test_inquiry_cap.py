"""The cap on inquiries per client address per hour, through the submit service and the submit
action on real databases: over the cap the inquiry is kept, held for staff, and sent to no one."""
from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions import runtime
from actions.summary import ActionSubmitInquiry
from bot.delivery.endpoints import load_endpoints
from bot.intake.client_cap import CLIENT_METADATA_KEY, client_hash
from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import Settings
from bot.store import get_inquiry
from bot.store.client_counts import recent_inquiries, record_inquiry
from bot.store.clock import utcnow
from bot.store.tables import deliveries, inquiry_clients, routing_decisions

SLOTS = {
    "language": "en", "partnership_type": "content_donation", "organization_name": "Musée de Lyon",
    "organization_type": "museum", "country": "FR", "content_language": "fr", "licence": "cc_by_sa",
    "project_description": "2,000 photos", "consent": True, "contact_name": "Camille",
    "contact_email": "camille@example.org",
}
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
SCRIPT = client_hash("203.0.113.9", "k" * 40)
PARTNER = client_hash("198.51.100.4", "k" * 40)


def _endpoints(tmp_path):
    path = tmp_path / "endpoints.yml"
    path.write_text(f"default:\n  webhook: {{url: 'http://127.0.0.1:9/hook', secret: '{SECRET}'}}\n")
    return load_endpoints(path, known_affiliates=[a.id for a in default_router().directory.affiliates])


def _count(sessionmaker, table, **where) -> int:
    with sessionmaker.begin() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return session.execute(query).scalar_one()


def test_over_the_cap_an_inquiry_is_held_for_review_without_deliveries(sessionmaker, tmp_path):
    router, endpoints = default_router(), _endpoints(tmp_path)

    def send(conversation: str, client: str):
        return submit(sessionmaker=sessionmaker, router=router, conversation_id=conversation, slots=SLOTS,
                      endpoints=endpoints, client_hash=client, max_per_hour=3)

    first = [send(f"script-{n}", SCRIPT) for n in range(3)]
    assert {s.status.value for s in first} == {"routed"}
    held = send("script-3", SCRIPT)
    # The partner hears the usual confirmation: a reference and who would answer.
    assert held.status.value == "needs_review" and held.reference and held.affiliate_id == "wm-fr"
    with sessionmaker.begin() as session:
        stored = get_inquiry(session=session, reference=held.reference)
    assert stored is not None and stored["status"] == "needs_review"
    assert stored["qualification"]["tier"] == "needs_review"
    assert any("more than 3 inquiries from one address in an hour" in r for r in stored["qualification"]["reasons"])
    assert stored["contact"]["email"] == "camille@example.org"  # nothing lost
    assert _count(sessionmaker, deliveries) == 3  # one per routed inquiry, none for the held one
    assert _count(sessionmaker, routing_decisions) == 3  # no affiliate holds it, so none sees it
    # The same conversation again is the same inquiry (no second count); other clients go on.
    assert send("script-3", SCRIPT).reference == held.reference
    assert send("partner-1", PARTNER).status.value == "routed"
    assert send("no-client", None).status.value == "routed"  # e.g. a channel without an address
    assert _count(sessionmaker, inquiry_clients, client_hash=SCRIPT) == 4


def test_zero_means_no_cap_and_hashes_older_than_an_hour_are_purged(sessionmaker):
    router = default_router()
    for n in range(8):
        result = submit(sessionmaker=sessionmaker, router=router, conversation_id=f"c{n}", slots=SLOTS,
                        client_hash=SCRIPT, max_per_hour=0)
        assert result.status.value == "routed"
    assert _count(sessionmaker, inquiry_clients) == 0  # no cap: nothing kept
    now = utcnow()
    with sessionmaker.begin() as session:
        record_inquiry(session=session, client_hash=SCRIPT, now=now - timedelta(minutes=61))
        record_inquiry(session=session, client_hash=SCRIPT, now=now - timedelta(minutes=59))
    with sessionmaker.begin() as session:
        assert recent_inquiries(session=session, client_hash=SCRIPT, now=now) == 1
    assert _count(sessionmaker, inquiry_clients) == 1  # the older row is gone


def test_the_submit_action_counts_the_channels_client_hash(monkeypatch, db_url):
    from bot.intake.service import sessionmaker_for

    maker = sessionmaker_for(db_url)
    monkeypatch.setattr(runtime, "sessionmaker", lambda: maker)
    monkeypatch.setattr(runtime, "settings", lambda: Settings(database_url=db_url, max_inquiries_per_hour=1))

    def submit_as(conversation: str):
        dispatcher = CollectingDispatcher()
        latest = {"text": "yes", "intent": {"name": "affirm"}, "metadata": {CLIENT_METADATA_KEY: SCRIPT}}
        tracker = Tracker(conversation, dict(SLOTS, stage="summary"), latest, [], False, None, {}, "action_listen")
        asyncio.run(ActionSubmitInquiry().run(dispatcher, tracker, {}))
        return dispatcher.messages[0]

    assert submit_as("a1")["response"] == "utter_submitted"
    second = submit_as("a2")
    assert second["response"] == "utter_submitted" and second["affiliate_name"] == "Wikimédia France"
    with maker.begin() as session:
        stored = get_inquiry(session=session, reference=second["reference"])
    assert stored is not None and stored["status"] == "needs_review"
