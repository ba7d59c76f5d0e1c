"""The channels' and the API's pure hand-off rules: what a REST client gets out of band, and a
conversation's status."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.staff.transcript import conversation_status, turns
from integrations.channels.handoff import out_of_band_since_last, person_parse


def _user(text: str, **metadata) -> dict:
    return {"event": "user", "text": text, "metadata": metadata}


def _bot(text: str, **metadata) -> dict:
    return {"event": "bot", "text": text, "metadata": metadata, "data": {}}


def test_a_rest_client_gets_what_was_said_out_of_band_since_its_previous_message_once():
    events = [
        _user("I want to talk to a person"), _bot("I'm passing you to a person…"), {"event": "pause"},
        _user("hello?", to_person=True),
        _bot("You're now talking with a person", out_of_band=True, **{"from": "bot"}),
        _bot("Hi, I'm Ana", out_of_band=True, **{"from": "person"}),
        _user("", to_person=True),
    ]
    assert [m["text"] for m in out_of_band_since_last(events)] == ["You're now talking with a person", "Hi, I'm Ana"]
    # The next request sees only what came after this one.
    assert out_of_band_since_last([*events, _user("thanks", to_person=True)]) == []


def test_what_the_assistant_said_when_the_console_handed_back_is_out_of_band_too():
    events = [
        _user("ok", to_person=True),
        {"event": "action", "name": "action_resume_intake"},
        _bot("You're back with the assistant."), _bot("Which country?", ),
        {"event": "resume"},
        _user("Peru"), {"event": "action", "name": "intake_form"}, _bot("Thanks!"),
    ]
    assert [m["text"] for m in out_of_band_since_last(events)] == ["You're back with the assistant.", "Which country?"]


def test_the_assistants_own_replies_in_a_turn_are_not_repeated():
    events = [_user("hi"), {"event": "action", "name": "action_greet"}, _bot("Hello"),
              {"event": "action", "name": "action_listen"}, _user("museum")]
    assert out_of_band_since_last(events) == []


def test_a_message_to_a_person_is_never_parsed():
    parse = person_parse("un humain s'il vous plaît")
    assert parse["intent"]["name"] is None and parse["entities"] == []


def test_conversation_status_follows_the_handoff():
    now = datetime(2026, 12, 6, 10, tzinfo=timezone.utc)
    assert conversation_status(handoff=None, outcome="active", last_event_at=now) == "bot"
    assert conversation_status(handoff=None, outcome="abandoned", last_event_at=now) == "closed"
    for status in ("waiting", "with_person"):
        assert conversation_status(handoff={"status": status}, outcome="active", last_event_at=now) == status
    closed = {"status": "closed", "ended_at": now}
    assert conversation_status(handoff=closed, outcome="active", last_event_at=now + timedelta(seconds=1)) == "closed"
    # The partner wrote again after a person closed it: the assistant has it.
    assert conversation_status(handoff=closed, outcome="active", last_event_at=now + timedelta(minutes=3)) == "bot"
    released = {"status": "released", "ended_at": now}
    assert conversation_status(handoff=released, outcome="active", last_event_at=now) == "bot"


def test_the_transcript_shows_the_person_and_the_handoff():
    import json

    rows = [(1, json.dumps({"event": "user", "text": "a person please", "timestamp": 1.0})),
            (2, json.dumps({"event": "pause", "timestamp": 2.0})),
            (3, json.dumps({"event": "user", "text": "", "timestamp": 3.0, "metadata": {"to_person": True}})),
            (4, json.dumps({"event": "bot", "text": "Hi, Ana here", "timestamp": 4.0,
                            "metadata": {"from": "person"}})),
            (5, json.dumps({"event": "resume", "timestamp": 5.0}))]
    assert [(t.kind, t.text) for t in turns(rows, show_contacts=False)] == [
        ("partner", "a person please"), ("handoff", "handed to a person"), ("person", "Hi, Ana here"),
        ("handoff", "back with the assistant")]
