"""The delivery worker's status port (INTAKE_WORKER_METRICS_PORT): a real worker process counts
its deliveries on /metrics and answers /health; the outbox lag and the open hand-offs come from
the database; /health says 503 when the database is gone or the rounds stalled."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from receivers import WebhookReceiver
from sqlalchemy import insert

from bot.delivery.endpoints import load_endpoints
from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import SmtpSettings
from bot.store import make_engine, make_sessionmaker
from bot.store.backlog import open_handoffs, outbox_backlog
from bot.store.clock import utcnow
from bot.store.tables import handoffs
from integrations.delivery import metrics
from integrations.delivery.links import LinkMaker
from integrations.delivery.senders import SmtpSender, WebhookSender
from integrations.delivery.worker import Worker
from integrations.stack.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 32
SLOTS = {
    "language": "de", "partnership_type": "content_donation", "organization_name": "Museum Statusport",
    "organization_type": "museum", "country": "DE", "content_language": "de", "licence": "cc_by_sa",
    "project_description": "Plakate", "consent": True, "contact_name": "Kim", "contact_email": "kim@example.org",
}


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


def _endpoints_file(tmp_path, receiver) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(f"default:\n  webhook: {{url: '{receiver.url}', secret: '{SECRET}'}}\n")
    return path


def _submit(sessionmaker, path: Path, n: int) -> None:
    endpoints = load_endpoints(path, known_affiliates=[a.id for a in default_router().directory.affiliates])
    for i in range(n):
        submit(sessionmaker=sessionmaker, router=default_router(), conversation_id=f"conv-status-{i}",
               slots=dict(SLOTS, organization_name=f"Museum Statusport {i}"), endpoints=endpoints)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_real_worker_serves_metrics_and_health_on_loopback(db_url, sessionmaker, tmp_path, receiver):
    path = _endpoints_file(tmp_path, receiver)
    _submit(sessionmaker, path, 2)
    port = free_port()
    env = dict(os.environ, INTAKE_DATABASE_URL=db_url, INTAKE_ENDPOINTS_FILE=str(path), INTAKE_LINK_SECRET="l" * 32,
               INTAKE_DELIVERY_POLL_SECONDS="0.1", INTAKE_WORKER_METRICS_PORT=str(port), PYTHONPATH=str(ROOT))
    worker = subprocess.Popen([sys.executable, "-m", "integrations.delivery"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        samples: dict = {}
        while time.monotonic() < deadline:
            try:
                samples = _samples(requests.get(url + "/metrics", timeout=5).text)
            except requests.ConnectionError:
                samples = {}
            if samples.get(("intake_deliveries_total", (("channel", "webhook"), ("outcome", "delivered")))) == 2:
                break
            time.sleep(0.2)
        health = requests.get(url + "/health", timeout=5)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    assert samples[("intake_deliveries_total", (("channel", "webhook"), ("outcome", "delivered")))] == 2
    assert samples[("intake_outbox_pending_deliveries", ())] == 0
    assert samples[("intake_outbox_lag_seconds", ())] == 0
    assert samples[("intake_delivery_attempt_seconds_count", (("channel", "webhook"),))] == 2
    assert samples[("intake_worker_last_round_timestamp_seconds", ())] > 0
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["checks"]["database"] == "ok" and body["checks"]["last_round_seconds"] >= 0
    assert worker.returncode == 0


def test_the_outbox_lag_is_the_age_of_the_oldest_due_delivery(sessionmaker, tmp_path, receiver):
    _submit(sessionmaker, _endpoints_file(tmp_path, receiver), 3)
    with sessionmaker.begin() as session:
        session.execute(insert(handoffs), [
            {"conversation_id": f"conv-status-{i}", "status": status, "language": "de", "requested_at": utcnow()}
            for i, status in enumerate(("waiting", "waiting", "with_person", "closed", "missed"))])
    later = utcnow() + timedelta(seconds=90)
    with sessionmaker.begin() as session:
        backlog = outbox_backlog(session, now=later)
        open_now = open_handoffs(session)
        nothing_due = outbox_backlog(session, now=utcnow() - timedelta(hours=1))
    assert backlog.pending == backlog.due == 3
    assert 89 <= backlog.lag_seconds <= 95
    assert nothing_due.due == 0 and nothing_due.lag_seconds == 0 and nothing_due.pending == 3
    assert open_now == {"waiting": 2, "with_person": 1}
    metrics.read_backlog(sessionmaker)
    assert metrics.OUTBOX_PENDING._value.get() == 3
    assert metrics.HANDOFFS_OPEN.labels("waiting")._value.get() == 2


def _worker(sessionmaker) -> Worker:
    return Worker(sessionmaker=sessionmaker, endpoints=None, webhook=WebhookSender(), smtp=SmtpSender(settings=SmtpSettings()),
                  links=LinkMaker("http://console.test", "l" * 32), affiliate_names={}, mail_from="i@example.org")


@pytest.mark.asyncio
async def test_health_is_503_when_the_database_is_gone_or_the_rounds_stalled(sessionmaker):
    down = make_sessionmaker(make_engine("postgresql://intake:hunter2-pw@127.0.0.1:1/private"))
    for worker, expected in ((_worker(down), {"database": "unavailable", "last_round_seconds": None}),
                             (_worker(sessionmaker), None)):
        if expected is None:
            worker._last_round = time.monotonic() - 3600  # a round that never ended
        client = TestClient(TestServer(metrics.status_app(worker, stale_after=300)))
        await client.start_server()
        try:
            response = await client.get("/health")
            body = await response.json()
            text = await response.text()
        finally:
            await client.close()
        assert response.status == 503 and body["status"] == "unavailable"
        if expected is not None:
            assert body["checks"] == expected and "hunter2" not in text and "private" not in text
        else:
            assert body["checks"]["database"] == "ok" and body["checks"]["rounds"] == "stalled"
