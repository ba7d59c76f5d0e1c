"""`python -m integrations.analytics.consumer`: keep `conversation_stats` from the events Rasa
publishes to RabbitMQ (INTAKE_RABBITMQ_URL), until SIGINT / SIGTERM.

`--rebuild [--weeks N]` instead recomputes the table from Rasa's `events` table (all weeks, or
the last N) and exits: for the first deployment, or when events were lost.

At least once, never counted twice: messages are taken in batches (up to `batch`, or what came
within `flush_seconds`), merged into the table in one transaction, and acknowledged only after
its commit. A consumer stopped before its ack gets the messages again from RabbitMQ; merging
is idempotent (bot/store/conversation_stats.py). A database error keeps the batch unacknowledged
and retries it.

RabbitMQ restarts: the connection is aio-pika's robust one, which reconnects and consumes again.
Events lost while RabbitMQ was away (a Rasa server that started, or stopped with events it kept in
memory, during the outage; integrations/analytics/broker.py) are repaired from the `events` table:
after every outage this consumer saw (at start too), once Rasa has had `heal_delay` seconds to
reconnect, the conversations with events since the outage began (less a margin) are recomputed.
An empty table with events present is rebuilt at start (the first deployment).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker
from yarl import URL

from bot.settings import Settings
from bot.store import conversation_stats as stats
from bot.store import make_engine, make_sessionmaker, upgrade
from bot.store.rasa_events import events
from bot.store.tables import conversation_stats
from integrations.analytics.broker import EXCHANGE, QUEUE
from integrations.observability import logs

logger = logging.getLogger(__name__)


def parse(body: bytes) -> tuple[str, dict[str, Any]] | None:
    """(conversation id, event) of one published message; None for one that is not an event."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("sender_id"), str) or "event" not in event:
        return None
    return event["sender_id"], event


class Consumer:
    """One consumer of the analytics queue (several may run: merges lock their rows)."""

    def __init__(self, *, url: str, sessions: sessionmaker, queue: str = QUEUE, batch: int = 200,
                 flush_seconds: float = 0.2, retry_seconds: float = 5.0, heal_delay: float = 30.0,
                 heal_margin: float = 120.0, rebuild_if_empty: bool = True) -> None:
        self.url, self.sessions, self.queue_name = url, sessions, queue
        self.batch, self.flush_seconds, self.retry_seconds = batch, flush_seconds, retry_seconds
        self.heal_delay, self.heal_margin = heal_delay, heal_margin
        self.rebuild_if_empty = rebuild_if_empty
        self.pending: list[AbstractIncomingMessage] = []
        self.arrived = asyncio.Event()
        self.db = asyncio.Lock()  # one writer at a time in this process: batches and repairs
        self.outage_since: float | None = None
        self.connection: AbstractRobustConnection | None = None
        self.healing: set[asyncio.Task] = set()
        self.closing = False
        #: Counters for logs and tests: events merged, messages acknowledged, messages skipped as not events.
        self.merged = self.acked = self.skipped = self.repairs = 0

    async def _in_db(self, call: Callable[..., Any], /, **kwargs: Any) -> Any:
        def run() -> Any:
            with self.sessions.begin() as session:
                return call(session=session, **kwargs)

        async with self.db:
            return await asyncio.to_thread(run)

    async def connect(self, stop: asyncio.Event) -> AbstractRobustConnection | None:
        """The first connection, retried until RabbitMQ answers or `stop` is set; the time of the
        first failure is an outage to repair."""
        while not stop.is_set():
            try:
                # aio-pika reads the robust connection's pause between attempts from the URL only.
                url = URL(self.url).update_query(reconnect_interval=self.retry_seconds)
                return await aio_pika.connect_robust(url)
            except CONNECTION_EXCEPTIONS as error:
                self.outage_since = self.outage_since or time.time()
                logger.warning("RabbitMQ unreachable (%s); retrying in %.0f s", type(error).__name__, self.retry_seconds)
                try:
                    await asyncio.wait_for(stop.wait(), self.retry_seconds)
                except asyncio.TimeoutError:
                    pass
        return None

    async def run(self, stop: asyncio.Event) -> None:
        if self.rebuild_if_empty:
            await self._rebuild_if_empty()
        connection = self.connection = await self.connect(stop)
        if connection is None:
            return
        connection.close_callbacks.add(self._lost)
        connection.reconnect_callbacks.add(self._back)
        channel = await connection.channel()
        # Several batches in flight: the next is already here while one is being committed (with
        # only one, every round waited flush_seconds for RabbitMQ to refill it: ~1,000 events/s).
        await channel.set_qos(prefetch_count=self.batch * 5)
        # Declared exactly as Rasa's PikaEventBroker declares them (a different `durable` would be
        # refused), so that either may start first.
        exchange = await channel.declare_exchange(EXCHANGE, type=aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(self.queue_name, durable=True)
        await queue.bind(exchange, "")
        await queue.consume(self._on_message)
        logger.info("analytics consumer started on queue %s", self.queue_name)
        if self.outage_since is not None:
            self._schedule_repair()
        try:
            while not stop.is_set():
                waiter = asyncio.ensure_future(self.arrived.wait())
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                stopper.cancel()
                if self.pending and len(self.pending) < self.batch and not stop.is_set():
                    await asyncio.sleep(self.flush_seconds)
                await self.flush(stop)
        finally:
            for task in self.healing:
                task.cancel()
            self.closing = True
            await connection.close()
            logger.info("analytics consumer stopped: %d events merged, %d repairs", self.merged, self.repairs)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self.pending.append(message)
        self.arrived.set()

    async def flush(self, stop: asyncio.Event) -> None:
        """Merge what has arrived, commit, then acknowledge; a failed commit is retried."""
        while self.pending:
            taken, self.pending = self.pending[:self.batch], self.pending[self.batch:]
            if not self.pending:
                self.arrived.clear()
            parsed = [parse(message.body) for message in taken]
            facts = stats.fold(item for item in parsed if item is not None)
            while True:
                try:
                    await self._in_db(stats.record, facts=facts)
                    break
                except Exception as error:  # the database away: keep the messages, try again
                    logger.error("merging %d events failed (%s); retrying", len(taken), type(error).__name__)
                    if stop.is_set():
                        return  # unacknowledged: RabbitMQ gives them to the next consumer
                    await asyncio.sleep(self.retry_seconds)
            self.merged += sum(item is not None for item in parsed)
            self.skipped += sum(item is None for item in parsed)
            for message in taken:
                await self._ack(message)

    async def _ack(self, message: AbstractIncomingMessage) -> None:
        try:
            await message.ack()
            self.acked += 1
        except Exception as error:  # the channel went away: RabbitMQ redelivers, merging is idempotent
            logger.info("ack failed (%s); the message will come again", type(error).__name__)

    def _lost(self, *_: Any) -> None:
        if self.closing:
            return
        self.outage_since = self.outage_since or time.time()
        # Messages of the lost channel cannot be acknowledged any more; RabbitMQ redelivers them.
        logger.warning("RabbitMQ connection lost; reconnecting")

    def _back(self, *_: Any) -> None:
        logger.info("RabbitMQ connection back")
        self._schedule_repair()

    def _schedule_repair(self) -> None:
        task = asyncio.get_running_loop().create_task(self._repair_later())
        self.healing.add(task)
        task.add_done_callback(self.healing.discard)

    async def _repair_later(self) -> None:
        await asyncio.sleep(self.heal_delay)
        if self.connection is not None and not self.connection.connected.is_set():
            return  # away again: the repair after the next reconnection covers this outage too
        since, self.outage_since = self.outage_since, None
        while since is not None:
            try:
                await self.repair_since(since - self.heal_margin)
                return
            except Exception as error:  # the database away: the outage must not be forgotten
                logger.error("repair after the RabbitMQ outage failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(self.retry_seconds)

    async def repair_since(self, stamp: float) -> int:
        """Recompute the conversations with events from Unix time `stamp` on; rows written."""
        def repair(*, session: Session) -> int:
            if not inspect(session.connection()).has_table(events.name):
                return 0
            return stats.repair(session=session, conversation_ids=stats.active_since(session=session, stamp=stamp))

        written = int(await self._in_db(repair))
        self.repairs += 1
        logger.info("repaired the conversations active since the RabbitMQ outage: %d rows", written)
        return written

    async def _rebuild_if_empty(self) -> None:
        def rebuild(*, session: Session) -> int:
            if session.execute(select(conversation_stats.c.week).limit(1)).first() is not None:
                return 0
            return rebuild_table(session=session)

        written = await self._in_db(rebuild)
        if written:
            logger.info("conversation_stats was empty: rebuilt %d rows from the events", written)


def rebuild_table(*, session: Session, weeks: int | None = None) -> int:
    """`--rebuild`: the table recomputed from the events (the last `weeks` weeks, or all)."""
    if not inspect(session.connection()).has_table(events.name):
        return 0
    since = None if weeks is None else stats.week_of(time.time()) - weeks + 1
    return stats.rebuild(session=session, since_week=since)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integrations.analytics.consumer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="recompute conversation_stats from the events and exit")
    parser.add_argument("--weeks", type=int, help="with --rebuild: only the last N weeks (default: all)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_format)
    upgrade(settings.database_url)
    sessions = make_sessionmaker(make_engine(settings.database_url))
    if args.rebuild:
        started = time.monotonic()
        with sessions.begin() as session:
            written = rebuild_table(session=session, weeks=args.weeks)
        print(f"conversation_stats rebuilt: {written} rows in {time.monotonic() - started:.1f} s")
        return 0
    if not settings.rabbitmq_url:
        print("configuration error: INTAKE_RABBITMQ_URL is not set", file=sys.stderr)
        return 2
    consumer = Consumer(url=settings.rabbitmq_url, sessions=sessions)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await consumer.run(stop)

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
