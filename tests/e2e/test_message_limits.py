"""A message longer than INTAKE_MAX_MESSAGE_CHARS (5,000 by default) is answered with a request
to shorten it, in the conversation's language, without being read; the conversation goes on."""
from __future__ import annotations

import uuid

import pytest
from driver import Conversation

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("language", "expected"), [("en", "too long"), ("es", "demasiado largo"),
                                                    ("ar", "أطول")])
def test_a_megabyte_gets_one_polite_reply_and_the_conversation_goes_on(stack, language, expected):
    c = Conversation(stack.rasa_url, stack.rasa_admin_token, f"long-{uuid.uuid4().hex}",
                     metadata={"language": language})
    turn = c.send("museum " * 150_000)
    assert len(turn.replies) == 1 and expected in turn.text and "5000" in turn.text
    assert c.slots().get("requested_slot") is None  # nothing was read into the form
    turn = c.send("We are a museum in Lyon and want to donate photos")
    assert c.slots()["requested_slot"] and c.slots()["country"] == "FR", turn.replies


def test_a_message_at_the_limit_is_read(stack):
    c = Conversation(stack.rasa_url, stack.rasa_admin_token, f"long-{uuid.uuid4().hex}")
    message = "We are a museum in Lyon and want to donate photos. "
    c.send((message * (5000 // len(message)))[:5000])
    assert c.slots()["country"] == "FR"
