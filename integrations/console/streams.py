"""The console's long-lived responses (the hand-off inbox's live stream): how many each user has
open in this process, and the signal that ends them all when the console shuts down (else the
server would wait for them until its shutdown timeout)."""
from __future__ import annotations

import asyncio
from collections import Counter


class Streams:
    def __init__(self) -> None:
        self.closing = asyncio.Event()
        self._open: Counter[int] = Counter()

    def opened(self, user_id: int) -> None:
        self._open[user_id] += 1

    def closed(self, user_id: int) -> bool:
        """Count one of the user's streams closed; whether it was their last one."""
        self._open[user_id] -= 1
        if self._open[user_id] > 0:
            return False
        del self._open[user_id]
        return True

    def open_for(self, user_id: int) -> int:
        return self._open[user_id]
