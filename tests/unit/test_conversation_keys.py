"""Session keys and the conversation ids derived from them (bot.intake.conversation_keys), and
where a conversation stands from its events (bot.staff.transcript.conversation_state)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.intake.conversation_keys import conversation_id, is_session_key, new_session_key
from bot.staff.transcript import conversation_state


@pytest.mark.parametrize("key", ["a" * 32, "A-_9" * 32, new_session_key(), "e2e-" + "0" * 28])
def test_well_formed_keys(key):
    assert is_session_key(key)


@pytest.mark.parametrize("key", [None, 42, "", "a" * 31, "a" * 129, "a" * 31 + "\x00", "a b" * 11, "é" * 32,
                                 "a" * 31 + "/"])
def test_malformed_keys(key):
    assert not is_session_key(key)


def test_the_id_depends_on_key_and_secret_and_reveals_neither():
    key = new_session_key()
    first = conversation_id(key, "secret-one")
    assert first == conversation_id(key, "secret-one") and len(first) == 32
    assert first != conversation_id(key, "secret-two") != conversation_id(new_session_key(), "secret-one")
    assert key not in first and conversation_id(first, "secret-one") != first  # the id is no key to itself


def _rows(*events):
    return [(i, json.dumps(e)) for i, e in enumerate(events, 1)]


def test_conversation_state_from_events():
    t0 = 1_700_000_000.0
    rows = _rows(
        {"event": "action", "name": "action_session_start", "timestamp": t0},
        {"event": "session_started", "timestamp": t0},
        {"event": "user", "text": "hola", "timestamp": t0 + 1, "parse_data": {"intent": {"name": "greet"}}},
        {"event": "slot", "name": "language", "value": "es", "timestamp": t0 + 1},
        {"event": "bot", "text": "¡Hola!", "timestamp": t0 + 2, "data": {}},
        {"event": "active_loop", "name": "intake_form", "timestamp": t0 + 3},
        {"event": "slot", "name": "requested_slot", "value": "country", "timestamp": t0 + 3},
        {"event": "slot", "name": "contact_email", "value": "ana@example.org", "timestamp": t0 + 4},
        {"event": "user", "text": "Perú", "timestamp": t0 + 5, "parse_data": {"intent": {"name": "inform"}}},
    )
    state = conversation_state(rows, show_contacts=False)
    assert (state.language, state.active_form, state.requested_slot, state.latest_intent) == (
        "es", "intake_form", "country", "inform")
    assert [(m["from"], m["text"]) for m in state.messages] == [("partner", "hola"), ("bot", "¡Hola!"),
                                                                   ("partner", "Perú")]
    start = datetime.fromtimestamp(t0, tz=timezone.utc)
    assert state.started_at == start and state.last_event_at == start + timedelta(seconds=5)
    assert state.outcome(inquiry_status=None, now=start + timedelta(minutes=5)) == "active"
    assert state.outcome(inquiry_status=None, now=start + timedelta(hours=2)) == "abandoned"
    assert state.outcome(inquiry_status="routed", now=start) == "inquiry"
    assert state.outcome(inquiry_status="deflected", now=start) == "deflected"
    ended = conversation_state(rows + [(99, json.dumps({"event": "active_loop", "name": None, "timestamp": t0 + 6}))],
                               show_contacts=False)
    assert ended.active_form is None
