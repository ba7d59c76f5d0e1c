"""Actions around the form: session start, why a question is asked, stop, deflection."""
from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.language import widget_language
from actions.reading import slot_events
from bot.i18n.catalog import DEFAULT_LANGUAGE, load_catalog, resolve_language
from bot.i18n.detect import Source, unsupported_notice
from bot.intake import conversation
from bot.intake.service import StoreUnavailable, deflect
from bot.intake.slots import (
    LANGUAGE,
    LANGUAGE_NOTICE,
    LANGUAGE_SOURCE,
    REQUESTED_SLOT,
    SESSION_STARTED_METADATA,
    STAGE,
    Stage,
)

logger = logging.getLogger(__name__)

#: Stages in which there is an inquiry to stop.
IN_PROGRESS = (Stage.COLLECTING, Stage.SUMMARY)


def _leave_form() -> list[EventType]:
    return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


class ActionSessionStart(Action):
    """Starts a session in the language the page asked for (metadata `language`)."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        metadata = tracker.get_slot(SESSION_STARTED_METADATA) or {}
        metadata = metadata if isinstance(metadata, dict) else {}
        # The page's language (the widget's customData), else the first message's (the channel's guess).
        asked = metadata.get("language") or metadata.get("detected_language")
        source = Source.PAGE if metadata.get("language") else Source.DETECTED if asked else Source.DEFAULT
        language = resolve_language(asked)
        events: list[EventType] = [SessionStarted(), SlotSet(LANGUAGE, language), SlotSet(LANGUAGE_SOURCE, source.value)]
        base = str(asked).replace("_", "-").split("-")[0].lower() if asked else ""
        if base and base != language and base.isalpha():
            # A language we do not speak yet: say so, in it where we can.
            dispatcher.utter_message(text=unsupported_notice(base))
            events.append(SlotSet(LANGUAGE_NOTICE, base))
        elif source is Source.DETECTED and language != DEFAULT_LANGUAGE:
            dispatcher.utter_message(json_message=widget_language(language))
        return events + [ActionExecuted("action_listen")]


class ActionExplainWhy(Action):
    def name(self) -> str:
        return "action_explain_why"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slot = tracker.get_slot(REQUESTED_SLOT)
        response = f"utter_why_{slot}"
        if slot and response in load_catalog(DEFAULT_LANGUAGE).responses:
            dispatcher.utter_message(response=response)
        else:
            dispatcher.utter_message(response="utter_why_general")
        return []


class ActionStopIntake(Action):
    def name(self) -> str:
        return "action_stop_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        in_progress = tracker.active_loop.get("name") or tracker.get_slot(STAGE) in IN_PROGRESS
        if not in_progress:
            dispatcher.utter_message(response="utter_nothing_to_stop")
            return []
        dispatcher.utter_message(response="utter_stopped")
        return _leave_form() + slot_events(conversation.forget_inquiry())


class ActionDeflectArticle(Action):
    """Articles about the partner itself are not partnerships: guidance, recorded as deflected."""

    def name(self) -> str:
        return "action_deflect_article"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_deflect_article")
        try:
            await asyncio.to_thread(
                deflect, sessionmaker=await asyncio.to_thread(runtime.sessionmaker), conversation_id=tracker.sender_id,
                slots=dict(tracker.slots),
            )
        except StoreUnavailable:
            logger.warning("a deflection could not be recorded")
        events = _leave_form() if tracker.active_loop.get("name") else []
        return events + slot_events(conversation.forget_inquiry())
