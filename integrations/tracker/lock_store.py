"""Rasa's lock store: one conversation's messages handled one at a time, in order, across servers.

Configured in bot/endpoints.yml (`type: integrations.tracker.lock_store.IntakeLockStore`,
`url: ${INTAKE_REDIS_URL}`). Without a Redis URL (one Rasa server, `make run`) it is Rasa's
in-memory lock store. With one (`make run-cluster`, production) every server shares a ticket lock
kept in Redis and changed only by Lua scripts, each of which Redis runs atomically.

Why not Rasa's own `RedisLockStore`: it reads the conversation's lock, adds a ticket in Python and
writes the lock back. Two servers doing that at once both read the same lock, issue the same ticket
number and handle the conversation's messages together (rasa#9213; the fixed store went to Rasa Pro
only). tests/integration/test_redis_lock_store.py shows that race on Rasa's store and its absence here.

Why not sender affinity at the balancer instead: REST requests carry the conversation in their JSON
body, which a balancer hashes only by buffering every body; affinity breaks whenever the set of
servers changes (a deploy, a crash), exactly when messages are retried; and the console's hand-off
replies reach Rasa through its API, not through the balancer's affinity. A shared lock is correct
whatever reaches which server.

The lock per conversation is one Redis hash `{prefix}{conversation}` with
  next     - the last ticket issued (HINCRBY: two servers never get the same number),
  serving  - the ticket allowed to run now,
  deadline - Redis-clock milliseconds after which the ticket being served counts as abandoned.
A server that holds the lock renews the deadline while it works, so a long turn (a slow action)
keeps it; a server killed while holding or waiting stops renewing, and the next waiter moves
`serving` on once the deadline passes (LEASE_SECONDS): a dead server delays its conversation's
next message by at most that, and never blocks it for good. The hash expires when idle.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager, suppress
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

#: How long a ticket may go without renewal before its holder counts as dead.
LEASE_SECONDS = 10.0
#: How often the holder renews its lease (well inside LEASE_SECONDS).
RENEW_SECONDS = 3.0
#: Polling while waiting: starts short (a turn takes tens of milliseconds), grows to this.
MAX_POLL_SECONDS = 0.1
#: The longest a message waits for its conversation's lock before it is refused (LockError: the
#: partner gets the polite 503 and sends it again). Rasa asks for 60 s (LOCK_LIFETIME), exactly
#: HAProxy's `timeout server` (deploy/haproxy.cfg.in): a message held that long reached the
#: partner as the balancer's bare 504 instead of our answer. Three leases: time for a dead
#: holder and a dead next waiter to be skipped, and well inside the balancer's timeout.
MAX_WAIT_SECONDS = 30.0
#: The hash disappears this long after its last change (a conversation that went quiet).
IDLE_EXPIRY_SECONDS = 3600

# KEYS[1] = the conversation's hash; ARGV[1] = lease ms, ARGV[2] = idle expiry s. Returns the ticket.
_ISSUE = """
local ticket = redis.call('HINCRBY', KEYS[1], 'next', 1)
if ticket == 1 or not redis.call('HGET', KEYS[1], 'serving') then
  local now = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'serving', ticket, 'deadline', now[1] * 1000 + math.floor(now[2] / 1000) + ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return ticket
"""

# ARGV[1] = ticket, ARGV[2] = lease ms. Returns 1 when the ticket may run (and renews its lease),
# 0 while an earlier one runs, -1 when the ticket was skipped as abandoned (or the hash is gone).
_ACQUIRE = """
local serving = tonumber(redis.call('HGET', KEYS[1], 'serving'))
if not serving then return -1 end
local ticket = tonumber(ARGV[1])
local now = redis.call('TIME')
local ms = now[1] * 1000 + math.floor(now[2] / 1000)
if serving == ticket then
  redis.call('HSET', KEYS[1], 'deadline', ms + ARGV[2])
  return 1
end
if serving > ticket then return -1 end
if ms > tonumber(redis.call('HGET', KEYS[1], 'deadline')) then
  redis.call('HSET', KEYS[1], 'serving', serving + 1, 'deadline', ms + ARGV[2])
end
return 0
"""

# ARGV[1] = ticket, ARGV[2] = lease ms. Hands the lock to the next ticket; deletes the hash
# when nobody waits. Releasing a ticket that is no longer served (it was skipped) changes nothing.
_RELEASE = """
local serving = tonumber(redis.call('HGET', KEYS[1], 'serving'))
if serving ~= tonumber(ARGV[1]) then return 0 end
if serving >= tonumber(redis.call('HGET', KEYS[1], 'next')) then
  redis.call('DEL', KEYS[1])
  return 1
end
local now = redis.call('TIME')
redis.call('HSET', KEYS[1], 'serving', serving + 1, 'deadline', now[1] * 1000 + math.floor(now[2] / 1000) + ARGV[2])
return 1
"""


class RedisTicketLockStore(LockStore):
    """A FIFO ticket lock per conversation whose every change is one atomic Redis script."""

    def __init__(self, url: str, *, key_prefix: str = "intake:lock:", lease_seconds: float = LEASE_SECONDS,
                 renew_seconds: float = RENEW_SECONDS, max_wait_seconds: float = MAX_WAIT_SECONDS) -> None:
        from redis import asyncio as aioredis
        from redis.exceptions import ConnectionError as RedisConnectionError

        self.url = url
        self.key_prefix = key_prefix
        self.lease_ms = int(lease_seconds * 1000)
        self.renew_seconds = renew_seconds
        self.max_wait_seconds = max_wait_seconds
        # A pooled connection that Redis dropped (a restart) fails its next command at once: tried
        # again, once, on a fresh connection, instead of failing a partner's message after Redis
        # is back. Only a connection error: the script did not run. A timeout may mean it did
        # (HINCRBY would then issue a second ticket), so that one is not retried.
        self.redis = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5,
                                             retry_on_error=[RedisConnectionError])
        self._issue = self.redis.register_script(_ISSUE)
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._release = self.redis.register_script(_RELEASE)
        super().__init__()

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for the body; raise LockError when it cannot be had.

        `lock_lifetime` and `wait_time_in_seconds` are Rasa's arguments: the lease (renewed while
        held) replaces the first, short polls the second; a message waits at most
        `max_wait_seconds` (MAX_WAIT_SECONDS)."""
        key = self._key(conversation_id)
        try:
            ticket = int(await self._issue(keys=[key], args=[self.lease_ms, IDLE_EXPIRY_SECONDS]))
        except Exception as error:  # noqa: BLE001 - Rasa expects LockError from a lock store
            raise LockError(f"Redis lock store unavailable: {type(error).__name__}") from error
        try:
            await self._wait_for(key, ticket, lock_lifetime)
            renewing = asyncio.create_task(self._renew(key, ticket))
            try:
                yield TicketLock(conversation_id)
            finally:
                renewing.cancel()
                with suppress(asyncio.CancelledError):
                    await renewing
        finally:
            try:
                await self._release(keys=[key], args=[ticket, self.lease_ms])
            except Exception as error:  # noqa: BLE001 - the lease runs out instead
                logger.warning("could not release a conversation lock (%s); it expires in %.0f s",
                               type(error).__name__, self.lease_ms / 1000)

    async def _wait_for(self, key: str, ticket: int, patience: float) -> None:
        poll = 0.005
        deadline = asyncio.get_running_loop().time() + min(max(patience, self.lease_ms / 1000 * 2),
                                                            self.max_wait_seconds)
        while True:
            try:
                state = int(await self._acquire(keys=[key], args=[ticket, self.lease_ms]))
            except Exception as error:  # noqa: BLE001
                raise LockError(f"Redis lock store unavailable: {type(error).__name__}") from error
            if state == 1:
                return
            if state == -1:
                raise LockError("this message waited longer than the lock's lease and was skipped")
            if asyncio.get_running_loop().time() > deadline:
                raise LockError("could not acquire the conversation's lock in time")
            await asyncio.sleep(poll)
            poll = min(poll * 2, MAX_POLL_SECONDS)

    async def _renew(self, key: str, ticket: int) -> None:
        while True:
            await asyncio.sleep(self.renew_seconds)
            try:
                await self._acquire(keys=[key], args=[ticket, self.lease_ms])
            except Exception as error:  # noqa: BLE001 - try again at the next renewal
                logger.warning("could not renew a conversation lock: %s", type(error).__name__)

    # Rasa's synchronous lock API (get_lock, save_lock, …) is used only by its own `lock()`, which
    # this class replaces; the ticket state lives in Redis and is never handed out as a TicketLock.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        raise NotImplementedError("RedisTicketLockStore keeps its tickets in Redis; use lock()")

    def delete_lock(self, conversation_id: str) -> None:
        raise NotImplementedError("RedisTicketLockStore keeps its tickets in Redis; use lock()")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("RedisTicketLockStore keeps its tickets in Redis; use lock()")


class IntakeLockStore:
    """The lock store bot/endpoints.yml names: Redis when INTAKE_REDIS_URL is set, else in memory.

    Rasa builds a custom lock store as `cls(endpoint_config=…)` and uses the object it gets; `__new__`
    returns the right concrete store so that one endpoints file serves `make run` and the cluster."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None, **_: Any) -> LockStore:  # type: ignore[misc]
        url = (endpoint_config.url if endpoint_config else None) or ""
        if url.strip():
            logger.info("lock store: Redis ticket locks")
            return RedisTicketLockStore(url.strip())
        return InMemoryLockStore()
