"""Between rasa-sdk and bot.answers: the conversation language, the latest partner message as a
`Message`, and the notes a reading returns said in the conversation language."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import Message, Note
from bot.i18n.catalog import country_name, language_name, load_catalog
from bot.intake.slots import READ_TURN, REQUESTED_SLOT, language_of


def conversation_language(tracker: Tracker) -> str:
    """The language the assistant speaks in this conversation (every action asks here)."""
    return language_of(tracker.slots)


def message_of(tracker: Tracker) -> Message:
    """The latest partner message, with its intent and the values of a clicked button."""
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    intent = latest.get("intent") or {}
    payload: dict[str, Any] = {}
    if text.startswith("/"):
        payload = {str(e.get("entity")): e.get("value") for e in latest.get("entities") or [] if e.get("entity")}
    return Message(
        text=str(text),
        language=conversation_language(tracker),
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        payload=payload,
        repeated=bool(tracker.get_slot(REQUESTED_SLOT)) and _said_twice(tracker),
    )


def _said_twice(tracker: Tracker) -> bool:
    """Whether the partner's latest message repeats the one before it, word for word."""
    said = [str(e.get("text") or "").strip().casefold() for e in tracker.events if e.get("event") == "user"][-2:]
    return len(said) == 2 and said[0] == said[1] and bool(said[0])


def turn_of(tracker: Tracker) -> int:
    """How many partner messages the conversation has had: the latest one's number."""
    return sum(1 for event in tracker.events if event.get("event") == "user")


def already_read(tracker: Tracker) -> bool:
    """Whether an action already read the latest message as answers: the form it started does
    not read it a second time."""
    return tracker.get_slot(READ_TURN) == turn_of(tracker)


def mark_read(tracker: Tracker) -> EventType:
    return SlotSet(READ_TURN, turn_of(tracker))


def skip_button(language: str) -> dict[str, str]:
    """A button that skips the current question ("skip" is understood in every language)."""
    return {"title": load_catalog(language).label("skip"), "payload": "skip"}


#: The payload of the "Talk to a person" button (Rasa reads `/intent` as that intent).
TALK_TO_PERSON = "/request_human"


def person_button(language: str) -> dict[str, str]:
    """The "Talk to a person" button (issue 14), titled in `language`."""
    return {"title": load_catalog(language).label("talk_to_person"), "payload": TALK_TO_PERSON}


def say(dispatcher: CollectingDispatcher, notes: Iterable[Note], language: str) -> None:
    """Utter each note, with codes in its parameters turned into names in `language`."""
    for note in notes:
        params: dict[str, Any] = {}
        for key, value in note.params.items():
            if key == "language_code":
                params["language"] = language_name(str(value), language)
            elif key == "country_code":
                params["country"] = country_name(str(value), language)
            else:
                params[key] = value
        if note.response == "utter_offer_skip":
            # Asked three times: skipping, or a person (issue 14), are offered.
            dispatcher.utter_message(response=note.response, buttons=[skip_button(language), person_button(language)],
                                     **params)
        else:
            dispatcher.utter_message(response=note.response, **params)


def slot_events(changes: dict[str, Any]) -> list[EventType]:
    return [SlotSet(slot, value) for slot, value in changes.items()]
