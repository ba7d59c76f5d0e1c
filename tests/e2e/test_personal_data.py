"""Personal data through the real stack (issue 13, "Privacy by design"): an e-mail address typed
in the description of a partner who refused consent is in no table afterwards; with consent the
contact answers reach the inquiry (and the affiliate) but the transcript holds them only sealed."""
from __future__ import annotations

import json
import uuid

import pytest
from driver import Conversation, get_json
from sqlalchemy import inspect, text

from bot.store import make_engine

pytestmark = pytest.mark.e2e

BASE = {"organization_name": "Musée d'histoire de Lyon", "content_language": "French",
        "partnership_type": "content donation", "organization_type": "museum", "country": "France",
        "licence": "CC BY-SA"}


def every_stored_text(url: str) -> str:
    """Every text and JSON value in every table of the database, JSON unescaped."""
    engine = make_engine(url)
    found = []
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    for value in row:
                        if isinstance(value, str):
                            try:
                                value = json.dumps(json.loads(value), ensure_ascii=False)
                            except ValueError:
                                pass
                            found.append(value)
                        elif isinstance(value, (dict, list)):
                            found.append(json.dumps(value, ensure_ascii=False))
    finally:
        engine.dispose()
    return "\n".join(found)


def test_refused_consent_with_an_address_in_the_description_leaves_it_nowhere(stack):
    email = f"curator.{uuid.uuid4().hex[:8]}@musee-lyon.example.org"
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"pd-{uuid.uuid4().hex}")
    reference = chat.complete_intake(
        f"We are a museum in Lyon and want to donate 2,000 photos under CC BY-SA; write to {email} "
        "or call 04 72 10 30 30",
        {**BASE, "project_description": f"2,000 photographs of the city; our curator is at {email}, tel 04 72 10 30 30",
         "consent": "no"})
    assert reference, chat.transcript()
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", stack.env["INTAKE_API_TOKEN"])
    assert inquiry["consent"] is False and inquiry["contact"] == {"name": None, "email": None}
    assert "[e-mail address removed]" in inquiry["description"] and "[phone number removed]" in inquiry["description"]
    stored = every_stored_text(stack.env["INTAKE_DATABASE_URL"])
    assert email not in stored and "72 10 30 30" not in stored
    assert "want to donate 2,000 photos under CC BY-SA; write to [e-mail address removed]" in stored


def test_contact_answers_reach_the_inquiry_but_the_transcript_holds_them_sealed(stack):
    email = f"claire.{uuid.uuid4().hex[:8]}@musee-lyon.example.org"
    name = "Claire Morel-Wikstrom"
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"pd-{uuid.uuid4().hex}")
    reference = chat.complete_intake(
        "We are a museum in Lyon and want to donate 2,000 photos under CC BY-SA",
        {**BASE, "project_description": "2,000 photographs of the city from 1900 to 1950",
         "consent": "yes", "contact_name": name, "contact_email": email})
    assert reference, chat.transcript()
    # The partner saw their own answers in the summary, live.
    assert any(email in turn.text for turn in chat.turns), chat.transcript()
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", stack.env["INTAKE_API_TOKEN"])
    assert inquiry["contact"] == {"name": name, "email": email}
    engine = make_engine(stack.env["INTAKE_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            transcript = "\n".join(connection.execute(
                text("SELECT data FROM events WHERE sender_id = :c"), {"c": chat.conversation_id}).scalars())
    finally:
        engine.dispose()
    assert transcript and email not in transcript and "Wikstrom" not in transcript
    assert "[contact details]" in transcript
