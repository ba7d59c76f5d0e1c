"""integrations/stack/action_validation.py: Rasa's check of action-server responses with the
schema checked once. The same responses pass and fail as with Rasa's own, with Rasa's message;
an upgrade of Rasa that changes the replaced function fails here, so the replacement is reviewed."""
from __future__ import annotations

import hashlib
import inspect

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from integrations.stack import action_validation

#: SHA-256 of RemoteAction._validate_action_result's source in Rasa 3.6.21, the function replaced.
RASA_SOURCE = "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"
GOOD = {"events": [{"event": "slot", "name": "country", "value": "FR", "timestamp": None}],
        "responses": [{"text": "Merci !"}]}
BAD = {"events": {"event": "slot"}, "responses": []}


def test_the_replaced_function_is_rasas_as_reviewed():
    original = RemoteAction._validate_action_result
    if getattr(original, "intake_cached", False):
        pytest.skip("installed already in this process; the source is checked in a fresh one")
    source = inspect.getsource(original)
    assert hashlib.sha256(source.encode()).hexdigest() == RASA_SOURCE, (
        "Rasa's RemoteAction._validate_action_result changed: review integrations/stack/action_validation.py")


def test_the_installed_check_accepts_and_refuses_what_rasas_does(monkeypatch):
    action = RemoteAction("action_x", None)
    original = RemoteAction._validate_action_result
    with pytest.raises(ValidationError) as rasas:
        original(action, BAD)
    monkeypatch.setattr(RemoteAction, "_validate_action_result", original)
    action_validation.install()
    installed = RemoteAction._validate_action_result
    assert installed is not original and getattr(installed, "intake_cached", False)
    action_validation.install()  # idempotent
    assert RemoteAction._validate_action_result is installed
    assert action._validate_action_result(GOOD) is True
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(BAD)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_the_launcher_installs_it_before_rasa_runs():
    from integrations.stack import rasa_server

    source = inspect.getsource(rasa_server.main)
    assert source.index("action_validation.install()") < source.index("rasa.cli.run.run(args)")


def _responses() -> list[dict]:
    """Valid responses with every kind of event an action may return, and invalid variants."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        FollowupAction,
        LoopInterrupted,
        ReminderScheduled,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    parse = {"text": "Musée", "intent": {"name": "inform", "confidence": 0.9},
             "entities": [{"entity": "country", "value": "FR", "start": 0, "end": 5, "extractor": None}],
             "intent_ranking": [{"name": "inform", "confidence": 0.9}]}
    events = [SlotSet("country", "FR"), SlotSet("consent", None), BotUttered("Merci", {"buttons": [{"title": "Oui"}]}),
              UserUttered("Musée", parse["intent"], parse["entities"], parse), ActionExecuted("action_listen"),
              ActiveLoop("intake_form"), ActiveLoop(None), FollowupAction("action_listen"), Restarted(),
              AllSlotsReset(), SessionStarted(), LoopInterrupted(True),
              ReminderScheduled("EXTERNAL_reminder", __import__("datetime").datetime(2026, 1, 1))]
    valid = [{"events": [event.as_dict()], "responses": []} for event in events]
    valid += [{"events": [e.as_dict() for e in events], "responses": [{"text": "Bonjour", "buttons": []}]},
              {"events": [], "responses": [{"template": "utter_greet"}, {"response": "utter_ask_country"}]}, {}]
    invalid = [BAD, {"events": [{"name": "x"}]}, {"events": [{"event": "slot", "timestamp": "now"}]},
               {"events": [{"event": 3}]}, {"events": [{"event": "no_such_event"}]},
               {"events": [{"event": "slot", "value": 1}]}, {"events": [{"event": "user", "parse_data": []}]},
               {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "x"}]}}]},
               {"events": [{"event": "slot", "name": "x", "timestamp": True}]}, {"responses": {"text": "x"}},
               {"events": [{"event": "followup"}]}, {"events": [{"event": "action", "name": 5}]}]
    return valid + invalid


def test_the_compiled_check_never_accepts_what_jsonschema_refuses(monkeypatch):
    from jsonschema import validators

    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    action_validation.install()
    schema = RemoteAction.action_response_format_spec()
    reference = validators.validator_for(schema)(schema)
    action = RemoteAction("action_x", None)
    verdicts = []
    for response in _responses():
        rasas = reference.is_valid(response)
        try:
            ours = action._validate_action_result(response)
        except ValidationError:
            ours = False
        assert ours == rasas, response
        verdicts.append(rasas)
    assert verdicts.count(True) >= 14 and verdicts.count(False) >= 10  # both kinds were tried
