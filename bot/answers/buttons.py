"""A clicked button's values: the contract's already (`/inform{"country": "FR"}`), checked all
the same; buttons of commands are left to the dialogue. Pure."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import conversation
from bot.answers.readings import Kind, Message, Reading

#: Buttons whose values answer questions; others (`/switch_language{"content_language": "es"}`,
#: `/start_intake`) are commands for the dialogue's rules.
ANSWER_BUTTONS = frozenset({"inform", "correct", "affirm", "deny"})


def read_button(asked: str, message: Message, known: Mapping[str, Any]) -> Reading:
    """A button's payload: its values are the contract's already; checked all the same."""
    if message.intent not in ANSWER_BUTTONS:
        return Reading(Kind.CONTROL)
    values: dict[str, Any] = {}
    for slot, value in message.payload.items():
        if slot == "field" and value in conversation.CORRECTABLE:
            return Reading(Kind.CORRECTION, conversation.reset(str(value), known))
        if slot == "country" and value == "international":
            values.update(country=None, international=True, region=None)
        elif slot in conversation.CORRECTABLE and conversation.is_valid(slot, value, known):
            values[slot] = value
            if slot == "country":
                values.update(international=False, region=None)
    if message.intent in ("affirm", "deny") and asked == "consent":
        values["consent"] = message.intent == "affirm"
    if asked in values or (asked == "country" and values.get("international")):
        return Reading(Kind.ANSWER, values)
    if values:
        return Reading(Kind.CORRECTION, values)
    return Reading(Kind.CONTROL)
