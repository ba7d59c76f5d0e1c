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
