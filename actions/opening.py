"""Before an intake: greetings, messages that may or may not be a partnership, and what the
assistant did not understand. Entities alone (a country, a city, a number) never start the
intake: it starts on a partnership intent, or when the partner accepts an explicit offer."""
from __future__ import annotations

from dataclasses import replace

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import unsupported_in_message, user_turns
from actions.reading import mark_read, message_of, person_button, slot_events
from actions.summary import already_submitted, apply_correction
from bot.answers import (
    Kind,
    Message,
    names_a_partnership,
    names_wikimedia,
    read_correction,
    read_opening,
    read_yes_no,
    wants_partnership,
)
from bot.i18n.detect import unsupported_notice
from bot.intake import conversation
from bot.intake.slots import GREETED, LANGUAGE_NOTICE, OPENING, STAGE, Stage
from bot.vocab.text import clean

#: Stages in which a partnership named in a message is the inquiry already made, not one to offer.
AT_THE_SUMMARY_OR_AFTER = (Stage.SUBMITTED, Stage.SUMMARY)


def offer_intake(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Ask whether the partner wants to start an inquiry, keeping what they said for it."""
    dispatcher.utter_message(response="utter_offer_intake")
    return [SlotSet(STAGE, Stage.OFFERED.value), SlotSet(OPENING, clean(message_of(tracker).text) or None)]


def start_intake(tracker: Tracker, message: Message) -> list[EventType]:
    """Start the intake (the dialogue's rules run the form on `stage: collecting`) with what
    `message` already says; the form will not read the partner's latest message again."""
    changes = conversation.settle(dict(tracker.slots), read_opening(message, dict(tracker.slots)))
    return [*slot_events(changes), mark_read(tracker), SlotSet(STAGE, Stage.COLLECTING.value)]


def notice_given_this_turn(tracker: Tracker, code: str) -> bool:
    """Whether this message started the session, whose start already said we do not speak `code`."""
    return tracker.get_slot(LANGUAGE_NOTICE) == code and user_turns(tracker) == 1


class ActionGreet(Action):
    """The whole introduction once; a short one to a second "hello"."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(GREETED):
            dispatcher.utter_message(response="utter_greet_again")
            return []
        dispatcher.utter_message(response="utter_greet")
        return [SlotSet(GREETED, True)]


#: A partnership intent this sure, with a kind of partnership named, starts the intake at once.
SURE_START = 0.8


def starts_at_once(message: Message) -> bool:
    """Whether a message outside the form starts the intake without asking first: the button,
    a plain wish to work with Wikimedia, or a confident partnership intent naming a partnership
    or a Wikimedia project ("we'd like to host an edit-a-thon", "we'd like to support
    Wikipedia"). Everyday requests that merely sound like one ("are there videos on credit
    scores?") get the offer instead."""
    if message.is_button:
        return message.intent == "start_intake"
    if wants_partnership(message):
        return True
    sure = message.intent == "start_intake" and message.confidence >= SURE_START
    return sure and (names_a_partnership(message) or names_wikimedia(message))


class ActionConsiderIntake(Action):
    """A partnership intent or an answer-like message outside the form: the intake starts when the
    message bears it out; otherwise it is offered."""

    def name(self) -> str:
        return "action_consider_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        submitted = already_submitted(dispatcher, tracker.slots)
        if submitted is not None:
            return submitted
        message = message_of(tracker)
        if starts_at_once(message):
            return start_intake(tracker, message)
        if tracker.get_slot(STAGE) == Stage.OFFERED:
            # Asked whether to start, the partner answers with details ("a foundation in Peru"):
            # that is a yes; what they said before and now both count.
            earlier = tracker.get_slot(OPENING) or ""
            return start_intake(tracker, replace(message, text=f"{earlier} {message.text}".strip()))
        return offer_intake(dispatcher, tracker)


class ActionNluFallback(Action):
    """A message the assistant did not understand: said once, in the partner's language where
    it is one we do not speak; a partnership named in it is offered as an inquiry."""

    def name(self) -> str:
        return "action_nlu_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        unsupported = unsupported_in_message(tracker)
        if unsupported and notice_given_this_turn(tracker, unsupported):
            return []  # the session's first reply already said so: one reply, not two
        if unsupported and tracker.get_slot(LANGUAGE_NOTICE) != unsupported:
            dispatcher.utter_message(text=unsupported_notice(unsupported))
            return [SlotSet(LANGUAGE_NOTICE, unsupported)]
        message = message_of(tracker)
        if tracker.get_slot(STAGE) not in AT_THE_SUMMARY_OR_AFTER:
            if wants_partnership(message):  # "our library wants to share digitised maps with Commons"
                # The form is run as a follow-up: the fallback's rule says nothing about it.
                return [*start_intake(tracker, message), FollowupAction("intake_form")]
            if names_a_partnership(message):
                return offer_intake(dispatcher, tracker)
        if misunderstood_in_a_row(tracker) >= FALLBACKS_BEFORE_PERSON:
            # Not understood twice running: a person is offered (issue 14).
            dispatcher.utter_message(response="utter_offer_person", buttons=[person_button(message.language)])
            return []
        dispatcher.utter_message(response="utter_default")
        return []


#: Messages not understood in a row after which "Talk to a person" is offered.
FALLBACKS_BEFORE_PERSON = 2


def misunderstood_in_a_row(tracker: Tracker) -> int:
    """How many of the partner's latest messages, in a row, the assistant did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


class ActionAnswerOffer(Action):
    """The reply to "Would you like to start a partnership inquiry?": read in the partner's
    words first ("sí, no hay problema" is a yes), the classifier's intent second."""

    def name(self) -> str:
        return "action_answer_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = message_of(tracker)
        answer = read_yes_no(message.text, message.language)
        if answer is None:
            answer = message.intent in ("affirm", "start_intake")
        if answer:
            # What the partner said before the offer ("we're a museum in Dublin") starts it.
            offered = tracker.get_slot(OPENING)
            return start_intake(tracker, replace(message, text=offered, intent=None, payload={}) if offered else message)
        dispatcher.utter_message(response="utter_no_problem")
        return [SlotSet(STAGE, Stage.DECLINED.value), SlotSet(OPENING, None)]


def next_step(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """What the partner can do next, after an answer to a question outside the form."""
    stage = tracker.get_slot(STAGE)
    if stage == Stage.SUMMARY:
        # "Please put 'public domain' as the licence" was taken for a question about
        # licences: answered, and the change made all the same.
        reading = read_correction(message_of(tracker), dict(tracker.slots), named_resets=False)
        if reading.kind is Kind.CORRECTION:
            return apply_correction(dispatcher, tracker, reading)
        dispatcher.utter_message(response="utter_confirm_again")
    elif stage != Stage.SUBMITTED:
        dispatcher.utter_message(response="utter_next_step")
    return []


class ActionNextStep(Action):
    """After an answer to a question outside the form: what the partner can do next."""

    def name(self) -> str:
        return "action_next_step"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return next_step(dispatcher, tracker)


class ActionOutOfScope(Action):
    """A request the assistant does not handle: said so, with the next step; but one that names a
    partnership ("a maratón de edición for Book Day") is offered as an inquiry instead."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(STAGE) not in AT_THE_SUMMARY_OR_AFTER and names_a_partnership(message_of(tracker)):
            return offer_intake(dispatcher, tracker)
        dispatcher.utter_message(response="utter_out_of_scope")
        return next_step(dispatcher, tracker)
