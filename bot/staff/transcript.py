"""Rasa tracker events turned into what staff read: the turns of a conversation in order, with
what the assistant understood, what it filled in, and where it stumbled. Pure; no database.

The words this module adds itself (a turn that is no message, a problem, a withheld value) are
marked `Wording`: English here and in the JSON API, in the viewer's language in the console."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.i18n.wording import Wording
from bot.privacy.sealing import CONTACT_SLOTS, SEALED

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_nlu_fallback", "action_two_stage_fallback"})
#: Bookkeeping slots that would only clutter a transcript.
QUIET_SLOTS = frozenset({"requested_slot", "misses", "offer_buttons", "session_started_metadata", "stage",
                         "language_notice", "read_turn", "greeted", "skipped", "choosing_field", "field", "guessed"})


@dataclass
class Turn:
    kind: str  # partner | bot | person | handoff | slot | form | session
    at: datetime
    seconds: float  # since the conversation's first event
    event_id: int | None = None
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    response: str | None = None
    slot: str | None = None
    value: Any = None
    problem: str | None = None  # Wording: "fallback", "not understood", "invalid answer"
    payload: str | None = None  # a button click: what the widget sent (the title is `text`)

    @property
    def technical(self) -> bool:
        """Shown only with the transcript's technical detail: what the assistant did, not what was said."""
        return self.kind in ("slot", "form", "session") or (self.kind == "bot" and self.response in FALLBACK_ACTIONS)


def turns(rows: Iterable[tuple[int, str]], *, show_contacts: bool) -> list[Turn]:
    """Turns from (events.id, events.data) rows in order; contact values withheld unless allowed.

    A button click reads as the title of the button the assistant offered (its payload kept in
    `payload`). A slot appears once per partner turn, with the value it ended with, and only
    when that value differs from the one before: the action server sets a slot when it extracts
    an answer and again when it validates it (rasa_sdk's FormValidationAction), so Rasa stores
    two events for one answer.
    """
    out: list[Turn | None] = []
    start: float | None = None
    offered: dict[str, str] = {}  # payload -> title of the buttons the assistant offered last
    settled: dict[str, Any] = {}  # each slot's value before the current partner turn
    pending: dict[str, tuple[int, Any]] = {}  # slot -> (its turn's index in `out`, value) since then
    for event_id, data in rows:
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            continue
        stamp = float(event.get("timestamp") or 0.0)
        start = stamp if start is None else start
        turn = _turn(event, event_id, stamp, start, show_contacts)
        if turn is None:
            continue
        if turn.kind == "partner":
            _settle(out, pending, settled)
            title = offered.get(turn.text.strip())
            if title is not None:
                turn.payload, turn.text = turn.text, title
        elif turn.kind == "bot" and turn.buttons:
            offered = _button_titles(event)
        elif turn.kind == "slot" and turn.slot is not None:
            earlier = pending.get(turn.slot)
            if earlier is not None:
                out[earlier[0]] = None  # the same answer set again: listed once, where it was last set
            pending[turn.slot] = (len(out), event.get("value"))
        out.append(turn)
    _settle(out, pending, settled)
    return [turn for turn in out if turn is not None]


def _settle(out: list[Turn | None], pending: dict[str, tuple[int, Any]], settled: dict[str, Any]) -> None:
    """End a partner turn: drop the slots it set to the value they already had."""
    for name, (index, value) in pending.items():
        if name in settled and settled[name] == value:
            out[index] = None
        settled[name] = value
    pending.clear()


def _button_titles(event: dict[str, Any]) -> dict[str, str]:
    data = event.get("data") or {}
    return {str(b.get("payload")).strip(): str(b.get("title")) for b in (data.get("buttons") or data.get("quick_replies") or [])
            if b.get("payload") and b.get("title")}


def _turn(event: dict[str, Any], event_id: int, stamp: float, start: float, show_contacts: bool) -> Turn | None:
    at = datetime.fromtimestamp(stamp, tz=timezone.utc)
    base: dict[str, Any] = {"at": at, "seconds": round(stamp - start, 1), "event_id": event_id}
    kind = event.get("event")
    if kind == "user":
        if not event.get("text") and (event.get("metadata") or {}).get("to_person"):
            return None  # a REST client fetching a person's replies said nothing
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        name = intent.get("name")
        return Turn("partner", text=str(event.get("text") or ""), intent=name,
                    confidence=intent.get("confidence"), entities=list(parse.get("entities") or []),
                    problem=Wording("not understood") if name == FALLBACK_INTENT else None, **base)
    if kind == "bot":
        data = event.get("data") or {}
        response = (event.get("metadata") or {}).get("utter_action")
        problem = Wording("invalid answer") if str(response or "").startswith("utter_invalid_") else None
        buttons = [str(b.get("title")) for b in (data.get("buttons") or data.get("quick_replies") or [])]
        if not event.get("text") and not buttons:
            return None  # a message only for the widget (its language)
        if (event.get("metadata") or {}).get("from") == "person":  # a person's reply (issue 14)
            return Turn("person", text=str(event.get("text") or ""), **base)
        return Turn("bot", text=str(event.get("text") or ""), buttons=buttons, response=response, problem=problem,
                    **base)
    if kind == "action" and event.get("name") in FALLBACK_ACTIONS:
        return Turn("bot", text=Wording("(fallback)"), response=event.get("name"), problem=Wording("fallback"), **base)
    if kind == "slot" and event.get("name") not in QUIET_SLOTS:
        name, value = event.get("name"), event.get("value")
        if name in CONTACT_SLOTS and SEALED in event:
            value = Wording("(contact details: kept apart from the transcript)")
        elif name in CONTACT_SLOTS and value is not None and not show_contacts:
            value = Wording("(withheld: no consent)")
        return Turn("slot", slot=name, value=value, **base)
    if kind in ("pause", "resume"):  # Rasa's ConversationPaused / ConversationResumed
        return Turn("handoff", text=Wording("handed to a person") if kind == "pause" else Wording("back with the assistant"),
                    **base)
    if kind == "active_loop":
        return Turn("form", text=Wording("form started") if event.get("name") else Wording("form ended"), **base)
    if kind == "session_started":
        return Turn("session", text=Wording("session started"), **base)
    return None


#: Who says a message (the JSON API's `messages[].from`): the partner, the assistant or a person.
MESSAGE_KINDS = ("partner", "bot", "person")
#: A conversation without an inquiry and silent this long is abandoned (Rasa's session expiry).
ABANDONED_AFTER_SECONDS = 60 * 60
#: What became of a conversation (the JSON API's `outcome`).
CONVERSATION_OUTCOMES = ("active", "abandoned", "inquiry", "deflected")
#: Who has the conversation (the JSON API's `status`, issue 14): the assistant, a partner waiting
#: for a person, a person, or nobody any more (a person closed it, or it was abandoned).
CONVERSATION_STATUSES = ("bot", "waiting", "with_person", "closed")
#: Events this close after a person closed the conversation are the assistant's goodbye.
CLOSING_SECONDS = 5.0


def conversation_outcome(*, inquiry_status: str | None, last_event_at: datetime | None, now: datetime) -> str:
    """`deflected` or `inquiry` once it became one; else `active`, or `abandoned` when silent."""
    if inquiry_status is not None:
        return "deflected" if inquiry_status == "deflected" else "inquiry"
    idle = (now - last_event_at).total_seconds() if last_event_at else 0.0
    return "abandoned" if idle > ABANDONED_AFTER_SECONDS else "active"


def conversation_status(*, handoff: dict[str, Any] | None, outcome: str, last_event_at: datetime | None) -> str:
    """`waiting` / `with_person` while a person has it; `closed` when a person closed it and
    nothing was said since, or when it was abandoned; else `bot`."""
    status = (handoff or {}).get("status")
    if status in ("waiting", "with_person"):
        return str(status)
    ended = (handoff or {}).get("ended_at")
    if status == "closed" and ended is not None and (
            last_event_at is None or (last_event_at - ended).total_seconds() <= CLOSING_SECONDS):
        return "closed"
    return "closed" if outcome == "abandoned" else "bot"


@dataclass(frozen=True)
class ConversationState:
    """Where a conversation stands, from its events: what the JSON API's conversation says."""

    language: str | None
    active_form: str | None
    requested_slot: str | None
    latest_intent: str | None
    started_at: datetime | None
    last_event_at: datetime | None
    messages: list[dict[str, Any]]

    def outcome(self, *, inquiry_status: str | None, now: datetime) -> str:
        """`conversation_outcome` of this conversation."""
        return conversation_outcome(inquiry_status=inquiry_status, last_event_at=self.last_event_at, now=now)


def conversation_state(rows: Iterable[tuple[int, str]], *, show_contacts: bool) -> ConversationState:
    """The state of a conversation from its (events.id, events.data) rows in order; the partner's
    and the bot's messages with their times (contact answers withheld unless allowed)."""
    slots: dict[str, Any] = {}
    active_form: str | None = None
    latest_intent: str | None = None
    stamps: list[float] = []
    events_in_order: list[tuple[int, str]] = []
    for event_id, data in rows:
        events_in_order.append((event_id, data))
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            continue
        stamps.append(float(event.get("timestamp") or 0.0))
        kind = event.get("event")
        if kind == "slot":
            slots[str(event.get("name"))] = event.get("value")
        elif kind == "active_loop":
            active_form = event.get("name") or None
        elif kind == "user":
            latest_intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or latest_intent
        elif kind == "session_started":
            active_form = None  # a new session starts outside any form
    said = [t for t in turns(events_in_order, show_contacts=show_contacts) if t.kind in MESSAGE_KINDS]
    # The JSON API keeps what the partner sent: a button's payload, not its title.
    messages = [{"at": t.at, "from": t.kind, "text": t.payload or t.text, **({"buttons": t.buttons} if t.buttons else {})}
                for t in said]

    def at(stamp: float | None) -> datetime | None:
        return datetime.fromtimestamp(stamp, tz=timezone.utc) if stamp is not None else None

    return ConversationState(
        language=slots.get("language"), active_form=active_form, requested_slot=slots.get("requested_slot"),
        latest_intent=latest_intent, started_at=at(min(stamps) if stamps else None),
        last_event_at=at(max(stamps) if stamps else None), messages=messages,
    )
