"""The event broker's cost: Rasa's PikaEventBroker (IntakeEventBroker) publishing the events of
one partner message, in CPU time of the publishing process, and the analytics consumer's
throughput into PostgreSQL.

    INTAKE_TEST_RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672/%2F \\
    INTAKE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python tests/bench/broker_bench.py

A private vhost (rabbitmqctl) and a scratch schema, both removed afterwards.
"""
from __future__ import annotations

import asyncio
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from rabbitmq import private_vhost  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402
from rasa_events import action, bot, slot, user  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.store import make_engine, make_sessionmaker, upgrade  # noqa: E402
from integrations.analytics.broker import QUEUE, IntakeEventBroker, analytics_event  # noqa: E402
from integrations.analytics.consumer import Consumer  # noqa: E402

MESSAGES = 2000
#: Events Rasa saves for one partner message in a form turn of this bot (user, actions, slots,
#: bot utterances, action_listen): 16 on average in tests/e2e/test_analytics_broker.py's intakes.
EVENTS_PER_MESSAGE = 16


def turn(t: float) -> list[dict]:
    steps = [user("We are a museum in Lyon", "inform", t=t), action("intake_form", t=t + 0.01),
             slot("organization_name", "Musée", t=t + 0.02), slot("requested_slot", "country", t=t + 0.03),
             bot("Which country are you in?", t=t + 0.04), action("action_listen", t=t + 0.05)]
    return (steps * 3)[:EVENTS_PER_MESSAGE]


async def publish(vhost: str) -> None:
    broker = await IntakeEventBroker.from_endpoint_config(EndpointConfig(url=vhost, queues=[QUEUE]))
    assert broker is not None
    while broker._exchange is None:
        await asyncio.sleep(0.05)
    now = time.time()
    events = [analytics_event(f"bench-{n % 200:03d}", e) for n in range(MESSAGES) for e in turn(now + n)]
    cpu, wall = time.process_time(), time.perf_counter()
    for event in events:
        broker.publish(event)
    queued_cpu = time.process_time() - cpu
    while broker._background_tasks:
        await asyncio.sleep(0.01)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await broker.close()
    per_event = cpu / len(events) * 1e6
    print(f"published {len(events):,} events ({MESSAGES:,} messages x {EVENTS_PER_MESSAGE}) in {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU of the publisher ({queued_cpu:.2f} s of it in publish() itself)")
    print(f"  {per_event:.0f} us CPU per event, {per_event * EVENTS_PER_MESSAGE / 1000:.1f} ms CPU per partner message")


async def consume(vhost: str, url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    consumer = Consumer(url=vhost, sessions=make_sessionmaker(engine), rebuild_if_empty=False)
    stop = asyncio.Event()
    began = time.perf_counter()
    task = asyncio.ensure_future(consumer.run(stop))
    while consumer.acked < MESSAGES * EVENTS_PER_MESSAGE:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - began
    stop.set()
    await task
    engine.dispose()
    print(f"consumed {consumer.acked:,} events into PostgreSQL in {elapsed:.2f} s: "
          f"{consumer.acked / elapsed:,.0f} events/s ({consumer.acked / elapsed / EVENTS_PER_MESSAGE:,.0f} messages/s)")


def main() -> int:
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.INFO)  # as `rasa run` does: Rasa's debug line per publish is filtered
    base = os.environ.get("INTAKE_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    pg = os.environ.get("INTAKE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    schema = "bench_broker_" + secrets.token_hex(4)
    admin = make_engine(pg)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    try:
        with private_vhost(base) as vhost:
            asyncio.run(publish(vhost))
            asyncio.run(consume(vhost, url))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
