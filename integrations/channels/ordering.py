"""One conversation's socket.io messages handled in the order they arrived.

python-socketio runs each event in its own task, and a message awaits threads (language
detection, the hand-off lookup) before it reaches Rasa's lock store, which serialises a
conversation's messages in the order they *get there*: two quick messages could swap. Taking
a per-conversation turn first, before any await, keeps the partner's order (asyncio.Lock wakes
its waiters first come, first served). Rasa handles one message per conversation at a time
anyway, so nothing that could run in parallel waits.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Sequencer:
    def __init__(self) -> None:
        # conversation id -> (its lock, how many messages hold or wait for it)
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, conversation: str) -> AsyncIterator[None]:
        """Wait for the conversation's earlier messages to be handled, then hold its turn."""
        lock, users = self._turns.get(conversation, (asyncio.Lock(), 0))
        self._turns[conversation] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._turns[conversation]
            if users == 1:
                del self._turns[conversation]  # nobody else waits: no lock kept per past conversation
            else:
                self._turns[conversation] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._turns)
