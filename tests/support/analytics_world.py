"""Conversations over several weeks whose dashboard numbers are known, for the tests of the
analytics consumer's table (conversation_stats) against Rasa's events: a conversation that began
before the window, one that came back weeks later, a fallback, a form reset, an inquiry."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from fakes import FakeDecision
from rasa_events import action, active_loop, bot, session_started, slot, user

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry

#: A Wednesday: events fall at midday, far from the Monday midnight where weeks change.
TODAY = date.today() - timedelta(days=(date.today().weekday() - 2) % 7)


def at(weeks_ago: int, seconds: float = 0.0) -> float:
    """Wednesday noon UTC `weeks_ago` weeks before TODAY, plus `seconds`."""
    return datetime.combine(TODAY - timedelta(weeks=weeks_ago), time(12), tzinfo=timezone.utc).timestamp() + seconds


def _turn(t: float, text: str, intent: str, *, asked: str | None = "-", form: bool = False) -> list[dict[str, Any]]:
    steps = [user(text, intent, t=t), action("intake_form" if form else "utter_greet", t=t + 0.1)]
    if form:
        steps.append(active_loop("intake_form", t=t + 0.2))
    if asked != "-":
        steps.append(slot("requested_slot", asked, t=t + 0.3))
    steps.append(bot("Thanks, and which country are you in? mail me at a@example.org", t=t + 0.4))
    return steps


def conversations() -> dict[str, list[dict[str, Any]]]:
    """Conversation id -> its events, in order."""
    return {
        # This week: starts the form, becomes an inquiry (no drop-off).
        "w-done": [session_started(t=at(0)), *_turn(at(0, 1), "we donate photos", "start_intake", form=True,
                                                    asked="organization_name"),
                   *_turn(at(0, 20), "Musée de Lyon", "inform", asked="country")],
        # This week: not understood once, starts the form, leaves at the country question.
        "w-left": [session_started(t=at(0, 5)), *_turn(at(0, 6), "hmm", "nlu_fallback"),
                   *_turn(at(0, 30), "a course", "start_intake", form=True, asked="country")],
        # Two weeks ago, and back this week: counted once, two weeks ago.
        "w-back": [session_started(t=at(2)), *_turn(at(2, 1), "hello", "greet"), *_turn(at(2, 9), "??", "nlu_fallback"),
                   session_started(t=at(0, 100)), *_turn(at(0, 101), "hello again", "greet")],
        # Began before the twelve weeks, went on this week: counted in the window's first week it
        # appears in (this one), form started this week.
        "w-old": [session_started(t=at(20)), *_turn(at(20, 1), "hi", "greet"),
                  *_turn(at(0, 200), "let's partner", "start_intake", form=True, asked="description")],
        # Asked the e-mail, then the form was cancelled (requested_slot reset): no drop-off.
        "w-reset": [session_started(t=at(1)), *_turn(at(1, 1), "go", "start_intake", form=True, asked="email"),
                    *_turn(at(1, 40), "stop", "stop", asked=None)],
        # Asked the country last week, the organisation this week: drop-off at the organisation.
        "w-two-weeks": [session_started(t=at(1, 50)), *_turn(at(1, 51), "go", "start_intake", form=True, asked="country"),
                        *_turn(at(0, 300), "France", "inform", asked="organization_name")],
        # Last week: form started, left at the description.
        "w-desc": [session_started(t=at(1, 70)), *_turn(at(1, 71), "archives", "start_intake", form=True,
                                                        asked="description"),
                   *_turn(at(1, 90), "blah", "nlu_fallback", asked="description")],
    }


#: What the dashboard must show for conversations() (TODAY's week is the last of 12).
EXPECTED = {
    "conversations": {0: 3, 1: 3, 2: 1},   # weeks ago -> conversations counted
    "intake started": {0: 3, 1: 3},
    "drop_off": [("description", 2), ("country", 1), ("organization_name", 1)],
}


def published(rng: random.Random | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(conversation id, event) in publishing order, or shuffled by `rng`."""
    pairs = [(conversation, event) for conversation, steps in conversations().items() for event in steps]
    if rng is not None:
        rng.shuffle(pairs)
    return iter(pairs)


def add_inquiry(sessionmaker, conversation_id: str = "w-done") -> None:
    with sessionmaker.begin() as session:
        inquiry = Inquiry(conversation_id=conversation_id, partnership_type=PartnershipType.CONTENT_DONATION,
                          organization_name="Musée", organization_type=OrganizationType.MUSEUM, country="FR")
        submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                       decision=FakeDecision(affiliate_id="wm-fr"))
