"""integrations/tracker/guard.py: the agent's tracker store lets a failed read or save through
(Rasa's fail-safe wrapper answered "no conversation", and Rasa started a blank one), refuses to
save a turn an action call failed in, and remembers conversations' languages. An upgrade of Rasa
that changes the replaced Agent._create_tracker_store fails here."""
from __future__ import annotations

import asyncio
import hashlib
import inspect

import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from integrations.channels import turns
from integrations.tracker import guard
from integrations.tracker.store import TrackerStoreUnavailable

#: SHA-256 of Agent._create_tracker_store's source in Rasa 3.6.21, the function replaced.
RASA_SOURCE = "97499b594b45581b2c6d8ff7adb9083af24eba85654995a40350de65633ca574"
DOMAIN = Domain.from_dict({"slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}}})


class Unreachable(InMemoryTrackerStore):
    async def retrieve(self, sender_id):
        raise TrackerStoreUnavailable("reading a conversation failed (OperationalError)")

    async def save(self, tracker):
        raise TrackerStoreUnavailable("saving a conversation failed (OperationalError)")


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(Agent, "_create_tracker_store", Agent.__dict__["_create_tracker_store"])
    original = Agent._create_tracker_store
    guard.install()
    assert guard.installed() and Agent._create_tracker_store is not original
    return Agent._create_tracker_store


def test_the_replaced_function_is_rasas_as_reviewed(monkeypatch):
    source = inspect.getsource(guard._create_tracker_store if guard.installed() else Agent._create_tracker_store)
    if guard.installed():
        pytest.skip("installed already in this process")
    assert hashlib.sha256(source.encode()).hexdigest() == RASA_SOURCE, (
        "Rasa's Agent._create_tracker_store changed: review integrations/tracker/guard.py")
    # What Rasa's own wrapper does with an unreachable store: a blank conversation.
    assert asyncio.run(FailSafeTrackerStore(Unreachable(DOMAIN)).retrieve("c1")) is None


def test_a_store_that_cannot_be_read_or_written_is_an_error_not_a_blank_conversation(installed):
    store = installed(Unreachable(Domain.empty()), DOMAIN)
    assert isinstance(store, guard.GuardedTrackerStore) and store.domain is DOMAIN
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(store.retrieve("c1"))
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(store.get_or_create_tracker("c1"))
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(store.save(DialogueStateTracker.from_events("c1", [], DOMAIN.slots)))


def test_a_failed_turn_is_not_saved_and_a_good_one_is(installed):
    inner = InMemoryTrackerStore(DOMAIN)
    store = installed(inner, DOMAIN)
    tracker = DialogueStateTracker.from_events("c1", [SlotSet("language", "fr")], DOMAIN.slots)

    async def failed_turn():
        with turns.turn():
            turns.fail(RuntimeError("action server down"))
            await store.save(tracker)

    with pytest.raises(turns.TurnFailed):
        asyncio.run(failed_turn())
    assert asyncio.run(inner.retrieve("c1")) is None and store.known_language("c1") is None

    async def good_turn():
        with turns.turn():
            await store.save(tracker)

    asyncio.run(good_turn())
    assert asyncio.run(store.retrieve("c1")).get_slot("language") == "fr"
    assert store.known_language("c1") == "fr"


def test_remembered_languages_are_bounded(installed, monkeypatch):
    monkeypatch.setattr(guard, "REMEMBERED_LANGUAGES", 2)
    store = installed(InMemoryTrackerStore(DOMAIN), DOMAIN)
    for conversation in ("a", "b", "c"):
        asyncio.run(store.save(DialogueStateTracker.from_events(conversation, [SlotSet("language", "de")],
                                                                DOMAIN.slots)))
    assert [store.known_language(c) for c in ("a", "b", "c")] == [None, "de", "de"]


def test_the_launcher_installs_it_before_rasa_runs():
    from integrations.stack import rasa_server

    source = inspect.getsource(rasa_server.main)
    assert source.index("guard.install()") < source.index("rasa.cli.run.run(args)")
