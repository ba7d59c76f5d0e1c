"""Every partner message gets a reply: the channels' last line of defence.

The dialogue answers every message by design (tests/simulation checks it over whole
conversations), but an action server that is down or a bug must not leave a partner looking at
silence: when handling a message sent nothing back, the partner is told, in the conversation's
language, that something went wrong on our side and that they may say it again. Each such reply
is logged as a warning (without the message or the conversation id) so that operators see it.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

from bot.i18n.catalog import DEFAULT_LANGUAGE, load_catalog

log = logging.getLogger(__name__)

#: The response said when nothing else was (bot/responses/<lang>.yml).
ERROR_RESPONSE = "utter_error"
TOO_LONG_RESPONSE = "utter_message_too_long"
#: The catalogues' `channel` text said when a rate limit drops a message.
SLOW_DOWN = "slow_down"

Handler = Callable[[UserMessage], Awaitable[Any]]


def _catalog_text(response: str, language: str | None, fallback: str) -> str:
    """The first text of `response` in `language`'s catalogue (English when it is not one we speak)."""
    variations = load_catalog(language or DEFAULT_LANGUAGE).responses.get(response) or []
    return str(variations[0]["text"]) if variations else fallback


def error_text(language: str | None) -> str:
    """The apology in `language`."""
    return _catalog_text(ERROR_RESPONSE, language, "Sorry, something went wrong. Please say that again.")


class CountingOutput(OutputChannel):
    """An output channel that remembers whether anything was sent through it."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    @classmethod
    def name(cls) -> str:
        return "counting"

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


async def _language_of(sender_id: str) -> str | None:
    """The conversation language from the tracker store, if it can be read."""
    try:
        from sanic import Sanic

        agent = Sanic.get_app().ctx.agent
        tracker = await agent.tracker_store.retrieve(sender_id)
        return tracker.get_slot("language") if tracker else None
    except Exception:  # the store itself may be what failed; English then
        return None


def too_long_text(language: str | None, max_chars: int) -> str:
    """"Please keep it under N characters" in `language`."""
    fallback = "That message is too long: please keep it under {max_chars} characters."
    return _catalog_text(TOO_LONG_RESPONSE, language, fallback).format(max_chars=max_chars)


def slow_down_text(language: str | None) -> str:
    """"You are sending messages faster than I can read them" in `language` (rate limits)."""
    catalog = load_catalog(language or DEFAULT_LANGUAGE)
    return catalog.channel.get(SLOW_DOWN) or load_catalog(DEFAULT_LANGUAGE).channel.get(SLOW_DOWN) or (
        "You're sending messages faster than I can read them. Please wait a moment.")


async def conversation_language(message_metadata: dict[str, Any] | None, sender_id: str) -> str | None:
    """The language a channel's own reply is written in: the page's, else the conversation's."""
    asked = (message_metadata or {}).get("language")
    return asked if isinstance(asked, str) and asked else await _language_of(sender_id)


def always_answered(on_new_message: Handler, *, max_chars: int | None = None) -> Handler:
    """`on_new_message` that sends an apology when handling the message sent nothing, and that
    answers a message longer than `max_chars` with a request to shorten it, without reading it
    (a megabyte of text would hold the event loop in the NLU for seconds)."""

    async def handle(message: UserMessage) -> None:
        if max_chars is not None and len(message.text or "") > max_chars:
            log.info("a message of %d characters was not read (limit %d)", len(message.text or ""), max_chars)
            language = await conversation_language(message.metadata, message.sender_id)
            await message.output_channel.send_text_message(message.sender_id, too_long_text(language, max_chars))
            return
        output = message.output_channel
        counted = output if isinstance(output, CollectingOutputChannel) else CountingOutput(output)
        before = len(counted.messages) if isinstance(counted, CollectingOutputChannel) else 0
        if not isinstance(counted, CollectingOutputChannel):
            message.output_channel = counted
        try:
            await on_new_message(message)
        except Exception as error:  # noqa: BLE001 - whatever failed, the partner gets a reply
            log.warning("handling a message failed (%s); the partner was told", type(error).__name__)
        sent = len(counted.messages) - before if isinstance(counted, CollectingOutputChannel) else counted.sent
        if sent == 0:
            log.warning("a message got no reply from the dialogue; the partner was told")
            await counted.send_text_message(message.sender_id, error_text(await _language_of(message.sender_id)))

    return handle
