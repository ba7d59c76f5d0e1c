"""The conversation language through the real servers: the page's language, a guess from the
first message, the partner's request, and honesty about languages not spoken yet."""
from __future__ import annotations

import uuid

import pytest
from driver import Conversation

pytestmark = pytest.mark.e2e


def chat(stack, **metadata):
    return Conversation(stack.rasa_url, stack.rasa_admin_token, f"lang-{uuid.uuid4().hex[:10]}", metadata=metadata)


def test_a_page_in_a_language_we_do_not_speak_gets_a_notice_in_it_then_english(stack):
    c = chat(stack, language="it-IT")
    turn = c.send("hello")
    assert "non parlo ancora italiano" in turn.replies[0]["text"]
    assert "Wikimedia partnerships assistant" in turn.text
    assert c.slots()["language"] == "en" and c.slots()["language_source"] == "page"


def test_a_first_message_in_another_language_is_recognised(stack):
    c = chat(stack)
    turn = c.send("Buongiorno, siamo un museo a Firenze e vorremmo donare delle fotografie")
    assert "non parlo ancora italiano" in turn.text
    assert c.slots()["language_source"] == "detected"


def test_asking_for_another_language_mid_form_keeps_the_answers(stack):
    c = chat(stack)
    c.send("We are a museum in Lyon and want to donate photos")
    before = c.slots()
    asked = before["requested_slot"]
    assert asked and before["country"] == "FR"
    turn = c.send("can we speak Italian?")
    assert "italiano" in turn.text
    after = c.slots()
    assert after["requested_slot"] == asked, "the form goes on with the same question"
    assert {k: after[k] for k in ("country", "partnership_type", "organization_type")} == {
        k: before[k] for k in ("country", "partnership_type", "organization_type")}
    assert after["content_language"] is None, "a language asked for is not the material's language"


def test_change_language_offers_the_languages_spoken(stack):
    c = chat(stack)
    turn = c.send("can we use another language?")
    buttons = [b for r in turn.replies for b in (r.get("buttons") or [])]
    assert "English" in turn.text and any(b["payload"].startswith("/switch_language") for b in buttons), turn.replies
