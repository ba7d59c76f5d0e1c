"""The conversation lock shared by several Rasa servers (integrations/tracker/lock_store.py), on the
real Redis (INTAKE_TEST_REDIS_URL, default redis://127.0.0.1:6379/15)."""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from integrations.tracker.lock_store import IntakeLockStore, RedisTicketLockStore

REDIS_URL = os.environ.get("INTAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="module")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") or os.environ.get("INTAKE_TEST_REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    return REDIS_URL


def test_rasa_redis_lock_store_issues_one_ticket_twice_to_two_servers(redis_url: str) -> None:
    """rasa#9213, the reason for our store: issuing is read-modify-write, so two servers reading the
    lock before either writes it back both get the same ticket and run the same conversation at once."""
    host = redis_url.split("//")[1].split(":")[0]
    first, second = (RedisLockStore(host=host, db=15, key_prefix=f"race{uuid.uuid4().hex}") for _ in range(2))
    second.key_prefix = first.key_prefix
    conversation = "c1"
    lock_a, lock_b = first.get_or_create_lock(conversation), second.get_or_create_lock(conversation)
    ticket_a, ticket_b = lock_a.issue_ticket(60), lock_b.issue_ticket(60)
    first.save_lock(lock_a)
    second.save_lock(lock_b)
    assert ticket_a == ticket_b  # both "hold" the lock
    assert not first.get_lock(conversation).is_locked(ticket_a)
    assert not second.get_lock(conversation).is_locked(ticket_b)
    first.delete_lock(conversation)


def _server(url: str, prefix: str, conversation: str, turns: int, log_key: str, start_at: float) -> None:
    """One 'Rasa server': handles `turns` messages of the conversation, each a non-atomic read-modify-write."""
    import redis

    async def main() -> None:
        store = RedisTicketLockStore(url, key_prefix=prefix)
        plain = redis.Redis.from_url(url)
        while time.time() < start_at:
            await asyncio.sleep(0.001)

        async def turn(n: int) -> None:
            async with store.lock(conversation):
                plain.rpush(log_key, f"enter {os.getpid()}-{n}")
                value = int(plain.get(log_key + ":count") or 0)
                await asyncio.sleep(0.002)  # a turn awaits (actions, database): others run meanwhile
                plain.set(log_key + ":count", value + 1)
                plain.rpush(log_key, f"leave {os.getpid()}-{n}")

        await asyncio.gather(*(turn(n) for n in range(turns)))

    asyncio.run(main())


def test_two_servers_never_hold_one_conversation_at_once(redis_url: str) -> None:
    import redis

    prefix, log_key = f"t{uuid.uuid4().hex}:", f"log{uuid.uuid4().hex}"
    start_at = time.time() + 1.5
    context = multiprocessing.get_context("spawn")
    servers = [context.Process(target=_server, args=(redis_url, prefix, "c1", 40, log_key, start_at)) for _ in range(2)]
    for server in servers:
        server.start()
    for server in servers:
        server.join(60)
        assert server.exitcode == 0
    plain = redis.Redis.from_url(redis_url)
    log = [entry.decode() for entry in plain.lrange(log_key, 0, -1)]
    assert int(plain.get(log_key + ":count")) == 80  # no lost update
    assert len(log) == 160
    for index in range(0, len(log), 2):  # strictly enter/leave of the same turn: never two at once
        assert log[index].startswith("enter ") and log[index + 1] == "leave " + log[index][6:]
    pids = {entry.split()[1].split("-")[0] for entry in log}
    assert len(pids) == 2  # both servers took turns
    assert plain.exists(prefix + "c1") == 0  # nobody waits: the lock is gone
    plain.delete(log_key, log_key + ":count")


def test_tickets_are_served_in_the_order_they_were_issued(redis_url: str) -> None:
    async def main() -> list[int]:
        store = RedisTicketLockStore(redis_url, key_prefix=f"o{uuid.uuid4().hex}:")
        served: list[int] = []
        gate = asyncio.Event()

        async def message(n: int) -> None:
            async with store.lock("c"):
                if n == 0:
                    await gate.wait()
                served.append(n)

        tasks = []
        for n in range(8):
            tasks.append(asyncio.create_task(message(n)))
            await asyncio.sleep(0.02)  # each message's ticket is issued before the next arrives
        gate.set()
        await asyncio.gather(*tasks)
        return served

    assert asyncio.run(main()) == list(range(8))


def _holder(url: str, prefix: str, ready_key: str) -> None:
    import redis

    async def main() -> None:
        store = RedisTicketLockStore(url, key_prefix=prefix, lease_seconds=1.0, renew_seconds=0.3)
        async with store.lock("c"):
            redis.Redis.from_url(url).set(ready_key, "1")
            await asyncio.sleep(3600)

    asyncio.run(main())


def test_a_server_killed_while_holding_the_lock_delays_the_next_message_only_by_the_lease(redis_url: str) -> None:
    import redis

    prefix, ready_key = f"k{uuid.uuid4().hex}:", f"ready{uuid.uuid4().hex}"
    holder = multiprocessing.get_context("spawn").Process(target=_holder, args=(redis_url, prefix, ready_key))
    holder.start()
    plain = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 30
    while not plain.get(ready_key) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert plain.get(ready_key)

    async def survivor() -> float:
        store = RedisTicketLockStore(redis_url, key_prefix=prefix, lease_seconds=1.0, renew_seconds=0.3)
        waiting = asyncio.create_task(_timed(store))
        await asyncio.sleep(2.0)
        assert not waiting.done()  # the holder renews its lease: still held while it lives
        os.kill(holder.pid, signal.SIGKILL)
        return await asyncio.wait_for(waiting, 10)

    async def _timed(store: RedisTicketLockStore) -> float:
        async with store.lock("c"):
            return time.monotonic()

    asyncio.run(survivor())  # within 10 s of the kill: about one lease, not Rasa's 60 s lifetime
    holder.join(5)
    plain.delete(ready_key)


def test_an_unreachable_redis_is_a_lock_error_not_a_hang() -> None:
    async def main() -> None:
        store = RedisTicketLockStore("redis://127.0.0.1:1/0")
        async with store.lock("c"):
            pass

    with pytest.raises(LockError):
        asyncio.run(main())


def test_without_a_redis_url_the_store_is_rasas_in_memory_one() -> None:
    assert isinstance(IntakeLockStore(endpoint_config=EndpointConfig(url="")), InMemoryLockStore)
    assert isinstance(IntakeLockStore(endpoint_config=EndpointConfig(url="redis://127.0.0.1:6379/15")),
                      RedisTicketLockStore)


def test_a_message_waits_for_a_live_holder_only_up_to_the_limit_then_is_refused(redis_url: str) -> None:
    """A holder that stays alive (it renews its lease) but never finishes: the next message of its
    conversation is refused with LockError (the channels' polite 503) after max_wait_seconds,
    not after Rasa's 60 s, which is HAProxy's server timeout (a bare 504 for the partner)."""

    async def main() -> float:
        prefix = f"w{uuid.uuid4().hex}:"
        holder = RedisTicketLockStore(redis_url, key_prefix=prefix, lease_seconds=0.5, renew_seconds=0.1)
        waiter = RedisTicketLockStore(redis_url, key_prefix=prefix, lease_seconds=0.5, renew_seconds=0.1,
                                      max_wait_seconds=1.5)
        held = asyncio.Event()

        async def hold() -> None:
            async with holder.lock("c"):
                held.set()
                await asyncio.sleep(3600)

        holding = asyncio.create_task(hold())
        await held.wait()
        started = asyncio.get_running_loop().time()
        with pytest.raises(LockError):
            async with waiter.lock("c"):
                raise AssertionError("the lock was handed over while its holder lived")
        waited = asyncio.get_running_loop().time() - started
        holding.cancel()
        return waited

    assert 1.4 <= asyncio.run(main()) < 3.0
