"""A clicked button's values: the contract's already (`/inform{"country": "FR"}`), checked all
the same; buttons of commands are left to the dialogue. Pure."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.answers.readings import Kind, Message, Reading
from bot.intake import conversation
from bot.intake.slots import COUNTRY, FIELD, INTERNATIONAL

#: Buttons whose values answer questions; others (`/switch_language{"content_language": "es"}`,
#: `/start_intake`) are commands for the dialogue's rules.
ANSWER_BUTTONS = frozenset({"inform", "correct", "affirm", "deny"})


def read_button(asked: str, message: Message, known: Mapping[str, Any]) -> Reading:
    """A button's payload: its values are the contract's already; checked all the same."""
    if message.intent not in ANSWER_BUTTONS:
        return Reading(Kind.CONTROL)
    values: dict[str, Any] = {}
    for slot, value in message.payload.items():
        if slot == FIELD and value in conversation.CORRECTABLE:
            return Reading(Kind.CORRECTION, conversation.reset(str(value), known))
        if slot == COUNTRY and value == "international":
            values.update(conversation.country_answer(None))
        elif slot == COUNTRY and conversation.is_valid(slot, value, known):
            values.update(conversation.country_answer(value))
        elif slot in conversation.CORRECTABLE and conversation.is_valid(slot, value, known):
            values[slot] = value
    if message.intent in ("affirm", "deny") and asked == "consent":
        values["consent"] = message.intent == "affirm"
    if asked in values or (asked == COUNTRY and values.get(INTERNATIONAL)):
        return Reading(Kind.ANSWER, values)
    if values:
        return Reading(Kind.CORRECTION, values)
    return Reading(Kind.CONTROL)
