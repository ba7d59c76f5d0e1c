"""The conversation language: detected early on, switched when the partner asks, kept on restart.

`action_detect_language` is the custom slot mapping of `language` (bot/domain/slots.yml), so
Rasa runs it after every partner message, before choosing a reply: the reply to "Somos un museo
en Sevilla" is already in Spanish.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reading import conversation_language, message_of
from actions.summary import apply_correction
from bot.answers import names_a_partnership, read_correction
from bot.i18n.catalog import language_name, supported_languages
from bot.i18n.detect import choose, unsupported_notice
from bot.intake.slots import (
    CONTENT_LANGUAGE,
    GREETED,
    LANGUAGE,
    LANGUAGE_SOURCE,
    REQUESTED_SLOT,
    STAGE,
    Stage,
)
from bot.vocab.terms import normalize_language

SWITCH_INTENT = "switch_language"
#: Languages whose names for languages we look up (Babel's), whether or not we speak them yet.
NAME_LANGUAGES = ("en", "es", "fr", "pt", "de", "ar")


def requested_language(tracker: Tracker) -> str | None:
    """The language the partner asked to speak in this message, if they asked and named one."""
    message = tracker.latest_message or {}
    if (message.get("intent") or {}).get("name") != SWITCH_INTENT:
        return None
    named = [str(e.get("value")) for e in message.get("entities") or [] if e.get("entity") == "content_language"]
    # Language names are looked up in every supported language: a partner in an English
    # conversation may well ask for "español".
    ui_languages = dict.fromkeys([conversation_language(tracker), *NAME_LANGUAGES])
    for candidate in [*named, str(message.get("text") or "")]:
        for ui in ui_languages:
            found = normalize_language(without_clitic(candidate), ui) or normalize_language(candidate, ui)
            if found:
                return found
    return None


def corrects_material_language(tracker: Tracker) -> bool:
    """Whether a message at the summary changes the language of the material ("the language is
    wrong: Spanish, not German") rather than asking to speak another language."""
    if tracker.get_slot(STAGE) != Stage.SUMMARY or not tracker.get_slot(CONTENT_LANGUAGE):
        return False
    reading = read_correction(message_of(tracker), dict(tracker.slots), named_resets=False)
    return CONTENT_LANGUAGE in reading.values


def without_clitic(text: str) -> str:
    """Arabic attaches "in"/"to" to the name: بالعربية -> العربية."""
    text = text.strip()
    if len(text) > 3 and text[0] in "بل" and text[1:3] == "ال":
        return text[1:]
    return text


def widget_language(code: str) -> dict[str, Any]:
    """A message the widget reads to switch its own labels and direction (socket.io emits the
    `data` member as the event's payload)."""
    return {"data": {"language": code}}


def user_turns(tracker: Tracker) -> int:
    """Partner messages since the session started."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "user":
            count += 1
    return count


def detected_language(tracker: Tracker) -> str | None:
    """The channel's guess of the latest message's language (metadata `detected_language`)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    found = metadata.get("detected_language") if isinstance(metadata, dict) else None
    return found if isinstance(found, str) else None


def unsupported_in_message(tracker: Tracker) -> str | None:
    """A language we cannot speak that the latest message is written in, if any."""
    found = detected_language(tracker)
    return found if found and found not in supported_languages() else None


class ActionDetectLanguage(Action):
    """Custom slot mapping of `language`: a requested language, or early on a detected one.

    Rasa 3.6 drops messages uttered by slot-mapping actions, so this only sets slots; the notice
    for a language we do not speak comes from session start or the fallback (which is what such
    a message gets anyway).
    """

    def name(self) -> str:
        return "action_detect_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        current = conversation_language(tracker)
        source = tracker.get_slot(LANGUAGE_SOURCE)
        # An answer to a question is no sign of the partner's language: names, places and
        # licences are written in their own ("Musée des Confluences" in a Spanish conversation).
        answering = bool(tracker.get_slot(REQUESTED_SLOT)) or tracker.get_slot(STAGE) == Stage.SUMMARY
        # "Mostly in English" answers the question about the material's language; it is not a
        # request to speak English (the widget's language menu is there for that).
        naming_material = tracker.get_slot(REQUESTED_SLOT) == CONTENT_LANGUAGE or corrects_material_language(tracker)
        choice = choose(current=current, source=source, supported=supported_languages(),
                        requested=None if naming_material else requested_language(tracker),
                        detected=None if answering else detected_language(tracker),
                        user_turns=user_turns(tracker))
        if choice is None or (choice.language, choice.source) == (current, source):
            return []
        return [SlotSet(LANGUAGE, choice.language), SlotSet(LANGUAGE_SOURCE, choice.source.value)]


class ActionSwitchLanguage(Action):
    """Confirms a switch in the new language, or says (in the asked language) that we cannot."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if corrects_material_language(tracker):
            reading = read_correction(message_of(tracker), dict(tracker.slots), named_resets=False)
            return apply_correction(dispatcher, tracker, reading)
        requested = requested_language(tracker)
        if requested and requested not in supported_languages():
            dispatcher.utter_message(text=unsupported_notice(requested))
        elif requested:
            dispatcher.utter_message(response="utter_language_switched", json_message=widget_language(requested))
            if not tracker.active_loop.get("name") and tracker.get_slot(STAGE) in (None, Stage.OFFERED) and \
                    names_a_partnership(message_of(tracker)):
                # "Queremos donar fotos, en español": the switch, and the inquiry it states.
                return [FollowupAction("intake_form")]
        else:
            current = conversation_language(tracker)
            names = [language_name(code, current) for code in supported_languages()]
            buttons = [{"title": language_name(code, code), "payload": f'/{SWITCH_INTENT}{{"content_language":"{code}"}}'}
                       for code in supported_languages()]
            dispatcher.utter_message(response="utter_which_language", languages=", ".join(names), buttons=buttons)
        return []


class ActionRestart(Action):
    """"Start over" forgets the inquiry but not the language the partner is speaking."""

    def name(self) -> str:
        return "action_restart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        keep = [SlotSet(name, tracker.get_slot(name)) for name in (LANGUAGE, LANGUAGE_SOURCE)]
        # The reply is sent before the restart is applied, so it is said in the same language.
        dispatcher.utter_message(response="utter_restarted")
        return [Restarted(), *keep, SlotSet(GREETED, True)]
