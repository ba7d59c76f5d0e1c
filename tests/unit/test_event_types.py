"""integrations/stack/event_types.py: Rasa's event class lookup from a table. It answers as
Rasa's own for every event type, "topic", a default and an unknown name; an upgrade of Rasa that
changes the replaced function fails here, so the replacement is reviewed."""
from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap

import pytest
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.utils.common import all_subclasses

from integrations.stack import event_types

#: SHA-256 of Event.resolve_by_type's source in Rasa 3.6.21, the function replaced.
RASA_SOURCE = "b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968"


def rasas_source() -> str:
    """The method's text in Rasa's file (not the installed replacement)."""
    module_source = inspect.getsource(inspect.getmodule(Event))
    for node in ast.walk(ast.parse(module_source)):
        if isinstance(node, ast.ClassDef) and node.name == "Event":
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "resolve_by_type":
                    lines = module_source.splitlines(keepends=True)
                    start = item.decorator_list[0].lineno if item.decorator_list else item.lineno
                    return textwrap.indent(textwrap.dedent("".join(lines[start - 1:item.end_lineno])), "    ")
    raise AssertionError("Event.resolve_by_type is gone from Rasa")


def test_the_replaced_function_is_rasas_as_reviewed():
    assert hashlib.sha256(rasas_source().encode()).hexdigest() == RASA_SOURCE, (
        "Rasa's Event.resolve_by_type changed: review integrations/stack/event_types.py")


@pytest.fixture
def rasas_and_installed(monkeypatch):
    rasas = Event.__dict__["resolve_by_type"].__func__
    assert not getattr(rasas, "intake_cached", False), "installed outside this fixture: nothing to compare with"
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(rasas))
    event_types.install()
    installed = Event.resolve_by_type
    assert getattr(installed, "intake_cached", False)
    event_types.install()  # idempotent
    assert Event.resolve_by_type is installed
    return rasas, installed


def test_every_event_type_resolves_as_with_rasa(rasas_and_installed):
    rasas, installed = rasas_and_installed
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert "slot" in names and len(names) > 15
    for name in sorted(names):
        assert installed(name) is rasas(name), name
    assert installed("slot") is SlotSet
    # Deserialising goes through it: a stored event comes back as its class.
    assert isinstance(Event.from_parameters({"event": "slot", "name": "stage", "value": "summary"}), SlotSet)


def test_topic_default_and_unknown_names_answer_as_with_rasa(rasas_and_installed):
    rasas, installed = rasas_and_installed
    assert installed("topic") is None and rasas("topic") is None
    assert installed("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError) as ours:
        installed("no_such_event")
    with pytest.raises(ValueError) as theirs:
        rasas("no_such_event")
    assert str(ours.value) == str(theirs.value) == "Unknown event name 'no_such_event'."


def test_an_event_class_defined_later_is_found(rasas_and_installed):
    _, installed = rasas_and_installed
    installed("slot")  # the table is built

    class LaterEvent(SlotSet):
        type_name = "intake_test_later_event"

    assert installed("intake_test_later_event") is LaterEvent


def test_the_launcher_installs_it_before_rasa_runs():
    from integrations.stack import rasa_server

    source = inspect.getsource(rasa_server.main)
    assert source.index("event_types.install()") < source.index("rasa.cli.run.run(args)")
