"""One partner message handled by the dialogue: a *turn*, which is saved whole or not at all.

Rasa carries on after an action call fails ("Bot will continue, but the actions events are
lost", rasa/core/processor.py) and saves what it has: the partner's message, the failed action
without its events, whatever it predicted next. The conversation then sat in a state no story
leads to, and the partner got an empty reply. Here the channel opens a turn around the message
(`turn()`); an action call that fails (integrations/stack/action_calls.py) marks it (`fail`),
and the conversation store refuses to save a failed turn (`check_savable`, called by
integrations/tracker/guard.py), so the conversation stays exactly as it was before the message
and the channel asks the partner to send it again.

The turn is a context variable: Rasa handles a message in the channel's own task, so every
action call and the final save of that message see it; requests that are not a partner's
message (Rasa's HTTP API, the console writing a person's reply) have no turn and are unaffected.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


class TurnFailed(Exception):
    """An action call of this turn failed: nothing of the turn was saved."""


@dataclass
class Turn:
    #: The type of the first error that failed the turn (never its text: it may quote the partner).
    failure: str | None = None

    @property
    def failed(self) -> bool:
        return self.failure is not None


_current: ContextVar[Turn | None] = ContextVar("intake_turn", default=None)


@contextmanager
def turn() -> Iterator[Turn]:
    """A turn for the message handled inside the block."""
    current = Turn()
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
