"""integrations/channels/replies.py on faults: one polite "please send that again" in the
partner's language and nothing else of the failed turn, on the REST collector and on a
streaming channel (socket.io) alike; what counts as an unreachable database."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.lock_store import LockError
from sqlalchemy import exc

from bot.i18n.catalog import supported_languages
from bot.store.outage import unreachable
from integrations.channels import replies, turns
from integrations.channels.replies import Outcome, always_answered, unavailable_text
from integrations.tracker.store import TrackerStoreUnavailable


class Streaming(OutputChannel):
    """A channel that sends at once, like socket.io."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text_message(self, recipient_id, text, **kwargs):
        self.sent.append(text)


@pytest.fixture(autouse=True)
def no_store(monkeypatch):
    async def unknown(sender_id):
        return None

    monkeypatch.setattr(replies, "_language_of", unknown)


async def action_server_down(message):
    await message.output_channel.send_text_message(message.sender_id, "half a turn")
    turns.fail(RuntimeError("action server down"))
    await message.output_channel.send_text_message(message.sender_id, "a question from a state never saved")
    turns.check_savable()


async def database_down(message):
    raise TrackerStoreUnavailable("reading a conversation failed (OperationalError)")


async def lock_unavailable(message):
    # What Agent.handle_message raises when the Redis lock store cannot be reached: before the
    # conversation was read, so nothing of the message was handled.
    raise LockError("Redis lock store unavailable: ConnectionError")


async def fine(message):
    await message.output_channel.send_text_message(message.sender_id, "one")
    await message.output_channel.send_text_message(message.sender_id, "two")


def handle(handler, output, metadata=None):
    return asyncio.run(always_answered(handler)(UserMessage("x", output, "c1", metadata=metadata)))


@pytest.mark.parametrize(("handler", "outcome"), [(action_server_down, Outcome.FAILED_TURN),
                                                  (database_down, Outcome.UNAVAILABLE),
                                                  (lock_unavailable, Outcome.UNAVAILABLE)])
def test_a_fault_gets_only_the_polite_request_in_the_pages_language(handler, outcome):
    collector = CollectingOutputChannel()
    assert handle(handler, collector, {"language": "pt"}) is outcome
    assert [m["text"] for m in collector.messages] == [unavailable_text("pt")]
    streaming = Streaming()
    assert handle(handler, streaming, {"detected_language": "ar"}) is outcome
    assert streaming.sent == [unavailable_text("ar")]


def test_the_conversations_language_comes_first_and_english_last(monkeypatch):
    collector = CollectingOutputChannel()
    handle(database_down, collector)
    assert [m["text"] for m in collector.messages] == [unavailable_text("en")]

    async def french(sender_id):
        return "fr"

    monkeypatch.setattr(replies, "_language_of", french)
    collector = CollectingOutputChannel()
    handle(database_down, collector, {"language": "es"})
    assert [m["text"] for m in collector.messages] == [unavailable_text("fr")]


def test_a_good_turn_is_sent_in_order_on_both_kinds_of_channel():
    collector = CollectingOutputChannel()
    assert handle(fine, collector) is Outcome.ANSWERED
    assert [m["text"] for m in collector.messages] == ["one", "two"]
    streaming = Streaming()
    assert handle(fine, streaming) is Outcome.ANSWERED and streaming.sent == ["one", "two"]


def test_the_polite_request_is_written_in_every_language():
    texts = {language: unavailable_text(language) for language in supported_languages()}
    assert len(set(texts.values())) == len(texts) == 6


@pytest.mark.parametrize(("error", "expected"), [
    (exc.OperationalError("SELECT 1", {}, Exception("connection refused")), True),
    (exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")), True),
    (exc.TimeoutError("QueuePool limit reached"), True),
    (TrackerStoreUnavailable("x"), False),  # the wrapper says so itself; its cause is what counts
    (exc.ProgrammingError("SELEC 1", {}, Exception("syntax error")), False),
    (ValueError("x"), False),
])
def test_what_counts_as_an_unreachable_database(error, expected):
    assert unreachable(error) is expected


def test_a_cause_that_is_unreachable_counts():
    try:
        try:
            raise exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        except exc.OperationalError as cause:
            raise TrackerStoreUnavailable("reading failed") from cause
    except TrackerStoreUnavailable as error:
        assert unreachable(error)
