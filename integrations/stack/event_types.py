"""Rasa's lookup of an event class by its type name, from a table instead of a walk over every
Event subclass on each call (issue 15).

`Event.resolve_by_type` (rasa/shared/core/events.py) calls `all_subclasses(Event)` - a recursive
walk with an `inspect.isabstract` check per class - for every event it deserialises: each
message reads the whole stored conversation back, so in a profile of `make bench` this walk was
about 5% of the Rasa server's CPU. The launcher (rasa_server.py) installs this replacement
before Rasa starts: the same first match in `all_subclasses` order, kept in a table that is
rebuilt whenever a type name is missing (so event classes imported later are still found), and
Rasa's own answers for "topic", a default and an unknown name. Nothing in site-packages is
edited; tests/unit/test_event_types.py fails if an upgrade of Rasa changes the replaced function.
"""
from __future__ import annotations

from typing import Any


def install() -> None:
    """Replace Event.resolve_by_type with the table lookup (idempotent)."""
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    if getattr(Event.resolve_by_type, "intake_cached", False):
        return
    table: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        """Returns a slots class by its type name."""
        found = table.get(type_name)
        if found is None:
            table.clear()
            for cls in rasa.shared.utils.common.all_subclasses(Event):
                table.setdefault(cls.type_name, cls)  # the first in Rasa's order wins, as in its loop
            found = table.get(type_name)
        if found is not None:
            return found
        if type_name == "topic":
            return None  # backwards compatibility to support old TopicSet evts
        if default is not None:
            return default
        raise ValueError(f"Unknown event name '{type_name}'.")

    resolve_by_type.intake_cached = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
