"""A REST message HAProxy sends again after the server that handled and saved it died before
answering (deploy/haproxy.cfg.in `retry-on`): the next server reads the conversation through the
real tracker store (SQLite), sees that it ends with that message's id, and the partner gets the
saved replies; nothing is handled or stored twice (integrations/channels/turns.py)."""
from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.data import ROOT
from bot.store import upgrade
from integrations.channels import turns
from integrations.channels.replies import Outcome, always_answered
from integrations.tracker.guard import GuardedTrackerStore
from integrations.tracker.store import PrivateSQLTrackerStore

MESSAGE_ID = "0b3c4f5e-1a2b-4c3d-8e9f-001122334455"


def test_a_message_sent_again_after_its_turn_was_saved_gets_the_saved_replies(tmp_path):
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    upgrade(url)
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    store = GuardedTrackerStore(PrivateSQLTrackerStore(domain=domain, host=url))
    saved = DialogueStateTracker.from_events("c1", [
        ActionExecuted("action_listen"), UserUttered("Musée de Lyon", message_id=MESSAGE_ID),
        BotUttered("In which country is it?", data={"buttons": [{"title": "France", "payload": "France"}]}),
        ActionExecuted("action_listen"),
    ], domain.slots)
    asyncio.run(store.save(saved))
    handled: list[str] = []

    async def dialogue(message: UserMessage) -> None:
        await store.retrieve(message.sender_id)  # what Rasa does first, under the conversation's lock
        handled.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "the next question")

    async def send(message_id: str) -> tuple[Outcome, list[dict]]:
        collector = CollectingOutputChannel()
        outcome = await always_answered(dialogue)(UserMessage("Musée de Lyon", collector, "c1", message_id=message_id))
        return outcome, collector.messages

    try:
        outcome, replies = asyncio.run(send(MESSAGE_ID))
        assert outcome is Outcome.ANSWERED and handled == []
        assert replies == [{"recipient_id": "c1", "text": "In which country is it?",
                            "buttons": [{"title": "France", "payload": "France"}]}]
        # The same words under another id are a new message, handled as usual.
        outcome, replies = asyncio.run(send("9f0e1d2c-3b4a-4958-8776-655443322110"))
        assert handled == ["Musée de Lyon"] and [r["text"] for r in replies] == ["the next question"]
    finally:
        store._tracker_store.engine.dispose()


def test_outside_a_turn_and_for_other_ids_the_store_reads_as_usual():
    tracker = DialogueStateTracker.from_events("c1", [UserUttered("hello", message_id=MESSAGE_ID),
                                                      BotUttered("hi")])
    turns.check_not_handled(tracker)  # no turn: the console and Rasa's API read conversations too
    with turns.turn("another-id"):
        turns.check_not_handled(tracker)
    with turns.turn(MESSAGE_ID):
        try:
            turns.check_not_handled(tracker)
        except turns.AlreadyHandled as handled:
            assert handled.replies == [{"text": "hi"}]
        else:
            raise AssertionError("the saved message was not recognised")
