"""Each delivery's outcome is recorded as soon as its attempt is over (issue 15, faults): a hung
webhook never holds up the record of an e-mail sent in the same batch, and an e-mail resent after
a worker died between sending and recording carries the same Message-ID. Real SMTP server
(aiosmtpd), a real TCP receiver that never answers, SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest
from receivers import SmtpServer
from sqlalchemy import select

from bot.delivery.endpoints import load_endpoints
from bot.delivery.messages import message_id_for
from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import SmtpSettings
from bot.store.tables import deliveries
from integrations.delivery import metrics
from integrations.delivery.links import LinkMaker
from integrations.delivery.senders import SmtpSender, WebhookSender
from integrations.delivery.worker import Worker

SECRET = "s" * 32
MAIL_FROM = "intake@intake.example"
SLOTS = {
    "language": "fr", "partnership_type": "content_donation", "organization_name": "Musée des Outcomes",
    "organization_type": "museum", "country": "FR", "content_language": "fr", "licence": "cc_by_sa",
    "project_description": "Des affiches", "consent": True, "contact_name": "Camille",
    "contact_email": "camille@example.org",
}


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@asynccontextmanager
async def silent_receiver() -> AsyncIterator[int]:
    """A TCP server that accepts and reads but never answers: a webhook receiver that hangs."""
    release = asyncio.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        release.set()
        server.close()
        await server.wait_closed()


def _worker(sessionmaker, endpoints, smtp, *, port: int, webhook_timeout: float = 60.0) -> Worker:
    mail = smtp if smtp is not None else SmtpSender(
        settings=SmtpSettings(host="127.0.0.1", port=port, security="plain", timeout=5))
    return Worker(
        sessionmaker=sessionmaker, endpoints=endpoints, webhook=WebhookSender(timeout=webhook_timeout), smtp=mail,
        links=LinkMaker("http://console.test", "l" * 32),
        affiliate_names={a.id: a.name for a in default_router().directory.affiliates},
        mail_from=MAIL_FROM, poll_seconds=0.1, lease_seconds=30,
    )


def _submit(sessionmaker, tmp_path, webhook_port: int | None) -> tuple[object, str]:
    path = tmp_path / "endpoints.yml"
    hook = f"  webhook: {{url: 'http://127.0.0.1:{webhook_port}/hook', secret: '{SECRET}'}}\n" if webhook_port else ""
    path.write_text(f"default:\n{hook}  email: ['glam@example.org']\n")
    endpoints = load_endpoints(path, known_affiliates=[a.id for a in default_router().directory.affiliates])
    result = submit(sessionmaker=sessionmaker, router=default_router(), conversation_id="conv-outcomes",
                    slots=SLOTS, endpoints=endpoints)
    return endpoints, result.reference


def _rows(sessionmaker) -> dict[str, dict]:
    with sessionmaker.begin() as session:
        rows = session.execute(select(deliveries.c.id, deliveries.c.channel, deliveries.c.status,
                                      deliveries.c.attempts, deliveries.c.delivered_at)).all()
    return {row.channel: row._asdict() for row in rows}


async def _until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(0.05)
    return False


def _later(seconds: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def test_an_email_is_recorded_while_a_webhook_of_its_batch_hangs(sessionmaker, tmp_path, smtp):
    async def scenario() -> None:
        async with silent_receiver() as port:
            endpoints, reference = _submit(sessionmaker, tmp_path, port)
            worker = _worker(sessionmaker, endpoints, None, port=smtp.port)
            delivered_before = metrics.DELIVERIES.labels("email", "delivered")._value.get()
            batch = asyncio.create_task(worker.run_once())
            try:
                recorded = await _until(lambda: _rows(sessionmaker)["email"]["status"] == "delivered")
                assert recorded, "the e-mail's outcome waited for the hung webhook"
                assert not batch.done()  # the webhook still hangs in the same batch
                assert _rows(sessionmaker)["webhook"]["status"] == "pending"
                assert metrics.DELIVERIES.labels("email", "delivered")._value.get() == delivered_before + 1
            finally:
                # The worker dies here: what was recorded stays; the webhook is tried again later.
                batch.cancel()
                await asyncio.gather(batch, return_exceptions=True)
                await worker.webhook.close()
            # A later round (after the lease) resends the webhook only: the e-mail was recorded.
            again = _worker(sessionmaker, endpoints, None, port=smtp.port, webhook_timeout=0.5)
            await again.run_once(now=_later(60))
            await again.webhook.close()
        rows = _rows(sessionmaker)
        assert rows["email"]["attempts"] == 1 and rows["webhook"]["attempts"] == 2
        assert len(smtp.wait_for(lambda m: reference in m["Subject"], timeout=2)) == 1

    asyncio.run(scenario())


class SendThenHang:
    """Sends for real, then never returns: the worker is killed between sending and recording."""

    def __init__(self, real: SmtpSender) -> None:
        self.real = real
        self.sent = asyncio.Event()

    async def send(self, message: EmailMessage) -> None:
        await self.real.send(message)
        self.sent.set()
        await asyncio.Event().wait()

    async def close(self) -> None:
        """Nothing to close."""


def test_an_email_resent_after_a_killed_worker_has_the_same_message_id(sessionmaker, tmp_path, smtp):
    async def scenario() -> str:
        endpoints, reference = _submit(sessionmaker, tmp_path, None)
        real = SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=smtp.port, security="plain", timeout=5))
        hanging = SendThenHang(real)
        worker = _worker(sessionmaker, endpoints, hanging, port=smtp.port)
        batch = asyncio.create_task(worker.run_once())
        await asyncio.wait_for(hanging.sent.wait(), 20)
        batch.cancel()  # killed after sending, before recording
        await asyncio.gather(batch, return_exceptions=True)
        await worker.webhook.close()
        row = _rows(sessionmaker)["email"]
        assert row["status"] == "pending" and row["delivered_at"] is None  # nothing recorded, nothing lost
        again = _worker(sessionmaker, endpoints, None, port=smtp.port)
        await again.run_once(now=_later(60))  # the lease ran out: another worker sends it again
        await again.webhook.close()
        return reference

    reference = asyncio.run(scenario())
    row = _rows(sessionmaker)["email"]
    assert row["status"] == "delivered" and row["attempts"] == 2
    sent = smtp.wait_for(lambda m: reference in m["Subject"] and len(smtp.inbox.messages) >= 2, timeout=5)
    assert len(sent) == 2
    assert {m["Message-ID"] for m in sent} == {message_id_for(row["id"], MAIL_FROM)}
