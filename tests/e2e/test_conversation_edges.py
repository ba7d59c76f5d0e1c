"""Off the happy path through the real servers: bad input, corrections, stop, deflection, tabs."""
from __future__ import annotations

import json
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from driver import Conversation, get_json

pytestmark = pytest.mark.e2e


def chat(stack, sender=None):
    return Conversation(stack.rasa_url, stack.rasa_admin_token, sender or f"edge-{uuid.uuid4().hex[:10]}")


def stored(stack, sender):
    found = get_json(f"{stack.console_url}/api/inquiries?conversation_id={sender}", stack.env["INTAKE_API_TOKEN"])
    return found["items"] if isinstance(found, dict) else found


@pytest.mark.parametrize(
    "message",
    ["", "x" * 10_000, "🙂🙂🙂", "<script>alert('x')</script>", "'; DROP TABLE inquiries; --", "   "],
    ids=["empty", "10k", "emoji", "script", "sql", "blank"],
)
def test_bad_input_gets_a_clear_reply_and_stores_nothing(stack, message):
    c = chat(stack)
    turn = c.send(message)
    assert turn.replies and all(r.get("text") for r in turn.replies), turn.replies
    assert "<script" not in turn.text
    assert c.slots().get("requested_slot") is None  # the form did not start
    assert stored(stack, c.conversation_id) == []


def test_out_of_scope_gets_a_polite_fallback_and_never_starts_the_form(stack):
    c = chat(stack)
    turn = c.send("what's the weather like today?")
    assert "partnership" in turn.text.lower()
    assert c.slots().get("requested_slot") is None


def test_greeting_says_what_the_assistant_does_and_faq_is_answered(stack):
    c = chat(stack)
    assert "Wikimedia" in c.send("hello").text
    assert "chapter" in c.send("what is a Wikimedia chapter?").text.lower()
    assert "CC0" in c.send("which licences work on Commons?").text


def test_unknown_country_is_reasked_then_buttons_then_accepted(stack):
    c = chat(stack)
    c.send("We are a museum and want to donate photos")
    while c.slots()["requested_slot"] != "country":
        asked = c.slots()["requested_slot"]
        c.send({"organization_name": "<b>Museum</b> of <script>x()</script>Things"}.get(asked, "x"))
    first = c.send("Atlantis")
    assert "Atlantis" in first.text and not any(r.get("buttons") for r in first.replies)
    second = c.send("Narnia")
    assert any(r.get("buttons") for r in second.replies), second.replies
    c.send("France")
    slots = c.slots()
    assert slots["country"] == "FR" and slots["organization_name"] == "Museum of Things"


def test_malformed_email_is_explained_and_why_is_answered(stack):
    c = chat(stack)
    answers = {"partnership_type": "research", "organization_name": "Web Lab", "organization_type": "university",
               "country": "Kenya", "project_description": "A study of edits", "consent": "yes",
               "contact_name": "Sam"}
    c.send("I'd like to partner with Wikimedia")
    while (asked := c.slots()["requested_slot"]) != "contact_email":
        c.send(answers[asked])
    why = c.send("why do you need this?")
    assert "reply" in why.text.lower() and c.slots()["requested_slot"] == "contact_email"
    bad = c.send("sam at example dot org")
    assert "e-mail" in bad.text and c.slots()["contact_email"] is None
    c.send("sam@example.org")
    assert c.slots()["stage"] == "summary"


def test_answer_changed_mid_form_and_from_the_summary(stack):
    c = chat(stack)
    c.send("We are a library in France and want to donate scans under CC BY-SA")
    answers = {"organization_name": "Bibliothèque X", "content_language": "French",
               "project_description": "Scans of maps", "consent": "no"}
    while (asked := c.slots()["requested_slot"]) is not None:
        c.send(answers[asked])
    assert c.slots()["stage"] == "summary"
    c.send("change the country")
    assert c.slots()["requested_slot"] == "country"
    c.send("Belgium")
    slots = c.slots()
    assert slots["country"] == "BE" and slots["stage"] == "summary"
    reference = Conversation.complete_intake.__globals__["REFERENCE"].search(c.send("yes").text).group(0)
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", stack.env["INTAKE_API_TOKEN"])
    assert inquiry["country"] == "BE" and inquiry["routing"]["affiliate_id"] == "wm-be"


def test_stop_mid_form_keeps_nothing(stack):
    c = chat(stack)
    c.send("We are a museum in Lyon and want to donate photos")
    assert "stopped" in c.send("stop").text.lower()
    slots = c.slots()
    assert slots["requested_slot"] is None and slots["organization_type"] is None
    assert stored(stack, c.conversation_id) == []


def test_article_request_is_deflected_and_recorded(stack):
    c = chat(stack)
    turn = c.send("can you write a Wikipedia article about our company?")
    assert "conflict of interest" in turn.text
    items = stored(stack, c.conversation_id)
    assert [i["status"] for i in items] == ["deflected"] and items[0]["routing"] is None


def test_two_tabs_confirming_at_once_store_one_inquiry(stack):
    c = chat(stack)
    answers = {"partnership_type": "funding", "organization_name": "Tab Foundation", "organization_type": "nonprofit",
               "country": "Peru", "project_description": "A yearly donation", "consent": "no"}
    c.send("hello, we'd like to support Wikipedia")
    while (asked := c.slots()["requested_slot"]) is not None:
        c.send(answers[asked])
    assert c.slots()["stage"] == "summary"

    def confirm(_):
        body = json.dumps({"sender": c.sender, "message": "yes"}).encode()
        req = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as response:
            return json.loads(response.read())

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(confirm, range(2)))
    texts = " ".join(r.get("text", "") for reply in replies for r in reply)
    items = stored(stack, c.conversation_id)
    assert len(items) == 1 and texts.count(items[0]["reference"]) == 2


def test_start_over_forgets_the_answers(stack):
    c = chat(stack)
    c.send("We are a museum in Lyon and want to donate photos")
    assert c.slots()["organization_type"] == "museum"
    c.send("start over")
    slots = c.slots()
    assert slots["organization_type"] is None and slots["requested_slot"] is None


def test_metadata_language_sets_the_conversation_language(stack):
    c = chat(stack)
    c.metadata = {"language": "en-GB"}
    c.send("hello")
    assert c.slots()["language"] == "en"
    other = chat(stack)
    other.metadata = {"language": "xx-unknown"}
    turn = other.send("hello")
    assert other.slots()["language"] == "en" and "Wikimedia" in turn.text  # unsupported: English


def test_transcript_is_in_the_shared_database(stack):
    c = chat(stack)
    c.send("hello")
    import sqlalchemy as sa

    engine = sa.create_engine(stack.env["INTAKE_DATABASE_URL"], future=True)
    with engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": c.conversation_id}
        ).scalar_one()
    engine.dispose()
    assert count == 1
