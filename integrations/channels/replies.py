"""Every partner message gets a reply: the channels' last line of defence.

The dialogue answers every message by design (tests/simulation checks it over whole
conversations), but a fault must not leave a partner looking at silence, nor at the replies of a
turn that was not saved:
- an action call failed (the action server down, a 500; turns.py): nothing of the turn was
  saved, and the partner is asked, once, to send the message again in a moment;
- the conversation store cannot be reached (a database outage), or the conversation's lock
  cannot be had (Redis unreachable or restarting: integrations/tracker/lock_store.py raises
  Rasa's LockError before anything of the message was read): the same request, and the REST
  channel answers 503; never a reply from a blank conversation (integrations/tracker/guard.py);
- handling a message sent nothing back (a bug): the partner is told that something went wrong.
The apology is in the conversation's language (remembered by the Rasa process when the database
cannot be read), else the page's, else English. Each is logged as a warning (without the message
or the conversation id) so that operators see it.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.lock_store import LockError

from bot.i18n.catalog import DEFAULT_LANGUAGE, load_catalog
from bot.store.outage import unreachable
from integrations.channels import turns
from integrations.tracker.store import TrackerStoreUnavailable

log = logging.getLogger(__name__)

#: The response said when nothing else was (bot/responses/<lang>.yml).
ERROR_RESPONSE = "utter_error"
TOO_LONG_RESPONSE = "utter_message_too_long"
#: The catalogues' `channel` text said when a rate limit drops a message.
SLOW_DOWN = "slow_down"
#: The catalogues' `channel` text said when a fault kept a message from being handled.
UNAVAILABLE = "unavailable"

Handler = Callable[[UserMessage], Awaitable[Any]]


def _catalog_text(response: str, language: str | None, fallback: str) -> str:
    """The first text of `response` in `language`'s catalogue (English when it is not one we speak)."""
    variations = load_catalog(language or DEFAULT_LANGUAGE).responses.get(response) or []
    return str(variations[0]["text"]) if variations else fallback


def error_text(language: str | None) -> str:
    """The apology in `language`."""
    return _catalog_text(ERROR_RESPONSE, language, "Sorry, something went wrong. Please say that again.")


def _channel_text(key: str, language: str | None, fallback: str) -> str:
    """A catalogue's `channel` text in `language`, else in English."""
    return (load_catalog(language or DEFAULT_LANGUAGE).channel.get(key)
            or load_catalog(DEFAULT_LANGUAGE).channel.get(key) or fallback)


def unavailable_text(language: str | None) -> str:
    """"Your message did not get through because of us: send it again in a moment" in `language`
    (a failed action call, an unreachable conversation store)."""
    return _channel_text(UNAVAILABLE, language, "Sorry, a problem on our side: please send your message again.")


def unreachable_store(error: BaseException) -> bool:
    """Whether `error` says the conversation store could not be read or written, or the
    conversation's lock could not be had: either way nothing of the message was handled or saved
    (Rasa takes the lock before it reads the conversation), so asking again is safe."""
    return isinstance(error, (TrackerStoreUnavailable, LockError)) or unreachable(error)


class HeldOutput(OutputChannel):
    """An output channel that holds what the dialogue says until the turn is over: sent when the
    turn was saved, dropped when it failed (the partner then hears only the apology, not the
    replies of a turn that did not happen)."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.held: list[tuple[str, dict[str, Any]]] = []

    @classmethod
    def name(cls) -> str:
        return "held"

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.held.append((recipient_id, dict(message)))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.held.append((recipient_id, {"text": text, **kwargs}))

    async def release(self) -> int:
        """Send what was held, in order; how many messages that was."""
        held, self.held = self.held, []
        for recipient_id, message in held:
            await self.inner.send_response(recipient_id, message)
        return len(held)


async def _language_of(sender_id: str) -> str | None:
    """The conversation language: remembered by this process (integrations/tracker/guard.py),
    else from the tracker store if it can be read."""
    try:
        from sanic import Sanic

        store = Sanic.get_app().ctx.agent.tracker_store
        remembered = getattr(store, "known_language", None)
        known = remembered(sender_id) if remembered else None
        if known:
            return str(known)
        tracker = await store.retrieve(sender_id)
        return tracker.get_slot("language") if tracker else None
    except Exception:  # the store itself may be what failed; English then
        return None


def too_long_text(language: str | None, max_chars: int) -> str:
    """"Please keep it under N characters" in `language`."""
    fallback = "That message is too long: please keep it under {max_chars} characters."
    return _catalog_text(TOO_LONG_RESPONSE, language, fallback).format(max_chars=max_chars)


def slow_down_text(language: str | None) -> str:
    """"You are sending messages faster than I can read them" in `language` (rate limits)."""
    return _channel_text(SLOW_DOWN, language, "You're sending messages faster than I can read them. Please wait a moment.")


async def conversation_language(message_metadata: dict[str, Any] | None, sender_id: str) -> str | None:
    """The language a channel's own reply is written in: the page's, else the conversation's."""
    asked = (message_metadata or {}).get("language")
    return asked if isinstance(asked, str) and asked else await _language_of(sender_id)


class Outcome(str, Enum):
    """How a message handled through `always_answered` ended."""

    ANSWERED = "answered"
    #: An action call failed: nothing of the turn was saved; the partner was asked to send it again.
    FAILED_TURN = "failed_turn"
    #: The conversation store could not be reached: nothing was read or saved; the partner was
    #: asked to send it again (the REST channel answers 503).
    UNAVAILABLE = "unavailable"
    #: The dialogue sent nothing or broke: the partner got the generic apology.
    APOLOGISED = "apologised"
    #: The message had been handled and saved already (turns.AlreadyHandled): its saved replies
    #: were sent again (reported as ANSWERED).
    REPLAYED = "replayed"


async def fault_language(message: UserMessage) -> str:
    """The language of an apology for a fault: the conversation's as this process remembers it or
    the store says, else the page's, else the one the message seems to be written in, else English."""
    metadata = message.metadata or {}
    for candidate in (await _language_of(message.sender_id), metadata.get("language"),
                      metadata.get("detected_language")):
        if isinstance(candidate, str) and candidate:
            return candidate
    return DEFAULT_LANGUAGE


def always_answered(on_new_message: Handler, *, max_chars: int | None = None) -> Callable[[UserMessage],
                                                                                           Awaitable[Outcome]]:
    """`on_new_message` as one turn (turns.py) that always answers: with what the dialogue said
    when the turn was saved; with one "please send that again" when an action call failed or the
    conversation store could not be reached (then nothing else the turn said is sent, and nothing
    of it was saved); with an apology when handling the message sent nothing. A message longer than
    `max_chars` is answered with a request to shorten it, without reading it (a megabyte of text
    would hold the event loop in the NLU for seconds)."""

    async def handle(message: UserMessage) -> Outcome:
        if max_chars is not None and len(message.text or "") > max_chars:
            log.info("a message of %d characters was not read (limit %d)", len(message.text or ""), max_chars)
            language = await conversation_language(message.metadata, message.sender_id)
            await message.output_channel.send_text_message(message.sender_id, too_long_text(language, max_chars))
            return Outcome.ANSWERED
        output = message.output_channel
        collector = output if isinstance(output, CollectingOutputChannel) else None
        before = len(collector.messages) if collector is not None else 0
        held = HeldOutput(output) if collector is None else None
        if held is not None:
            message.output_channel = held
        outcome = Outcome.ANSWERED
        replayed: list[dict[str, Any]] = []
        with turns.turn(message.message_id) as turn:
            try:
                await on_new_message(message)
            except turns.AlreadyHandled as handled:
                outcome, replayed = Outcome.REPLAYED, handled.replies
                log.info("a message sent again after its turn was saved got that turn's replies")
            except Exception as error:  # noqa: BLE001 - whatever failed, the partner gets a reply
                outcome = Outcome.UNAVAILABLE if unreachable_store(error) else (
                    Outcome.FAILED_TURN if turn.failed or isinstance(error, turns.TurnFailed) else Outcome.APOLOGISED)
                log.warning("handling a message failed (%s, %s); the partner was asked to send it again",
                            type(error).__name__, turn.failure or "no action call failed")
            else:
                if turn.failed:  # saved nothing either way (guard.py); never a half turn's replies
                    outcome = Outcome.FAILED_TURN
        if outcome is not Outcome.ANSWERED:
            # Only the apology (or the saved replies): the turn's replies belong to a turn that was not saved.
            if collector is not None:
                del collector.messages[before:]
            elif held is not None:
                held.held.clear()
        for reply in replayed:
            await (held or output).send_response(message.sender_id, dict(reply))
        if outcome is Outcome.REPLAYED:
            outcome = Outcome.ANSWERED
        said = 0
        if held is not None:
            said = await held.release()
            message.output_channel = output
        elif collector is not None:
            said = len(collector.messages) - before
        if outcome is Outcome.ANSWERED and said == 0:
            outcome = Outcome.APOLOGISED
            log.warning("a message got no reply from the dialogue; the partner was told")
        if outcome in (Outcome.FAILED_TURN, Outcome.UNAVAILABLE):
            await output.send_text_message(message.sender_id, unavailable_text(await fault_language(message)))
        elif outcome is Outcome.APOLOGISED:
            await output.send_text_message(message.sender_id, error_text(await _language_of(message.sender_id)))
        return outcome

    return handle
