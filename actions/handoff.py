"""Asking for a person, and the assistant's side of a hand-off (issue 14).

`action_request_person` records the request (bot/store/handoffs.py) and either pauses the
conversation for a person (Rasa's ConversationPaused: nothing is predicted any more, the form
keeps its place) or, when nobody is available, says so at once and lets the intake form take the
partner's message (the inquiry is marked as wanting a person).

The console hands the conversation back through Rasa's HTTP API (`execute`): the actions below
then end the hand-off in the store and resume the conversation (ConversationResumed), where it
was: the question the form had paused is asked again.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, ConversationResumed, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.ask import WITH_BUTTONS, buttons_for
from actions.reading import conversation_language, person_button
from bot.delivery.endpoints import DEFAULT_RESPONSE_DAYS
from bot.intake import conversation
from bot.intake.slots import HANDOFF, MISSES, OPENING, REQUESTED_SLOT, STAGE, HandoffOutcome, Stage
from bot.store.clock import utcnow
from bot.store.handoffs import OPEN, HandoffConflict, HandoffStatus, end_handoff, request_handoff

log = logging.getLogger(__name__)

def _request(conversation_id: str, language: str, live: bool) -> tuple[dict[str, Any], bool]:
    with runtime.sessionmaker().begin() as session:
        return request_handoff(session, conversation_id=conversation_id, language=language, now=utcnow(), live=live)


def _response_days(affiliate_id: str | None) -> int:
    """The days the partner is told to expect an answer in: the affiliate's response window."""
    endpoints = runtime.endpoints()
    endpoint = endpoints.for_affiliate(affiliate_id) if endpoints and affiliate_id else None
    return endpoint.response_days if endpoint else DEFAULT_RESPONSE_DAYS


def _affiliate_name(affiliate_id: str | None) -> str | None:
    if not affiliate_id:
        return None
    try:
        return runtime.router().directory.get(affiliate_id).name
    except KeyError:
        return None


class ActionRequestPerson(Action):
    """The partner asked for a person: who will answer and what to expect, then silence."""

    def name(self) -> str:
        return "action_request_person"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            handoff, new = await asyncio.to_thread(_request, tracker.sender_id, language,
                                                   runtime.settings().handoff_live)
        except Exception as error:  # noqa: BLE001 - the store is down: nobody can be reached
            log.warning("a hand-off request could not be recorded (%s)", type(error).__name__)
            handoff, new = {"status": HandoffStatus.MISSED.value, "affiliate_id": None}, True
        if handoff["status"] in OPEN:
            # "Already waiting" only when the partner was told so: a hand-off found open while the
            # conversation does not say so was recorded by an action server that died before
            # Rasa heard back (the call was sent to another), and the partner was told nothing.
            if not new and tracker.get_slot(HANDOFF) == HandoffOutcome.WAITING.value:
                dispatcher.utter_message(response="utter_handoff_already")
            elif affiliate := _affiliate_name(handoff.get("affiliate_id")):
                dispatcher.utter_message(response="utter_handoff_waiting_affiliate", affiliate=affiliate)
            else:
                dispatcher.utter_message(response="utter_handoff_waiting_team")
            return [SlotSet(HANDOFF, HandoffOutcome.WAITING.value), ConversationPaused()]
        return nobody_available(dispatcher, tracker, days=_response_days(handoff.get("affiliate_id")))


def nobody_available(dispatcher: CollectingDispatcher, tracker: Tracker, *, days: int) -> list[EventType]:
    """Said honestly, at once; the partner may leave their message through the intake (the
    inquiry it becomes is marked as wanting a person), or the inquiry they have is marked."""
    stage = tracker.get_slot(STAGE)
    if stage in (Stage.SUMMARY.value, Stage.SUBMITTED.value):
        dispatcher.utter_message(response="utter_handoff_nobody_submitted", days=days)
        if stage == Stage.SUMMARY.value:
            dispatcher.utter_message(response="utter_confirm_again")
        return [SlotSet(HANDOFF, HandoffOutcome.NOTED.value)]
    if tracker.active_loop.get("name") or stage == Stage.COLLECTING.value:
        # An inquiry in progress: its questions take the message.
        dispatcher.utter_message(response="utter_handoff_nobody", days=days)
        return [SlotSet(HANDOFF, HandoffOutcome.COLLECTING.value)]
    # No inquiry yet: offered, not started, so that a stray "talk faster" starts nothing; a yes
    # starts it (the offer's rules, data/rules/intake.yml).
    dispatcher.utter_message(response="utter_handoff_nobody_offer", days=days)
    return [SlotSet(STAGE, Stage.OFFERED.value), SlotSet(OPENING, None), SlotSet(HANDOFF, HandoffOutcome.NOTED.value)]


def ask_again(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Ask the question the form had paused at (as its `action_ask_<slot>` would), or say what
    the partner can do next when no question was open."""
    language = conversation_language(tracker)
    slot = tracker.get_slot(REQUESTED_SLOT) if tracker.active_loop.get("name") else None
    if slot:
        if slot == "field":
            dispatcher.utter_message(response="utter_ask_field", buttons=buttons_for(slot, language))
        elif slot in WITH_BUTTONS and conversation.should_offer_buttons(tracker.get_slot(MISSES), slot):
            dispatcher.utter_message(response=f"utter_ask_{slot}_buttons", buttons=buttons_for(slot, language))
        else:
            dispatcher.utter_message(response=f"utter_ask_{slot}")
    elif tracker.get_slot(STAGE) == Stage.SUMMARY.value:
        dispatcher.utter_message(response="utter_confirm_again")
    elif tracker.get_slot(STAGE) != Stage.SUBMITTED.value:
        dispatcher.utter_message(response="utter_next_step")


def form_back(tracker: Tracker) -> list[EventType]:
    """The paused form active again: asking for a person interrupted it (Rasa marked the form
    rejected), and only a fresh ActiveLoop lets it read the partner's next answer."""
    form = tracker.active_loop.get("name")
    return [ActiveLoop(form)] if form else []


def _end(conversation_id: str, status: HandoffStatus) -> None:
    with runtime.sessionmaker().begin() as session:
        try:
            end_handoff(session, conversation_id=conversation_id, status=status, now=utcnow())
        except HandoffConflict:
            pass  # already ended (the other button, a second click): resuming is still right


async def _resumed(tracker: Tracker, status: HandoffStatus) -> list[EventType]:
    """End the hand-off in the store and resume the conversation where the form paused."""
    await asyncio.to_thread(_end, tracker.sender_id, status)
    return [ConversationResumed(), SlotSet(HANDOFF, None), *form_back(tracker)]


class ActionResumeIntake(Action):
    """A person handed the conversation back: the assistant resumes the question it had paused."""

    def name(self) -> str:
        return "action_resume_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_handoff_back")
        ask_again(dispatcher, tracker)
        return await _resumed(tracker, HandoffStatus.RELEASED)


class ActionCloseHandoff(Action):
    """A person closed the conversation: thanks, and the assistant listens again."""

    def name(self) -> str:
        return "action_close_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_handoff_closed")
        # A form in progress reads the partner's next message as its answer, or asks again.
        return await _resumed(tracker, HandoffStatus.CLOSED)


class ActionHandoffUnclaimed(Action):
    """Nobody picked the conversation up in time: said honestly; the partner's message is taken
    by the intake (marked as wanting a person), or they may ask for a person again."""

    def name(self) -> str:
        return "action_handoff_unclaimed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = conversation_language(tracker)
        dispatcher.utter_message(response="utter_handoff_unclaimed", buttons=[person_button(language)])
        ask_again(dispatcher, tracker)
        return await _resumed(tracker, HandoffStatus.MISSED)
