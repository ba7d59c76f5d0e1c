"""The delivery worker against real databases, a real HTTP receiver and a real SMTP server:
retries, time-outs, a worker killed with SIGKILL mid-batch, escalation of unanswered inquiries."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from receivers import SmtpServer, WebhookReceiver
from sqlalchemy import func, select

from bot.delivery.endpoints import load_endpoints
from bot.delivery.signing import verify_webhook
from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import SmtpSettings
from bot.store import get_inquiry, outbox_stats
from bot.store.tables import deliveries
from integrations.delivery.links import LinkMaker
from integrations.delivery.senders import SmtpSender, WebhookSender
from integrations.delivery.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 32
SLOTS = {
    "language": "en", "partnership_type": "content_donation", "organization_name": "Musée de Lyon",
    "organization_type": "museum", "country": "FR", "content_language": "fr", "licence": "cc_by_sa",
    "project_description": "2,000 photos", "consent": True, "contact_name": "Camille",
    "contact_email": "camille@example.org",
}


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def endpoints_file(tmp_path, receiver):
    path = tmp_path / "endpoints.yml"
    path.write_text(f"default:\n  webhook: {{url: '{receiver.url}', secret: '{SECRET}'}}\n  response_days: 7\n")
    return path


def _endpoints(path):
    return load_endpoints(path, known_affiliates=[a.id for a in default_router().directory.affiliates])


def _submit(sessionmaker, endpoints, n: int, prefix: str = "conv") -> list[str]:
    router = default_router()
    return [
        submit(sessionmaker=sessionmaker, router=router, conversation_id=f"{prefix}-{i}",
               slots=dict(SLOTS, organization_name=f"Museum {prefix} {i}"), endpoints=endpoints).reference
        for i in range(n)
    ]


def _worker(sessionmaker, endpoints, *, smtp_port: int = 1, timeout: float = 5.0) -> Worker:
    return Worker(
        sessionmaker=sessionmaker, endpoints=endpoints, webhook=WebhookSender(timeout=timeout),
        smtp=SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=smtp_port, security="plain", timeout=5)),
        links=LinkMaker("http://console.test", "l" * 32),
        affiliate_names={a.id: a.name for a in default_router().directory.affiliates},
        mail_from="intake@example.org", poll_seconds=0.1,
    )


def _later(days: float = 0, hours: float = 0) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=days, hours=hours)


async def _rounds(worker: Worker, *moments: datetime) -> None:
    try:
        for moment in moments:
            await worker.run_once(now=moment)
    finally:
        await worker.webhook.close()


def test_a_500_is_retried_with_the_same_idempotency_key(sessionmaker, endpoints_file, receiver):
    endpoints = _endpoints(endpoints_file)
    (reference,) = _submit(sessionmaker, endpoints, 1)
    receiver.statuses = [500]
    asyncio.run(_rounds(_worker(sessionmaker, endpoints), _later(), _later(hours=1)))
    assert len(receiver.requests) == 2
    keys = {r.headers["Idempotency-Key"] for r in receiver.requests}
    assert len(keys) == 1
    for request in receiver.requests:
        assert verify_webhook(request.body, request.headers["X-Intake-Signature"], SECRET, now=int(time.time()))
    with sessionmaker.begin() as session:
        assert outbox_stats(session=session)["delivered"] == 1
        assert json.loads(receiver.requests[0].body)["inquiry"]["reference"] == reference


def test_a_receiver_that_hangs_past_the_timeout_is_retried(sessionmaker, endpoints_file, receiver):
    endpoints = _endpoints(endpoints_file)
    _submit(sessionmaker, endpoints, 1)
    receiver.delays = [3.0]
    asyncio.run(_rounds(_worker(sessionmaker, endpoints, timeout=0.5), _later()))
    with sessionmaker.begin() as session:
        row = session.execute(select(deliveries.c.status, deliveries.c.last_error, deliveries.c.attempts)).one()
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    asyncio.run(_rounds(_worker(sessionmaker, endpoints), _later(hours=1)))
    with sessionmaker.begin() as session:
        assert outbox_stats(session=session)["delivered"] == 1


def test_email_reaches_a_real_smtp_server(sessionmaker, tmp_path, smtp):
    path = tmp_path / "mail.yml"
    path.write_text("affiliates:\n  wm-fr:\n    email: ['glam@wikimedia.fr']\n")
    endpoints = _endpoints(path)
    (reference,) = _submit(sessionmaker, endpoints, 1)
    asyncio.run(_rounds(_worker(sessionmaker, endpoints, smtp_port=smtp.port), _later()))
    (message,) = smtp.wait_for(lambda m: reference in m["Subject"], timeout=5)
    kinds = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= kinds and "glam@wikimedia.fr" in message["To"]


def test_an_unanswered_inquiry_moves_to_its_next_alternative(sessionmaker, endpoints_file, receiver):
    endpoints = _endpoints(endpoints_file)
    (reference,) = _submit(sessionmaker, endpoints, 1)
    with sessionmaker.begin() as session:
        before = get_inquiry(session=session, reference=reference)["routing"]
    worker = _worker(sessionmaker, endpoints)
    assert asyncio.run(worker.escalate(now=_later(days=3))) == 0  # still inside the window
    assert asyncio.run(worker.escalate(now=_later(days=8))) == 1
    with sessionmaker.begin() as session:
        after = get_inquiry(session=session, reference=reference)["routing"]
    assert after["affiliate_id"] == before["alternatives"][0]
    asyncio.run(_rounds(worker, _later(days=8)))
    routed_to = {json.loads(r.body)["inquiry"]["routing"]["affiliate_id"] for r in receiver.requests}
    assert after["affiliate_id"] in routed_to


def test_a_worker_killed_mid_batch_loses_nothing(db_url, sessionmaker, endpoints_file, receiver):
    endpoints = _endpoints(endpoints_file)
    _submit(sessionmaker, endpoints, 60, prefix="kill")
    with sessionmaker.begin() as session:
        expected = set(session.execute(select(deliveries.c.id)).scalars())
    receiver.delay = 0.02
    env = dict(os.environ, INTAKE_DATABASE_URL=db_url, INTAKE_ENDPOINTS_FILE=str(endpoints_file),
               INTAKE_LINK_SECRET="l" * 32, INTAKE_DELIVERY_POLL_SECONDS="0.1",
               INTAKE_DELIVERY_LEASE_SECONDS="2", INTAKE_DELIVERY_BATCH="20", PYTHONPATH=str(ROOT))

    def start():
        return subprocess.Popen([sys.executable, "-m", "integrations.delivery"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    first = start()
    deadline = time.monotonic() + 60
    while len(receiver.requests) < 15 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    arrived_before_kill = len(receiver.requests)
    assert 0 < arrived_before_kill < len(expected)
    second = start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with sessionmaker.begin() as session:
                pending = session.execute(
                    select(func.count()).select_from(deliveries).where(deliveries.c.status != "delivered")
                ).scalar_one()
            if pending == 0:
                break
            time.sleep(0.3)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    keys = [r.headers["Idempotency-Key"] for r in receiver.requests]
    assert set(keys) == expected  # every delivery arrived, under its own key
    assert pending == 0
    assert second.returncode == 0  # SIGTERM is a graceful stop


def test_worker_refuses_bad_configuration(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("affiliates:\n  no-such-affiliate:\n    email: ['a@example.org']\n")
    env = dict(os.environ, INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", INTAKE_ENDPOINTS_FILE=str(bad),
               INTAKE_LINK_SECRET="l" * 32, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "integrations.delivery"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no-such-affiliate" in done.stderr
