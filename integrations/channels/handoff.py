"""The channels' half of a hand-off to a person (issue 14; bot/store/handoffs.py, actions/handoff.py).

While a person has the conversation (a hand-off `waiting` or `with_person`), a partner message
goes into the conversation as it is, with a fixed parse (no intent) instead of the NLU's: Rasa
logs it in the tracker, where the person reads it, and predicts nothing because the tracker is
paused (ConversationPaused). It never reaches the NLU, and no apology is sent for the silence.

A person's messages reach a socket.io partner at once (the console writes them to the tracker
through Rasa's HTTP API with the socket.io output channel). A REST client has no open
connection: what was said to it out of band (a person's messages, the assistant's own lines when
the hand-off ends) comes back at the front of the reply to its next request; during a hand-off a
blank message fetches them without saying anything (see `out_of_band_since_last`).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from bot.settings import Settings
from bot.store import make_engine
from bot.store.handoffs import OPEN
from bot.store.tables import handoffs

log = logging.getLogger(__name__)

#: Metadata of the tracker events a partner's message to a person and a person's reply carry.
TO_PERSON = "to_person"
OUT_OF_BAND = "out_of_band"
#: The assistant's actions the console runs outside a partner's turn (through Rasa's `execute`):
#: what they say is out of band too.
OUT_OF_BAND_ACTIONS = frozenset({"action_resume_intake", "action_close_handoff", "action_handoff_unclaimed"})


def person_parse(text: str) -> dict[str, Any]:
    """The parse a message to a person is logged with: no intent, no entities (not the NLU's)."""
    return {"text": text, "intent": {"name": None, "confidence": 0.0}, "entities": [], "intent_ranking": []}


class HandoffGate:
    """Whether a conversation is with a person, asked of the shared database (one indexed lookup
    per message; every server sees the same answer)."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._engine: Any = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> HandoffGate:
        return cls((settings or Settings.from_env()).database_url)

    def _connect(self) -> Any:
        if self._engine is None:
            self._engine = make_engine(self._url, sqlite_begin="DEFERRED")
        return self._engine.connect()

    def _status(self, conversation_id: str) -> tuple[str | None, bool]:
        # One indexed lookup per message: the latest hand-off says both whether one is open and
        # whether there ever was one.
        with self._connect() as connection:
            latest = connection.execute(
                select(handoffs.c.status).where(handoffs.c.conversation_id == conversation_id)
                .order_by(handoffs.c.id.desc()).limit(1)).scalar()
        return (latest if latest in OPEN else None), latest is not None

    async def status(self, conversation_id: str) -> tuple[str | None, bool]:
        """(`waiting` / `with_person` / None, whether the conversation ever had a hand-off).
        A database that cannot be read counts as no hand-off: the assistant answers."""
        try:
            return await asyncio.to_thread(self._status, conversation_id)
        except Exception as error:  # noqa: BLE001 - never fail a partner's message on this lookup
            log.warning("hand-off state unavailable (%s); the assistant answers", type(error).__name__)
            return None, False


def out_of_band_since_last(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The bot messages said out of band since the partner's previous message, in order: a
    person's replies, and what the assistant said when the console ended the hand-off. `events`
    are the tracker's, the partner's current message (if logged) included."""
    listed = list(events)
    users = [i for i, event in enumerate(listed) if event.get("event") == "user"]
    if not users:
        return []
    # The window: after the previous partner message up to the current one (or the end).
    current = users[-1]
    start = users[-2] + 1 if len(users) > 1 else 0
    window = listed[start:current]
    said: list[dict[str, Any]] = []
    outside = False
    for event in window:
        kind = event.get("event")
        if kind == "action":
            outside = event.get("name") in OUT_OF_BAND_ACTIONS or (outside and event.get("name") != "action_listen")
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            if outside or metadata.get(OUT_OF_BAND):
                said.append(_as_reply(event))
    return said


def _as_reply(event: Mapping[str, Any]) -> dict[str, Any]:
    """A tracker `bot` event as a REST reply item (text and buttons, as Rasa's collector gives)."""
    reply: dict[str, Any] = {"text": event.get("text") or ""}
    data = event.get("data") or {}
    if data.get("buttons"):
        reply["buttons"] = data["buttons"]
    return reply
