"""One partner message handled by the dialogue: a *turn*, which is saved whole or not at all.

Rasa carries on after an action call fails ("Bot will continue, but the actions events are
lost", rasa/core/processor.py) and saves what it has: the partner's message, the failed action
without its events, whatever it predicted next. The conversation then sat in a state no story
leads to, and the partner got an empty reply. Here the channel opens a turn around the message
(`turn()`); an action call that fails (integrations/stack/action_calls.py) marks it (`fail`),
and the conversation store refuses to save a failed turn (`check_savable`, called by
integrations/tracker/guard.py), so the conversation stays exactly as it was before the message
and the channel asks the partner to send it again.

A message sent again under the id of one the conversation already holds is not handled twice:
HAProxy sends a REST message to another server when the one handling it died before answering
(deploy/haproxy.cfg.in `retry-on`), and rarely that server had saved the turn first. The retry
carries the same id (the balancer's X-Request-ID, integrations/channels/rest.py), the conversation
store sees it as the last message (`check_not_handled`, called by guard.py when Rasa reads the
conversation under its lock), and the partner gets that turn's saved replies (`AlreadyHandled`)
instead of the next question as if they had said it twice.

The turn is a context variable: Rasa handles a message in the channel's own task, so every
action call and the final save of that message see it; requests that are not a partner's
message (Rasa's HTTP API, the console writing a person's reply) have no turn and are unaffected.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


class TurnFailed(Exception):
    """An action call of this turn failed: nothing of the turn was saved."""


class AlreadyHandled(Exception):
    """This message is the conversation's last one already: nothing was handled again; `replies`
    are what the bot said after it (each a message as a channel's send_response takes it)."""

    def __init__(self, replies: list[dict[str, Any]]) -> None:
        super().__init__("this message was handled and saved already")
        self.replies = replies


@dataclass
class Turn:
    #: The type of the first error that failed the turn (never its text: it may quote the partner).
    failure: str | None = None
    #: The message's id (Rasa's UserMessage.message_id), stored with it in the conversation.
    message_id: str | None = None

    @property
    def failed(self) -> bool:
        return self.failure is not None


_current: ContextVar[Turn | None] = ContextVar("intake_turn", default=None)


@contextmanager
def turn(message_id: str | None = None) -> Iterator[Turn]:
    """A turn for the message (with id `message_id`) handled inside the block."""
    current = Turn(message_id=message_id)
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def fail(error: BaseException) -> None:
    """Mark the current turn (if any) failed by `error`; the first failure is the one kept."""
    current = _current.get()
    if current is not None and current.failure is None:
        current.failure = type(error).__name__


def check_savable() -> None:
    """Raise TurnFailed when the current turn failed: its half must not be stored."""
    current = _current.get()
    if current is not None and current.failed:
        raise TurnFailed(f"an action call failed ({current.failure}); the turn was not saved")


def check_not_handled(tracker: DialogueStateTracker | None) -> None:
    """Raise AlreadyHandled when `tracker`, read for the current turn before its message was added,
    ends with that very message (same id): a retry of a turn that was saved."""
    current = _current.get()
    if current is None or not current.message_id or tracker is None:
        return
    replies: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if event.message_id == current.message_id:
                raise AlreadyHandled(list(reversed(replies)))
            return
        if isinstance(event, BotUttered):
            replies.append({"text": event.text, **{k: v for k, v in (event.data or {}).items() if v is not None}})
