"""A person's side of a hand-off, shared by the console's inbox and the JSON API (issue 14):
claim, reply, hand back to the assistant, close.

The hand-off's state is in the store (bot/store/handoffs.py); what the partner sees is written
into the conversation through Rasa's HTTP API (rasa_api.py), so that the tracker holds the whole
conversation in order. The order of the two matters: a claim is recorded before anything is
said (two people claiming at once: one wins, the other is told); handing back and closing run
the assistant's action, which ends the hand-off in the store in the same turn as it resumes the
conversation.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.i18n.catalog import load_catalog
from bot.i18n.wording import Refusal
from bot.store.clock import utcnow
from bot.store.handoffs import (
    Answerer,
    HandoffConflict,
    claim,
    may_answer,
    open_handoff,
    record_reply,
)
from integrations.channels.handoff import OUT_OF_BAND
from integrations.console import db
from integrations.console.keys import DIRECTORY, RASA
from integrations.console.rasa_api import RasaUnavailable

__all__ = ["HandoffConflict", "RasaUnavailable", "claim_handoff", "reply", "release", "close"]

#: The longest reply a person can send (the partner's own limit is INTAKE_MAX_MESSAGE_CHARS).
MAX_REPLY_CHARS = 5000


def _first_text(language: str, response: str, **params: Any) -> str:
    variations = load_catalog(language).responses.get(response) or load_catalog("en").responses[response]
    return str(variations[0]["text"]).format(**params)


def joined_text(app: web.Application, handoff: dict[str, Any]) -> str:
    """"You're now talking with a person from …", in the partner's language."""
    affiliate = handoff.get("affiliate_id")
    if affiliate:
        try:
            name = app[DIRECTORY].get(affiliate).name
            return _first_text(handoff["language"], "utter_handoff_joined_affiliate", affiliate=name)
        except KeyError:
            pass
    return _first_text(handoff["language"], "utter_handoff_joined_team")


def _visible(*, session: Any, conversation_id: str, who: Answerer) -> dict[str, Any]:
    handoff = open_handoff(session, conversation_id=conversation_id)
    if handoff is None or not may_answer(handoff, who):
        raise HandoffConflict("no open hand-off in this conversation")
    return handoff


def _claim(*, session: Any, conversation_id: str, who: Answerer) -> tuple[dict[str, Any], bool]:
    handoff = _visible(session=session, conversation_id=conversation_id, who=who)
    was_waiting = handoff["status"] == "waiting"
    return claim(session, conversation_id=conversation_id, who=who, now=utcnow()), was_waiting


def _first_reply(*, session: Any, conversation_id: str, who: Answerer) -> None:
    record_reply(session, conversation_id=conversation_id, who=who, now=utcnow())


def _person(who: Answerer) -> dict[str, Any]:
    return {OUT_OF_BAND: True, "from": "person", "person": who.name[:100]}


async def claim_handoff(request: web.Request | web.Application, *, conversation_id: str, who: Answerer) -> dict[str, Any]:
    """Take a waiting hand-off; the partner is told a person has joined."""
    app = request if isinstance(request, web.Application) else request.app
    handoff, claimed_now = await db.write(app, _claim, conversation_id=conversation_id, who=who)
    if claimed_now:
        await app[RASA].say(conversation_id, [(joined_text(app, handoff), {OUT_OF_BAND: True, "from": "bot"})])
    return handoff


async def reply(request: web.Request | web.Application, *, conversation_id: str, who: Answerer, text: str) -> None:
    """Send a person's reply to the partner (claiming a waiting hand-off first); a Refusal when
    it is empty or too long."""
    text = text.strip()
    if not text:
        raise Refusal("the reply is empty")
    if len(text) > MAX_REPLY_CHARS:
        raise Refusal("a reply has at most %(limit)s characters", limit=MAX_REPLY_CHARS)
    app = request if isinstance(request, web.Application) else request.app
    handoff, claimed_now = await db.write(app, _claim, conversation_id=conversation_id, who=who)
    said: list[tuple[str, dict[str, Any]]] = []
    if claimed_now:
        said.append((joined_text(app, handoff), {OUT_OF_BAND: True, "from": "bot"}))
    said.append((text, _person(who)))
    await app[RASA].say(conversation_id, said)
    # Counted once it reached the conversation: the dashboard's time to first human reply.
    await db.write(app, _first_reply, conversation_id=conversation_id, who=who)


async def release(request: web.Request | web.Application, *, conversation_id: str, who: Answerer) -> None:
    """Hand the conversation back: the assistant resumes the question it had paused."""
    app = request if isinstance(request, web.Application) else request.app
    await db.read(app, _visible, conversation_id=conversation_id, who=who)
    await app[RASA].run_action(conversation_id, "action_resume_intake")


async def close(request: web.Request | web.Application, *, conversation_id: str, who: Answerer) -> None:
    """End the hand-off: the partner is thanked and the assistant listens again."""
    app = request if isinstance(request, web.Application) else request.app
    await db.read(app, _visible, conversation_id=conversation_id, who=who)
    await app[RASA].run_action(conversation_id, "action_close_handoff")
