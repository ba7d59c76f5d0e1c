"""The conversation store as Rasa's agent sees it: errors reach the channel, half turns are not saved.

Rasa's agent wraps every tracker store in `FailSafeTrackerStore` (rasa/core/agent.py,
`Agent._create_tracker_store`), which turns a failed read into "no such conversation" and a
failed save into a save in process memory. During a database outage Rasa therefore answered
from a blank conversation (an English first question in the middle of a French form) and the
turn went to memory, never to the database. `GuardedTrackerStore` lets every error through
(`TrackerStoreUnavailable` from integrations/tracker/store.py, which the channels answer with 503), and
refuses to save a turn an action call failed in (integrations/channels/turns.py).

It also remembers, in this process, the language of the conversations it has seen (bounded): a
channel can then apologise in the partner's language while the database cannot be read.

`install()` (called by integrations/stack/rasa_server.py before Rasa starts) makes the agent
build this wrapper instead; tests/unit/test_conversation_guard.py fails if an upgrade of Rasa
changes the replaced function.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from integrations.channels import turns

#: How many conversations' languages are remembered (a few hundred KB at most).
REMEMBERED_LANGUAGES = 20_000
LANGUAGE_SLOT = "language"


class GuardedTrackerStore(FailSafeTrackerStore):
    """The agent's tracker store without the fail-safe's fallbacks (module docstring)."""

    def __init__(self, tracker_store: TrackerStore) -> None:
        super().__init__(tracker_store)
        self._languages: OrderedDict[str, str] = OrderedDict()

    def known_language(self, sender_id: str) -> str | None:
        """The conversation's language when this process has seen it, without reading the database."""
        return self._languages.get(sender_id)

    def _remember(self, tracker: DialogueStateTracker | None) -> None:
        language = tracker.get_slot(LANGUAGE_SLOT) if tracker else None
        if tracker is None or not isinstance(language, str):
            return
        self._languages[tracker.sender_id] = language
        self._languages.move_to_end(tracker.sender_id)
        while len(self._languages) > REMEMBERED_LANGUAGES:
            self._languages.popitem(last=False)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = await self._tracker_store.retrieve(sender_id)
        turns.check_not_handled(tracker)  # a message sent again after its turn was saved
        self._remember(tracker)
        return tracker

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._tracker_store.retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[str]:
        return await self._tracker_store.keys()

    async def save(self, tracker: DialogueStateTracker) -> None:
        turns.check_savable()
        await self._tracker_store.save(tracker)
        self._remember(tracker)


def _create_tracker_store(store: TrackerStore | None, domain: Domain) -> TrackerStore:
    """Agent._create_tracker_store (Rasa 3.6.21) with the guarded wrapper instead of the fail-safe one."""
    if store is not None:
        store.domain = domain
        tracker_store = store
    else:
        tracker_store = InMemoryTrackerStore(domain)
    return GuardedTrackerStore(tracker_store)


def install() -> None:
    """Make Rasa's agent wrap its tracker store in GuardedTrackerStore (idempotent)."""
    from rasa.core.agent import Agent

    Agent._create_tracker_store = staticmethod(_create_tracker_store)  # type: ignore[method-assign,assignment]


def installed() -> bool:
    """Whether install() is in effect in this process."""
    from rasa.core.agent import Agent

    return Agent._create_tracker_store is _create_tracker_store
