"""`make bench-delivery`: deliveries per second from the worker to a local receiver, and how
long a backlog of 10,000 pending deliveries takes to drain (SQLite; PostgreSQL too when
INTAKE_TEST_POSTGRES_URL is set)."""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from receivers import WebhookReceiver  # noqa: E402

from bot.delivery.endpoints import load_endpoints  # noqa: E402
from bot.delivery.handles import current_handles  # noqa: E402
from bot.delivery.lifecycle import create_response_links  # noqa: E402
from bot.intake.service import submit  # noqa: E402
from bot.routing import default_router  # noqa: E402
from bot.settings import SmtpSettings  # noqa: E402
from bot.store import (  # noqa: E402
    DeliveryTarget,  # noqa: E402
    enqueue_deliveries,
    make_engine,
    make_sessionmaker,
    outbox_stats,
    upgrade,
)
from integrations.delivery.links import LinkMaker  # noqa: E402
from integrations.delivery.senders import SmtpSender, WebhookSender  # noqa: E402
from integrations.delivery.worker import Worker  # noqa: E402

BACKLOG = int(os.environ.get("BENCH_BACKLOG", "10000"))
INQUIRIES = 100
TIME_LIMIT = 600
SLOTS = {"language": "en", "partnership_type": "event", "organization_name": "Bench museum",
         "organization_type": "museum", "country": "FR", "content_language": "fr",
         "project_description": "An edit-a-thon", "consent": False}


def seed(maker, endpoints, receiver_url: str) -> None:
    router = default_router()
    for i in range(INQUIRIES):
        reference = submit(sessionmaker=maker, router=router, conversation_id=f"bench-{i}",
                           slots=dict(SLOTS, organization_name=f"Bench museum {i}"), endpoints=None).reference
        with maker.begin() as session:
            handles = current_handles(session=session, reference=reference)
            create_response_links(session=session, inquiry_id=handles.inquiry_id, decision_id=handles.decision_id,
                                  affiliate_id=handles.affiliate_id, expires_at=datetime.now(timezone.utc) + timedelta(days=8))
            enqueue_deliveries(
                session=session, inquiry_id=handles.inquiry_id, decision_id=handles.decision_id,
                affiliate_id=handles.affiliate_id,
                targets=[DeliveryTarget("webhook", {"url": receiver_url})] * (BACKLOG // INQUIRIES),
            )


async def drain(worker: Worker, maker) -> float:
    started = time.perf_counter()
    try:
        while True:
            if await worker.run_once() == 0:
                with maker.begin() as session:
                    stats = outbox_stats(session=session)
                if stats["pending"] == 0:
                    break
                if time.perf_counter() - started > TIME_LIMIT:
                    raise SystemExit(f"not drained after {TIME_LIMIT} s: {stats}")
                await asyncio.sleep(0.05)
    finally:
        await worker.webhook.close()
    return time.perf_counter() - started


def run(url: str, label: str, endpoints_path: Path, receiver: WebhookReceiver) -> None:
    upgrade(url)
    maker = make_sessionmaker(make_engine(url))
    names = {a.id: a.name for a in default_router().directory.affiliates}
    endpoints = load_endpoints(endpoints_path, known_affiliates=names)
    seed(maker, endpoints, receiver.url)
    receiver.requests.clear()
    worker = Worker(sessionmaker=maker, endpoints=endpoints, webhook=WebhookSender(timeout=10),
                    smtp=SmtpSender(settings=SmtpSettings()), links=LinkMaker("http://console", "l" * 32),
                    affiliate_names=names, mail_from="bench@example.org", batch=200, concurrency=20)
    seconds = asyncio.run(drain(worker, maker))
    with maker.begin() as session:
        stats = outbox_stats(session=session)
    print(f"{label:<11} {BACKLOG} deliveries drained in {seconds:6.1f} s = {BACKLOG / seconds:6.0f} deliveries/s "
          f"(received {len(receiver.requests)}, outbox {stats})", flush=True)


def main() -> None:
    import logging

    logging.disable(logging.WARNING)  # one log line per delivery would dominate the figure
    receiver = WebhookReceiver()
    receiver.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            endpoints_path = Path(tmp) / "endpoints.yml"
            endpoints_path.write_text(f"default:\n  webhook: {{url: '{receiver.url}', secret: '{'s' * 32}'}}\n")
            run(f"sqlite:///{tmp}/bench.db", "SQLite", endpoints_path, receiver)
            pg = os.environ.get("INTAKE_TEST_POSTGRES_URL")
            if pg:
                from sqlalchemy import create_engine, text

                admin = create_engine(pg, future=True)
                with admin.begin() as connection:
                    connection.execute(text("DROP SCHEMA IF EXISTS bench_delivery CASCADE"))
                    connection.execute(text("CREATE SCHEMA bench_delivery"))
                sep = "&" if "?" in pg else "?"
                try:
                    run(f"{pg}{sep}options=-csearch_path%3Dbench_delivery", "PostgreSQL", endpoints_path, receiver)
                finally:
                    with admin.begin() as connection:
                        connection.execute(text("DROP SCHEMA IF EXISTS bench_delivery CASCADE"))
    finally:
        receiver.stop()


if __name__ == "__main__":
    main()
