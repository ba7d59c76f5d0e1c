"""The tracker store keeps personal data out of the transcript (issue 13, "Privacy by design"):
e-mail addresses and phone numbers typed in free text never reach the `events` table; contact
answers given after consent are sealed with the conversation's key and read back whole; refusing
or withdrawing consent erases them at once. Real Rasa tracker store, SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import json

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select, text

from bot.data import ROOT
from bot.store.tables import contact_keys
from integrations.tracker.store import PrivateSQLTrackerStore

EMAIL = "jane.doe@musee-lyon.fr"
PHONE = "+33 4 72 10 30 30"
NAME = "Jane Doe"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


@pytest.fixture
def store(engine, db_url, domain):
    tracker_store = PrivateSQLTrackerStore(domain=domain, host=db_url)
    yield tracker_store
    tracker_store.engine.dispose()


def run(coroutine):
    return asyncio.run(coroutine)


def stored_rows(engine, conversation: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :c ORDER BY id"), {"c": conversation}
        ).scalars()
        return [json.loads(row) for row in rows]


def all_text(engine) -> str:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT data FROM events")).scalars()
        return "\n".join(json.dumps(json.loads(row), ensure_ascii=False) for row in rows)


def user(message: str, intent: str = "inform") -> UserUttered:
    return UserUttered(message, {"name": intent, "confidence": 0.9},
                       parse_data={"text": message, "intent": {"name": intent, "confidence": 0.9}, "entities": []})


def save(store, conversation: str, *events) -> DialogueStateTracker:
    tracker = run(store.retrieve(conversation)) or DialogueStateTracker(conversation, store.domain.slots)
    for event in events:
        tracker.update(event)
    run(store.save(tracker))
    return run(store.retrieve(conversation))


def test_free_text_loses_emails_and_phone_numbers_before_it_is_stored(store, engine):
    description = f"Digitising our archive; write to {EMAIL} or call {PHONE}. About 2,000 photos from 1990-2000."
    tracker = save(store, "c1", SlotSet("language", "fr"), SlotSet("requested_slot", "project_description"),
                   user(description), SlotSet("project_description", description),
                   BotUttered(f"Résumé : {description}"))
    stored = all_text(engine)
    assert EMAIL not in stored and "72 10 30 30" not in stored
    assert "[adresse e-mail supprimée]" in stored and "[numéro de téléphone supprimé]" in stored
    assert "2,000 photos from 1990-2000" in stored  # amounts and years are not phone numbers
    # Rasa reads back what was stored: the slot and the next turns never see the address again.
    assert EMAIL not in tracker.get_slot("project_description")
    assert tracker.get_slot("project_description").startswith("Digitising our archive; write to [adresse")


def test_contact_answers_after_consent_are_sealed_and_read_back_whole(store, engine):
    tracker = save(store, "c2", SlotSet("language", "en"), SlotSet("consent", True),
                   SlotSet("requested_slot", "contact_name"), user(f"My name is {NAME}"),
                   SlotSet("contact_name", NAME), SlotSet("requested_slot", "contact_email"),
                   user(EMAIL), SlotSet("contact_email", EMAIL),
                   BotUttered(f"Summary: contact {NAME} <{EMAIL}>. Is this right?"))
    stored = all_text(engine)
    assert EMAIL not in stored and NAME not in stored and "Doe" not in stored
    assert "[contact details]" in stored
    assert tracker.get_slot("contact_email") == EMAIL and tracker.get_slot("contact_name") == NAME
    texts = [e.text for e in tracker.events if isinstance(e, (UserUttered, BotUttered))]
    assert texts == [f"My name is {NAME}", EMAIL, f"Summary: contact {NAME} <{EMAIL}>. Is this right?"]
    with engine.connect() as connection:
        assert connection.execute(select(contact_keys.c.conversation_id)).scalars().all() == ["c2"]


def test_withdrawing_consent_erases_the_sealed_answers_at_once(store, engine):
    save(store, "c3", SlotSet("consent", True), SlotSet("requested_slot", "contact_email"), user(EMAIL),
         SlotSet("contact_email", EMAIL))
    tracker = save(store, "c3", user("actually, please don't keep my details"), SlotSet("consent", False),
                   SlotSet("contact_email", None))
    with engine.connect() as connection:
        assert connection.execute(select(contact_keys)).all() == []
    assert tracker.get_slot("contact_email") is None
    texts = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    # Typed where the e-mail address was asked, the withdrawal itself was a contact answer: erased too.
    assert texts == ["[contact details]", "[contact details]"]
    assert EMAIL not in all_text(engine)


def test_refused_consent_keeps_no_contact_and_no_address_typed_anywhere(store, engine):
    tracker = save(store, "c4", ActiveLoop("intake_form"), SlotSet("requested_slot", "consent"),
                   user(f"no thanks, but you can reach me at {EMAIL}", "deny"), SlotSet("consent", False))
    assert EMAIL not in all_text(engine)
    assert tracker.get_slot("consent") is False
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [
        "no thanks, but you can reach me at [e-mail address removed]"]


def test_a_lost_key_leaves_valid_placeholder_events(store, engine):
    save(store, "c5", SlotSet("consent", True), SlotSet("requested_slot", "contact_name"), user(NAME),
         SlotSet("contact_name", NAME))
    with engine.begin() as connection:
        connection.execute(contact_keys.delete())
    tracker = run(store.retrieve("c5"))
    assert tracker.get_slot("contact_name") is None and tracker.get_slot("consent") is True
    rows = stored_rows(engine, "c5")
    assert all("sealed" not in row or NAME not in json.dumps(row) for row in rows)
