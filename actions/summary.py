"""The summary: shown when the form is complete, corrected in plain words, accepted and sent."""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.reading import conversation_language, mark_read, message_of, say, slot_events
from bot.answers import Kind, Reading, read_correction, read_yes_no
from bot.i18n.catalog import country_name, language_name, load_catalog
from bot.intake import conversation
from bot.intake.client_cap import CLIENT_METADATA_KEY
from bot.intake.reasons import partner_reason
from bot.intake.service import StoreUnavailable, submit
from bot.intake.slots import CHOOSING_FIELD, CONFIRMED, CONSENT, REFERENCE, REGION, STAGE, Stage, language_of


def already_submitted(dispatcher: CollectingDispatcher, slots: Mapping[str, Any]) -> list[EventType] | None:
    """After the submission, any way back to the summary repeats the reference instead."""
    if slots.get(STAGE) != Stage.SUBMITTED:
        return None
    dispatcher.utter_message(response="utter_already_submitted", reference=slots.get(REFERENCE))
    return [SlotSet(STAGE, Stage.SUBMITTED.value)]


def show_summary(dispatcher: CollectingDispatcher, slots: Mapping[str, Any]) -> list[EventType]:
    """Utter the summary of `slots` and wait for the partner's yes."""
    submitted = already_submitted(dispatcher, slots)
    if submitted is not None:
        return submitted
    language = language_of(slots)
    lines = conversation.summary_lines(
        slots,
        load_catalog(language),
        country_name=lambda code: country_name(code, language),
        language_name=lambda code: language_name(code, language),
    )
    dispatcher.utter_message(response="utter_summary", summary="\n".join(lines))
    return [SlotSet(STAGE, Stage.SUMMARY.value)]


def client_of(tracker: Tracker) -> str | None:
    """The hash of the client address the channel put into the latest message's metadata."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    found = metadata.get(CLIENT_METADATA_KEY) if isinstance(metadata, dict) else None
    return found if isinstance(found, str) else None


async def send_inquiry(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Qualify, route and store the inquiry, then tell the partner its reference and who will
    answer. Idempotent: a second yes repeats the reference."""
    submitted = already_submitted(dispatcher, tracker.slots)
    if submitted is not None:
        return submitted
    try:
        result = await asyncio.to_thread(
            submit,
            sessionmaker=await asyncio.to_thread(runtime.sessionmaker),
            router=runtime.router(),
            conversation_id=tracker.sender_id,
            slots=dict(tracker.slots),
            endpoints=runtime.endpoints(),
            client_hash=client_of(tracker),
            max_per_hour=runtime.settings().max_inquiries_per_hour,
        )
    except StoreUnavailable:
        dispatcher.utter_message(response="utter_submit_failed")
        return [SlotSet(STAGE, Stage.SUMMARY.value)]
    language = conversation_language(tracker)
    response = "utter_submitted" if tracker.get_slot(CONSENT) else "utter_submitted_no_contact"
    reason = partner_reason(
        rule=result.rule, affiliate_name=result.affiliate_name,
        affiliate_region=result.affiliate.declares(tracker.get_slot(REGION)), affiliate_topics=result.affiliate.topics,
        slots=tracker.slots, catalog=load_catalog(language),
    )
    dispatcher.utter_message(
        response=response,
        reference=result.reference,
        affiliate_name=result.affiliate_name,
        reason=reason,
        general_contact=runtime.settings().general_contact,
    )
    return [SlotSet(REFERENCE, result.reference), SlotSet(CONFIRMED, True), SlotSet(STAGE, Stage.SUBMITTED.value)]


def apply_correction(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading) -> list[EventType]:
    """Make the changes the partner asked for at the summary: the summary is shown again, or the
    form asks what the change left open (a new partnership may need a licence)."""
    known = dict(tracker.slots)
    changes = conversation.settle(known, reading.values)
    say(dispatcher, reading.notes, conversation_language(tracker))
    after = {**known, **changes}
    events = [*slot_events(changes), mark_read(tracker)]
    if conversation.next_question(after, region_countries=runtime.region_countries()) is not None:
        # The form asks; its rules then wait for the answer.
        return events + [SlotSet(STAGE, Stage.COLLECTING.value), FollowupAction("intake_form")]
    return events + show_summary(dispatcher, after)


class ActionShowSummary(Action):
    def name(self) -> str:
        return "action_show_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return show_summary(dispatcher, dict(tracker.slots))


class ActionCorrectField(Action):
    """A reply to the summary other than a plain yes: a change in plain words ("the country is
    wrong, it's Belgium, not France") is made and the summary shown again; a named answer ("change
    the country") is asked again; a yes sends the inquiry; anything else asks which answer to
    change. Everything happens in this one action, so that the dialogue's rules always know what
    comes next (waiting for the partner)."""

    def name(self) -> str:
        return "action_correct_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        submitted = already_submitted(dispatcher, tracker.slots)
        if submitted is not None:
            return submitted
        message = message_of(tracker)
        language = conversation_language(tracker)
        reading = read_correction(message, dict(tracker.slots))
        if reading.kind is Kind.CORRECTION:
            return apply_correction(dispatcher, tracker, reading)
        if message.intent == "affirm" or read_yes_no(message.text, language) is True:
            return await send_inquiry(dispatcher, tracker)  # "sí, somos un museo": a yes
        return [mark_read(tracker), SlotSet(CHOOSING_FIELD, True), SlotSet(STAGE, Stage.COLLECTING.value),
                FollowupAction("intake_form")]


class ActionSubmitInquiry(Action):
    def name(self) -> str:
        return "action_submit_inquiry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(STAGE) != Stage.SUBMITTED:
            reading = read_correction(message_of(tracker), dict(tracker.slots), named_resets=False)
            if reading.kind is Kind.CORRECTION:
                # "Yes, but the country is Belgium": the change first, then the summary again.
                return apply_correction(dispatcher, tracker, reading)
        return await send_inquiry(dispatcher, tracker)
