"""Actions around the form: session start, why a question is asked, stop, deflection."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet

from actions import runtime
from actions.language import widget_language
from bot import conversation
from bot.i18n import DEFAULT_LANGUAGE, load_catalog, resolve_language
from bot.language import unsupported_notice
from bot.service import StoreUnavailable, deflect

logger = logging.getLogger(__name__)


def _forget_inquiry() -> list[EventType]:
    return [SlotSet(slot, None) for slot in conversation.INQUIRY_SLOTS] + [SlotSet("stage", None)]


class ActionSessionStart(Action):
    """Starts a session in the language the page asked for (metadata `language`)."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        metadata = tracker.get_slot("session_started_metadata") or {}
        metadata = metadata if isinstance(metadata, dict) else {}
        # The page's language (the widget's customData), else the first message's (the channel's guess).
        asked = metadata.get("language") or metadata.get("detected_language")
        source = "page" if metadata.get("language") else "detected" if asked else "default"
        language = resolve_language(asked)
        events: list[EventType] = [SessionStarted(), SlotSet("language", language), SlotSet("language_source", source)]
        base = str(asked).replace("_", "-").split("-")[0].lower() if asked else ""
        if base and base != language and base.isalpha():
            # A language we do not speak yet: say so, in it where we can.
            dispatcher.utter_message(text=unsupported_notice(base))
            events.append(SlotSet("language_notice", base))
        elif source == "detected" and language != DEFAULT_LANGUAGE:
            dispatcher.utter_message(json_message=widget_language(language))
        return events + [ActionExecuted("action_listen")]


class ActionExplainWhy(Action):
    def name(self) -> str:
        return "action_explain_why"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        response = f"utter_why_{slot}"
        if slot and response in load_catalog(DEFAULT_LANGUAGE).responses:
            dispatcher.utter_message(response=response)
        else:
            dispatcher.utter_message(response="utter_why_general")
        return []


class ActionStopIntake(Action):
    def name(self) -> str:
        return "action_stop_intake"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        in_progress = tracker.active_loop.get("name") or tracker.get_slot("stage") in ("collecting", "summary")
        if not in_progress:
            dispatcher.utter_message(response="utter_nothing_to_stop")
            return []
        dispatcher.utter_message(response="utter_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + _forget_inquiry()


class ActionDeflectArticle(Action):
    """Articles about the partner itself are not partnerships: guidance, recorded as deflected."""

    def name(self) -> str:
        return "action_deflect_article"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        dispatcher.utter_message(response="utter_deflect_article")
        try:
            await asyncio.to_thread(
                deflect, sessionmaker=await asyncio.to_thread(runtime.sessionmaker), conversation_id=tracker.sender_id,
                slots=dict(tracker.slots),
            )
        except StoreUnavailable:
            logger.warning("a deflection could not be recorded")
        events: list[dict[str, Any]] = []
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events + _forget_inquiry()
