"""Delivery security against real databases, a real HTTP receiver and real SMTP servers: a
receiver's 410 Gone disables its endpoint (staff see it and enable it again), and no personal data
reaches `deliveries.last_error`."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from console_helpers import add_accounts, console_client, log_in
from rasa_events import create_events_table
from receivers import SmtpServer, WebhookReceiver
from recording_senders import RecordingSmtpSender
from sqlalchemy import select

from bot.cli import main as intake
from bot.delivery.endpoints import load_endpoints
from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import SmtpSettings
from bot.store.disabled_endpoints import list_disabled_endpoints
from bot.store.outbox import clean_error
from bot.store.tables import deliveries
from integrations.delivery.links import LinkMaker
from integrations.delivery.senders import SmtpSender, WebhookSender
from integrations.delivery.worker import Worker
from integrations.stack.processes import free_port

SECRET = "s" * 32
TOKEN = "api-token-for-tests"
PARTNER = "camille.dupont@example.org"
SLOTS = {
    "language": "en", "partnership_type": "content_donation", "organization_name": "Musée de Lyon",
    "organization_type": "museum", "country": "FR", "content_language": "fr", "licence": "cc_by_sa",
    "project_description": "2,000 photos", "consent": True, "contact_name": "Camille Dupont",
    "contact_email": PARTNER,
}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


class RefusingInbox:
    """Refuses every recipient, as a server does for an address it does not know."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


@pytest.fixture
def refusing_smtp() -> Iterator[int]:
    port = free_port()
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def _endpoints(tmp_path, text: str):
    path = tmp_path / "endpoints.yml"
    path.write_text(text)
    return load_endpoints(path, known_affiliates=[a.id for a in default_router().directory.affiliates])


def _submit(sessionmaker, endpoints, name: str) -> str:
    return submit(sessionmaker=sessionmaker, router=default_router(), conversation_id=f"conv-{name}",
                  slots=dict(SLOTS, organization_name=f"Museum {name}"), endpoints=endpoints).reference


def _worker(sessionmaker, endpoints, *, smtp_port: int = 1, smtp=None) -> Worker:
    return Worker(
        sessionmaker=sessionmaker, endpoints=endpoints, webhook=WebhookSender(timeout=5),
        smtp=smtp or SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=smtp_port, security="plain", timeout=5)),
        links=LinkMaker("https://console.test", "l" * 32),
        affiliate_names={a.id: a.name for a in default_router().directory.affiliates},
        mail_from="intake@example.org", poll_seconds=0.1,
    )


def _round(worker: Worker) -> None:
    async def once() -> None:
        try:
            await worker.run_once()
        finally:
            await worker.webhook.close()

    asyncio.run(once())


def _rows(sessionmaker, reference: str | None = None) -> dict[str, tuple[str, str | None]]:
    """{channel: (status, last_error)} of one inquiry's deliveries (or of all, by delivery id)."""
    from bot.store.tables import inquiries

    query = select(deliveries.c.id, deliveries.c.channel, deliveries.c.status, deliveries.c.last_error)
    if reference is not None:
        query = query.join(inquiries, inquiries.c.id == deliveries.c.inquiry_id).where(inquiries.c.reference == reference)
    with sessionmaker.begin() as session:
        rows = session.execute(query).all()
    return {(row.channel if reference else row.id): (row.status, row.last_error) for row in rows}


def test_a_410_disables_the_webhook_and_e_mail_still_goes(db_url, sessionmaker, tmp_path, receiver, smtp, monkeypatch,
                                                          capsys):
    endpoints = _endpoints(tmp_path, f"default:\n  webhook: {{url: '{receiver.url}', secret: '{SECRET}'}}\n"
                                     "  email: ['glam@wikimedia.example']\n")
    first = _submit(sessionmaker, endpoints, "first")
    receiver.statuses = [410]
    _round(_worker(sessionmaker, endpoints, smtp_port=smtp.port))
    assert _rows(sessionmaker, first) == {"webhook": ("dead", "HTTP 410 Gone"), "email": ("delivered", None)}
    with sessionmaker.begin() as session:
        [disabled] = list_disabled_endpoints(session=session)
    affiliate = disabled["affiliate_id"]
    assert (disabled["channel"], disabled["host"], disabled["reason"]) == ("webhook", "127.0.0.1", "HTTP 410 Gone")

    second = _submit(sessionmaker, endpoints, "second")
    _round(_worker(sessionmaker, endpoints, smtp_port=smtp.port))
    assert _rows(sessionmaker, second) == {"webhook": ("dead", "endpoint disabled (410 Gone)"),
                                           "email": ("delivered", None)}
    assert len(receiver.requests) == 1  # the disabled endpoint was not tried again
    assert len(smtp.wait_for(lambda m: second in m["Subject"], timeout=5)) == 1

    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    assert intake(["endpoints", "list"]) == 0
    assert affiliate in capsys.readouterr().out
    assert intake(["endpoints", "enable", "--affiliate", affiliate]) == 0
    assert f"enabled 1 endpoint(s) of {affiliate}" in capsys.readouterr().out
    assert intake(["endpoints", "enable", "--affiliate", affiliate]) == 2  # nothing left to enable
    third = _submit(sessionmaker, endpoints, "third")
    _round(_worker(sessionmaker, endpoints, smtp_port=smtp.port))
    assert _rows(sessionmaker, third)["webhook"] == ("delivered", None)
    assert len(receiver.requests) == 2


def test_a_410_from_one_receiver_leaves_other_endpoints_alone(sessionmaker, tmp_path, receiver):
    other = WebhookReceiver()
    other.start()
    try:
        endpoints = _endpoints(tmp_path, f"default:\n  webhook: {{url: '{receiver.url}', secret: '{SECRET}'}}\n"
                                         f"affiliates:\n  wm-fr:\n    webhook: {{url: '{other.url}', secret: '{SECRET}'}}\n")
        routed_elsewhere = _submit(sessionmaker, endpoints, "elsewhere")  # Lyon: wm-fr's own endpoint
        receiver.statuses = [410]
        other.statuses = [410]
        _round(_worker(sessionmaker, endpoints))
        with sessionmaker.begin() as session:
            assert [e["affiliate_id"] for e in list_disabled_endpoints(session=session)] == ["wm-fr"]
        assert _rows(sessionmaker, routed_elsewhere)["webhook"][0] == "dead"
        assert receiver.requests == []
    finally:
        other.stop()


def test_no_personal_data_in_last_error(sessionmaker, tmp_path, receiver, refusing_smtp):
    endpoints = _endpoints(tmp_path, f"default:\n  webhook: {{url: '{receiver.url}', secret: '{SECRET}'}}\n"
                                     "  email: ['nobody@wikimedia.example']\n")
    reference = _submit(sessionmaker, endpoints, "private")
    receiver.statuses = [500]
    receiver.bodies = [f'{{"error": "{PARTNER} (Camille Dupont) is already a customer"}}']
    _round(_worker(sessionmaker, endpoints, smtp_port=refusing_smtp))
    rows = _rows(sessionmaker, reference)
    assert rows["webhook"] == ("pending", "webhook to 127.0.0.1 answered HTTP 500")
    assert rows["email"] == ("pending", f"SMTP via 127.0.0.1:{refusing_smtp} failed: SMTPRecipientsRefused 550")
    for _, error in rows.values():
        assert "@" not in error and "Camille" not in error and "nobody" not in error


def test_an_unexpected_exception_is_stored_as_its_class_only(sessionmaker, tmp_path):
    class Leaky(RecordingSmtpSender):
        async def send(self, message) -> None:
            raise RuntimeError(f"cannot send to {PARTNER}, Camille Dupont")

    endpoints = _endpoints(tmp_path, "default:\n  email: ['glam@wikimedia.example']\n")
    reference = _submit(sessionmaker, endpoints, "leaky")
    _round(_worker(sessionmaker, endpoints, smtp=Leaky()))
    assert _rows(sessionmaker, reference)["email"] == ("pending", "unexpected RuntimeError")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("webhook to hooks.example.org answered HTTP 500", "webhook to hooks.example.org answered HTTP 500"),
        ("SMTPRecipientsRefused: [SMTPRecipientRefused(550, 'User unknown', 'camille@example.org')]",
         "SMTPRecipientsRefused"),
        ("mail to camille@example.org refused\n{\"name\": \"Camille Dupont\"}", "mail to (address) refused"),
        ("", "failed"),
    ],
)
def test_clean_error_keeps_one_short_fixed_line(raw, stored):
    assert clean_error(raw) == stored
    assert len(clean_error("x" * 1000)) <= 200


@pytest_asyncio.fixture
async def staff_client(db_url, engine, sessionmaker):
    create_events_table(engine)  # the dashboard reads Rasa's events too
    add_accounts(sessionmaker, {"staff@wikimedia.example": None, "fr@wikimedia.example": "wm-fr"})
    client = await console_client(db_url, api_token=TOKEN)
    yield client
    await client.close()


@pytest.mark.asyncio
async def test_staff_see_disabled_endpoints_in_the_api_and_on_the_dashboard(staff_client, sessionmaker):
    from bot.store.disabled_endpoints import disable_endpoint

    with sessionmaker.begin() as session:
        assert disable_endpoint(session=session, affiliate_id="wm-fr", channel="webhook",
                                target={"url": "https://crm.wikimedia.example/hook?key=abc"})
        assert not disable_endpoint(session=session, affiliate_id="wm-fr", channel="webhook",
                                    target={"url": "https://crm.wikimedia.example/hook?key=abc"})
    response = await staff_client.get("/api/deliveries", headers={"Authorization": f"Bearer {TOKEN}"})
    [shown] = (await response.json())["disabled_endpoints"]
    assert shown["affiliate_id"] == "wm-fr" and shown["host"] == "crm.wikimedia.example"
    assert "key=abc" not in str(shown)
    await log_in(staff_client, "staff@wikimedia.example")
    html = await (await staff_client.get("/console/dashboard")).text()
    assert "Disabled delivery endpoints" in html and "crm.wikimedia.example" in html
    assert "intake endpoints enable --affiliate ID" in html
    staff_client.session.cookie_jar.clear()
    await log_in(staff_client, "fr@wikimedia.example")
    assert "Disabled delivery endpoints" not in await (await staff_client.get("/console/dashboard")).text()
