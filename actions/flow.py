"""Actions around the form: session start, summary, corrections, submission, stop, deflection."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, FollowupAction, SessionStarted, SlotSet

from actions import runtime
from actions.language import unsupported_in_message, widget_language
from bot import conversation
from bot.i18n import DEFAULT_LANGUAGE, country_name, language_name, load_catalog, resolve_language
from bot.language import unsupported_notice
from bot.reasons import partner_reason
from bot.service import StoreUnavailable, deflect, submit

logger = logging.getLogger(__name__)


def _language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "en"


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


class ActionShowSummary(Action):
    def name(self) -> str:
        return "action_show_summary"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if tracker.get_slot("stage") == "submitted":
            dispatcher.utter_message(response="utter_already_submitted", reference=tracker.get_slot("reference"))
            return []
        language = _language(tracker)
        lines = conversation.summary_lines(
            tracker.slots,
            load_catalog(language),
            country_name=lambda code: country_name(code, language),
            language_name=lambda code: language_name(code, language),
        )
        dispatcher.utter_message(response="utter_summary", summary="\n".join(lines))
        return [SlotSet("stage", "summary")]


class ActionCorrectField(Action):
    """Forget one answer so the form asks it again; without a named answer, ask which."""

    def name(self) -> str:
        return "action_correct_field"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        catalog = load_catalog(_language(tracker))
        field = tracker.get_slot("field")
        if field not in conversation.CORRECTABLE:
            field = conversation.field_from_text(tracker.latest_message.get("text"), catalog)
        if field is None:
            return [SlotSet("field", None), SlotSet("choosing_field", True), SlotSet("stage", "collecting")]
        events = [SlotSet("field", None), SlotSet(field, None), SlotSet("stage", "collecting")]
        if field == "country":
            events += [SlotSet("international", None), SlotSet("region", None)]
        if field == "consent":
            events += [SlotSet("contact_name", None), SlotSet("contact_email", None)]
        return events


class ActionSubmitInquiry(Action):
    def name(self) -> str:
        return "action_submit_inquiry"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if tracker.get_slot("stage") == "submitted":
            dispatcher.utter_message(response="utter_already_submitted", reference=tracker.get_slot("reference"))
            return []
        try:
            result = await asyncio.to_thread(
                submit,
                sessionmaker=await asyncio.to_thread(runtime.sessionmaker),
                router=runtime.router(),
                conversation_id=tracker.sender_id,
                slots=dict(tracker.slots),
                endpoints=runtime.endpoints(),
            )
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_submit_failed")
            return [SlotSet("stage", "summary")]
        response = "utter_submitted" if tracker.get_slot("consent") else "utter_submitted_no_contact"
        affiliate = runtime.router().directory.get(result.affiliate_id)
        reason = partner_reason(
            rule=result.rule, affiliate_name=result.affiliate_name,
            affiliate_region=affiliate.declares(tracker.get_slot("region")), affiliate_topics=affiliate.topics,
            slots=tracker.slots, catalog=load_catalog(_language(tracker)),
        )
        dispatcher.utter_message(
            response=response,
            reference=result.reference,
            affiliate_name=result.affiliate_name,
            reason=reason,
            general_contact=runtime.settings().general_contact,
        )
        return [SlotSet("reference", result.reference), SlotSet("confirmed", True), SlotSet("stage", "submitted")]


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


class ActionNluFallback(Action):
    """A message the assistant is unsure about: if it names things the intake needs (a
    licence, a country, a type of organisation) start the intake with them; else ask again."""

    INTAKE_ENTITIES = {"partnership_type", "organization_type", "licence", "country", "city", "region"}

    def name(self) -> str:
        return "action_nlu_fallback"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        entities = {e.get("entity") for e in tracker.latest_message.get("entities", [])}
        # At the summary one named thing is a correction ("Belgium"); elsewhere it takes two.
        enough = 1 if tracker.get_slot("stage") == "summary" else 2
        if len(entities & self.INTAKE_ENTITIES) >= enough and tracker.get_slot("stage") != "submitted":
            return [FollowupAction("intake_form")]
        unsupported = unsupported_in_message(tracker)
        if unsupported and tracker.get_slot("language_notice") != unsupported:
            # Not understood because it is in a language we do not speak: say that, in it.
            dispatcher.utter_message(text=unsupported_notice(unsupported))
            return [SlotSet("language_notice", unsupported)]
        dispatcher.utter_message(response="utter_default")
        return []
