"""Rasa tracker events turned into what staff read: the turns of a conversation in order, with
what the assistant understood, what it filled in, and where it stumbled. Pure; no database."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_nlu_fallback", "action_two_stage_fallback"})
#: Slots that hold personal data: shown only when the partner consented to be contacted.
CONTACT_SLOTS = frozenset({"contact_name", "contact_email"})
#: Bookkeeping slots that would only clutter a transcript.
QUIET_SLOTS = frozenset({"requested_slot", "misses", "offer_buttons", "session_started_metadata", "stage",
                         "language_notice", "read_turn", "greeted", "skipped", "choosing_field", "field", "guessed"})


@dataclass
class Turn:
    kind: str  # partner | bot | slot | form | session
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
    problem: str | None = None  # "fallback", "not understood", "invalid answer"


def turns(rows: Iterable[tuple[int, str]], *, show_contacts: bool) -> list[Turn]:
    """Turns from (events.id, events.data) rows in order; contact values withheld unless allowed."""
    out: list[Turn] = []
    start: float | None = None
    for event_id, data in rows:
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            continue
        stamp = float(event.get("timestamp") or 0.0)
        start = stamp if start is None else start
        turn = _turn(event, event_id, stamp, start, show_contacts)
        if turn is not None:
            out.append(turn)
    return out


def _turn(event: dict[str, Any], event_id: int, stamp: float, start: float, show_contacts: bool) -> Turn | None:
    at = datetime.fromtimestamp(stamp, tz=timezone.utc)
    base: dict[str, Any] = {"at": at, "seconds": round(stamp - start, 1), "event_id": event_id}
    kind = event.get("event")
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        name = intent.get("name")
        return Turn("partner", text=str(event.get("text") or ""), intent=name,
                    confidence=intent.get("confidence"), entities=list(parse.get("entities") or []),
                    problem="not understood" if name == FALLBACK_INTENT else None, **base)
    if kind == "bot":
        data = event.get("data") or {}
        response = (event.get("metadata") or {}).get("utter_action")
        problem = "invalid answer" if str(response or "").startswith("utter_invalid_") else None
        buttons = [str(b.get("title")) for b in (data.get("buttons") or data.get("quick_replies") or [])]
        if not event.get("text") and not buttons:
            return None  # a message only for the widget (its language)
        return Turn("bot", text=str(event.get("text") or ""), buttons=buttons, response=response, problem=problem,
                    **base)
    if kind == "action" and event.get("name") in FALLBACK_ACTIONS:
        return Turn("bot", text="(fallback)", response=event.get("name"), problem="fallback", **base)
    if kind == "slot" and event.get("name") not in QUIET_SLOTS:
        name, value = event.get("name"), event.get("value")
        if name in CONTACT_SLOTS and value is not None and not show_contacts:
            value = "(withheld: no consent)"
        return Turn("slot", slot=name, value=value, **base)
    if kind == "active_loop":
        return Turn("form", text="form started" if event.get("name") else "form ended", **base)
    if kind == "session_started":
        return Turn("session", text="session started", **base)
    return None
