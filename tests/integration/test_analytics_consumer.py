"""The analytics consumer against a real RabbitMQ (INTAKE_TEST_RABBITMQ_URL, a private vhost per
test) fed by Rasa's own PikaEventBroker code (IntakeEventBroker): what it counts equals what the
events say, a redelivered message is not counted twice, a consumer killed mid-stream loses
nothing, and after an outage it reconnects and repairs what was never published."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import pytest_asyncio
from analytics_world import TODAY, add_inquiry, conversations, published
from rabbitmq import private_vhost, rabbitmq_base, through
from rasa.utils.endpoints import EndpointConfig
from rasa_events import create_events_table, session_started, slot, user, write_events
from sqlalchemy import select
from tcp_proxy import TcpProxy

from bot.data import ROOT
from bot.store.console.stats import dashboard
from bot.store.conversation_stats import fold, rebuild
from bot.store.tables import conversation_stats
from integrations.analytics.broker import QUEUE, IntakeEventBroker, analytics_event
from integrations.analytics.consumer import Consumer


@pytest.fixture
def vhost() -> Any:
    with private_vhost(rabbitmq_base()) as url:
        yield url


@pytest_asyncio.fixture
async def broker(vhost):
    """Rasa's event broker as bot/endpoints.yml configures it, connected."""
    made = await IntakeEventBroker.from_endpoint_config(EndpointConfig(url=vhost, queues=[QUEUE]))
    assert made is not None
    await wait_for(lambda: made._exchange is not None, "the broker to connect")
    yield made
    await made.close()


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def publish_all(broker: IntakeEventBroker, pairs: Iterable[tuple[str, dict]]) -> int:
    count = 0
    for conversation, event in pairs:
        broker.publish(analytics_event(conversation, event))
        count += 1
    await wait_for(lambda: not broker._background_tasks, "the publishes to be confirmed")
    assert not broker._unpublished_events
    return count


def table(sessionmaker) -> list[tuple]:
    with sessionmaker() as session:
        return [tuple(row) for row in session.execute(
            select(conversation_stats).order_by(conversation_stats.c.conversation_id, conversation_stats.c.week))]


class Running:
    """A consumer running in this process's loop until stopped."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer, self.stop = consumer, asyncio.Event()
        self.task = asyncio.ensure_future(consumer.run(self.stop))

    async def until(self, condition: Callable[[Consumer], bool], what: str, timeout: float = 30.0,
                    state: Callable[[Consumer], str] = lambda c: "") -> None:
        def done() -> bool:
            if self.task.done():
                self.task.result()  # raises what stopped it
                raise AssertionError("the consumer stopped")
            return condition(self.consumer)
        try:
            await wait_for(done, what, timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}: {state(self.consumer)}") from None

    async def halt(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


class NeverAcks(Consumer):
    """Commits and then stops before acknowledging (as a consumer killed between the two)."""

    async def _ack(self, message: Any) -> None:
        return None


@pytest.mark.asyncio
async def test_published_events_counted_once_even_when_delivered_again(broker, vhost, engine, sessionmaker):
    create_events_table(engine)
    for conversation, steps in conversations().items():
        write_events(engine, conversation, steps)
    add_inquiry(sessionmaker)
    sent = await publish_all(broker, published())

    first = Running(NeverAcks(url=vhost, sessions=sessionmaker, rebuild_if_empty=False))
    await first.until(lambda c: c.merged == sent, "the first consumer to merge everything")
    await first.halt()  # its connection closes: RabbitMQ requeues all it never acknowledged
    once = table(sessionmaker)
    assert len(once) == 10

    second = Running(Consumer(url=vhost, sessions=sessionmaker, rebuild_if_empty=False))
    await second.until(lambda c: c.acked == sent, "every message to come again and be acknowledged")
    await second.halt()
    assert table(sessionmaker) == once  # the same messages a second time changed nothing

    with sessionmaker() as session:
        from_events = dashboard(session=session, scope=None, today=TODAY)
        from_table = dashboard(session=session, scope=None, today=TODAY, tallied=True)
    assert from_table == from_events and sum(from_table["funnel"]["conversations"]) == 7
    with sessionmaker.begin() as session:
        rebuild(session=session)
    assert table(sessionmaker) == once


def many(conversations: int, turns: int, start: float) -> list[tuple[str, dict]]:
    out = []
    for n in range(conversations):
        t = start + n
        steps = [session_started(t=t)]
        for turn in range(turns):
            t += 1
            steps += [user("x", "nlu_fallback" if turn % 3 == 0 else "inform", t=t),
                      slot("requested_slot", f"q{turn}", t=t + 0.5)]
        out += [(f"k{n:04d}", step) for step in steps]
    return out


@pytest.mark.asyncio
async def test_a_consumer_killed_mid_stream_and_started_again_loses_nothing(broker, vhost, db_url, engine, sessionmaker):
    pairs = many(300, 15, time.time() - 3600)  # 9,300 events
    expected = fold(pairs)
    sent = await publish_all(broker, pairs)
    env = {**os.environ, "INTAKE_DATABASE_URL": db_url, "INTAKE_RABBITMQ_URL": vhost, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "integrations.analytics.consumer"]

    def rows() -> int:
        with sessionmaker() as session:
            return len(session.execute(select(conversation_stats.c.week)).all())

    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        await wait_for(lambda: rows() > 0 or first.poll() is not None, "the first rows", timeout=60)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        first.wait(10)
    stopped_at = rows()
    assert 0 < stopped_at < len(expected), "the consumer was not stopped mid-stream"

    second = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        await wait_for(lambda: rows() == len(expected) or second.poll() is not None, "every row", timeout=90)
        await asyncio.sleep(1.0)  # anything still arriving would be a count too many
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=30)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, errors.decode(errors="replace")[-2000:]
    stored = table(sessionmaker)
    assert stored == rows_of(expected)
    assert sum(row[4] for row in stored) == 300 * 15 and sent == len(pairs)


@pytest.mark.asyncio
async def test_after_an_outage_the_consumer_reconnects_and_repairs_what_was_never_published(
        broker, vhost, engine, sessionmaker):
    create_events_table(engine)
    target = vhost.split("@")[1].split("/")[0]
    proxy = TcpProxy(target.split(":")[0], int(target.split(":")[1]))
    proxy.start()
    consumer = Consumer(url=through(vhost, proxy.port), sessions=sessionmaker, retry_seconds=0.5, heal_delay=0.5,
                        heal_margin=5.0, rebuild_if_empty=False)
    running = Running(consumer)
    try:
        now = time.time()
        before = many(20, 3, now - 60)
        write_events_of(engine, before)
        sent = await publish_all(broker, before)
        await running.until(lambda c: c.acked == sent, "the events before the outage")
        assert table(sessionmaker) == rows_of(fold(before))

        proxy.cut()  # RabbitMQ gone for the consumer
        await running.until(lambda c: c.outage_since is not None, "the consumer to see the outage")
        lost = [(f"lost-{c}", e) for c, e in many(5, 2, time.time())]
        write_events_of(engine, lost)  # saved by Rasa, never published (a Rasa server started meanwhile)
        # Published while the consumer is away, and (here, not in life) never saved: only
        # consumption after the reconnection can count them.
        during = [(f"late-{c}", e) for c, e in many(10, 2, time.time())]
        await publish_all(broker, during)
        await asyncio.sleep(1.0)
        proxy.restore()
        expected = rows_of(fold(before + lost + during))
        await running.until(lambda c: c.repairs == 1 and table(sessionmaker) == expected, "consumption and the repair",
                            timeout=60, state=lambda c: f"repairs {c.repairs}, rows {len(table(sessionmaker))}"
                            f" of {len(expected)}")
        assert consumer.acked >= len(before + during)  # more: acks lost in the cut, messages redelivered
    finally:
        await running.halt()
        proxy.stop()


def rows_of(facts: dict) -> list[tuple]:
    return [(c, w, *f.values().values()) for (c, w), f in sorted(facts.items())]


def write_events_of(engine, pairs: list[tuple[str, dict]]) -> None:
    by_conversation: dict[str, list[dict]] = {}
    for conversation, event in pairs:
        by_conversation.setdefault(conversation, []).append(event)
    for conversation, steps in by_conversation.items():
        write_events(engine, conversation, steps)


@pytest.mark.asyncio
async def test_an_empty_table_is_rebuilt_from_the_events_at_start(engine, sessionmaker):
    create_events_table(engine)
    for conversation, steps in conversations().items():
        write_events(engine, conversation, steps)
    stop = asyncio.Event()
    stop.set()  # rebuild, then stop before connecting anywhere
    await Consumer(url="amqp://guest:guest@127.0.0.1:1/", sessions=sessionmaker).run(stop)
    assert len(table(sessionmaker)) == 10


@pytest.mark.asyncio
async def test_events_published_while_rabbitmq_is_away_arrive_once_it_is_back(vhost, sessionmaker):
    """What Rasa's broker does when RabbitMQ restarts under a running server: a publish that fails
    is kept in memory and sent again on reconnection (nothing lost unless the server stops first)."""
    target = vhost.split("@")[1].split("/")[0]
    proxy = TcpProxy(target.split(":")[0], int(target.split(":")[1]))
    proxy.start()
    url = through(vhost, proxy.port)
    # Rasa's robust connection retries every 5 s (aio-pika's default, which Rasa keeps).
    broker = await IntakeEventBroker.from_endpoint_config(EndpointConfig(url=url, queues=[QUEUE]))
    assert broker is not None
    running = Running(Consumer(url=vhost, sessions=sessionmaker, rebuild_if_empty=False))
    try:
        await wait_for(lambda: broker._exchange is not None, "the broker to connect")
        before = many(3, 2, time.time() - 30)
        sent = await publish_all(broker, before)
        proxy.cut()
        await wait_for(lambda: broker._connection is not None and not broker._connection.connected.is_set(), "the cut")
        during = [(f"away-{c}", e) for c, e in many(4, 2, time.time())]
        for conversation, event in during:
            broker.publish(analytics_event(conversation, event))
        await asyncio.sleep(1.0)
        kept = len(broker._unpublished_events)
        proxy.restore()
        await running.until(lambda c: c.acked >= sent + len(during), "the events kept during the outage", timeout=60,
                            state=lambda c: f"acked {c.acked}, kept by the broker {kept}")
        assert table(sessionmaker) == rows_of(fold(before + during))
        assert kept == len(during)  # each failed at once and was kept, not awaited
    finally:
        await running.halt()
        await broker.close()
        proxy.stop()
