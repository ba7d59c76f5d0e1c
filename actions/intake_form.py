"""Validation of the intake form: the one place where, during the form, partner messages become
slot values.

The form's slots have no Rasa mappings of their own (bot/domain/slots.yml: `custom`), so nothing
but `bot.answers` ever fills them: every value is the contract's, or the slot stays empty and the
question is asked again, at most three times.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.reading import already_read, conversation_language, mark_read, message_of, say, slot_events
from bot.answers import DEFAULTS, Kind, Note, Reading, read_answer, read_opening, skipped, taken_default
from bot.i18n.catalog import country_name
from bot.intake import conversation
from bot.intake.slots import CHOOSING_FIELD, COUNTRY, FIELD, MISSES, REGION, REQUESTED_SLOT, STAGE, Stage

#: Readings after which the question is answered (or dropped) and its misses forgotten.
SETTLED = (Kind.ANSWER, Kind.DEFAULT, Kind.SKIP)


def after_miss(reading: Reading, asked: str, known: dict[str, Any], *, language: str,
               text: str) -> tuple[dict[str, Any], list[Note]]:
    """What a miss changes: re-asked twice, then the default taken, skipping offered, or (after
    that offer) the question skipped. Never a fourth time the same question."""
    misses = conversation.count_miss(known.get(MISSES), asked)
    count = misses[asked]
    if asked == FIELD:
        if count >= conversation.MISSES_BEFORE_BUTTONS:  # keep the answers as they are
            return {CHOOSING_FIELD: False, MISSES: conversation.clear_miss(misses, asked)}, []
        return {MISSES: misses}, [Note("utter_invalid_field")]
    if count >= conversation.MISSES_BEFORE_MOVING_ON:
        if asked in DEFAULTS:
            moved = taken_default(asked, known)
        elif count == conversation.MISSES_BEFORE_MOVING_ON:
            return {**reading.values, MISSES: misses}, [Note("utter_offer_skip")]
        else:
            moved = skipped(asked, known)
        return {**moved.values, MISSES: conversation.clear_miss(misses, asked)}, list(moved.notes)
    params: dict[str, Any] = {}
    if asked == COUNTRY:
        params["value"] = " ".join(text.split())[:60] or "?"
    if asked == REGION and known.get(COUNTRY):
        params["country_name"] = country_name(known[COUNTRY], language)
    return {**reading.values, MISSES: misses}, [*reading.notes, Note(f"utter_invalid_{asked}", params)]


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return conversation.needed_slots(tracker.slots, region_countries=runtime.region_countries())

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        known = dict(tracker.slots)
        asked = tracker.get_slot(REQUESTED_SLOT)
        language = conversation_language(tracker)
        message = message_of(tracker)
        changes: dict[str, Any] = {}
        notes: list[Note] = []
        if not asked:
            # The form starts: the message that started it may already answer several questions
            # (unless the action that started it read them already).
            if not already_read(tracker):
                changes = read_opening(message, known)
            changes[STAGE] = Stage.COLLECTING.value
        else:
            reading = read_answer(asked, message, known)
            if reading.kind is Kind.CONTROL:
                # A command or a known question: no slot set, so the form steps aside and the
                # dialogue's rules answer it, then ask this question again.
                return [SlotSet(REQUESTED_SLOT, asked)]
            if reading.kind is Kind.MISS:
                changes, notes = after_miss(reading, asked, known, language=language, text=message.text)
            else:
                changes, notes = dict(reading.values), list(reading.notes)
                if reading.kind in SETTLED:
                    changes[MISSES] = conversation.clear_miss(known.get(MISSES), asked)
                changes.update(conversation.guesses_after(known, changes, asked))
                if reading.kind is Kind.QUESTION:
                    changes[asked] = None
        changes = conversation.settle(known, changes)
        say(dispatcher, notes, language)
        following = conversation.next_question({**known, **changes}, region_countries=runtime.region_countries())
        return [*slot_events(changes), mark_read(tracker), SlotSet(REQUESTED_SLOT, following)]
