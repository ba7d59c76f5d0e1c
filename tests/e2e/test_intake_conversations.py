"""Whole intakes through the real Rasa server, action server and console (one per rule and tier)."""
from __future__ import annotations

import pytest
from driver import Conversation, get_json
from scenarios import SCENARIOS

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_complete_intake_is_routed_and_stored(stack, sender, scenario):
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, sender)
    reference = chat.complete_intake(scenario["opening"], scenario["answers"])
    assert reference, chat.transcript()
    affiliate, rule, tier = scenario["expect"]
    token = stack.env["INTAKE_API_TOKEN"]
    found = get_json(f"{stack.console_url}/api/inquiries?conversation_id={chat.conversation_id}", token)
    items = found["items"] if isinstance(found, dict) else found
    assert len(items) == 1, items
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", token)
    assert inquiry["conversation_id"] == chat.conversation_id != sender  # derived, never the key
    assert (inquiry["routing"]["affiliate_id"], inquiry["routing"]["rule"]) == (affiliate, rule), chat.transcript()
    assert inquiry["qualification"]["tier"] == tier, (inquiry["qualification"], chat.transcript())
    assert inquiry["routing"]["alternatives"] == [] or inquiry["routing"]["alternatives"][-1] == "wmf-partnerships"
    if scenario["answers"].get("consent") == "yes":
        assert inquiry["contact"] == {"name": "Alex Example", "email": "alex@example.org"}
    else:
        assert inquiry["contact"] == {"name": None, "email": None}
        assert "partnerships@wikimedia.org" in chat.turns[-1].text
    assert reference in chat.turns[-1].text
