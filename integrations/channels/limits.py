"""Rate limits of the channels: messages per conversation and per client address.

Token buckets: a conversation may send `conversation_burst` messages at once and then
`conversation_per_minute` a minute; a client address (any number of conversations)
`client_per_minute` a minute, up to a minute's worth at once. Over a limit, REST answers 429 with
`Retry-After` and socket.io with a polite reply (rest.py, socketio.py); the message is dropped.

The buckets live in the memory of one Rasa process: behind a load balancer each server counts
for itself, so a client spread over N servers gets up to N times the limit. A cluster that needs
exact limits keeps the buckets in a shared store (Redis, which the cluster already runs for
locks) or limits at the proxy. Memory is bounded: buckets idle long enough to be full again are
dropped, and at most `max_keys` are kept (the least recently used go first).

The client address is the connection's. X-Forwarded-For counts only when the connection comes
from a proxy listed in INTAKE_TRUSTED_PROXIES, and then its right-most address that is not itself
a trusted proxy (the left part is whatever the client wrote).
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.settings import Settings

Clock = Callable[[], float]


@dataclass
class Bucket:
    tokens: float
    updated: float


class Buckets:
    """Token buckets by key: `capacity` tokens, refilled at `per_second`."""

    def __init__(self, *, capacity: float, per_second: float, max_keys: int = 100_000,
                 clock: Clock = time.monotonic) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take a token for `key`: 0.0 when one was there, else the seconds until one will be."""
        now = self.clock()
        self._evict_idle(now)
        bucket = self._buckets.pop(key, None) or Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def _evict_idle(self, now: float) -> None:
        """Drop buckets that have refilled completely (they are as good as new), oldest first."""
        full_after = self.capacity / self.per_second
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            if now - oldest.updated < full_after:
                return
            del self._buckets[key]


@dataclass(frozen=True)
class Verdict:
    """Whether a message may pass; if not, which limit stopped it and when to try again."""

    allowed: bool
    retry_after: int = 0
    limit: str = ""


class RateLimiter:
    """The per-conversation and per-client limits of one channel (0 per minute: that limit is off)."""

    def __init__(self, *, conversation_per_minute: int, conversation_burst: int, client_per_minute: int,
                 clock: Clock = time.monotonic) -> None:
        self.conversations = (
            Buckets(capacity=conversation_burst, per_second=conversation_per_minute / 60, clock=clock)
            if conversation_per_minute else None
        )
        self.clients = (
            Buckets(capacity=client_per_minute, per_second=client_per_minute / 60, clock=clock)
            if client_per_minute else None
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(
            conversation_per_minute=settings.rate_conversation_per_minute,
            conversation_burst=settings.rate_conversation_burst,
            client_per_minute=settings.rate_client_per_minute,
        )

    def check(self, *, conversation: str, client: str | None) -> Verdict:
        """Count a message of `conversation` from `client`; the client's limit is checked first,
        so that one address cycling through fresh conversations is stopped too."""
        if self.clients is not None and client:
            wait = self.clients.take(client)
            if wait:
                return Verdict(False, math.ceil(wait), "client")
        if self.conversations is not None:
            wait = self.conversations.take(conversation)
            if wait:
                return Verdict(False, math.ceil(wait), "conversation")
        return Verdict(True)


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: tuple[str, ...]) -> str | None:
    """The client's address: the connection's `peer`, or, when the peer is a trusted proxy, the
    right-most X-Forwarded-For entry that is not a trusted proxy."""
    if not peer or peer not in trusted_proxies or not forwarded_for:
        return peer or None
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if hop and hop not in trusted_proxies:
            return hop
    return peer
