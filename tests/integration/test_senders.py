"""Integration tests of integrations.delivery.senders against real local servers.

An aiohttp receiver on a free port checks signatures with `verify_webhook`; an aiosmtpd server
receives the e-mail. Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import email
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import policy
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from recording_senders import RecordingSmtpSender, RecordingWebhookSender

from bot.delivery import routed_email, verify_webhook, webhook_body
from bot.settings import SmtpSettings
from integrations.delivery import DeliveryError, SmtpSender, WebhookSender

SECRET = "whsec-integration-0123456789"
LINKS = {"view": "http://127.0.0.1/v", "accept": "http://127.0.0.1/a", "decline": "http://127.0.0.1/d"}
INQUIRY: dict[str, Any] = {
    "reference": "WMP-1ABC02DE",
    "language": "de",
    "partnership_type": "education",
    "organization": {"name": "Universität Beispiel", "type": "university"},
    "country": "DE",
    "region": None,
    "content_language": "de",
    "licence": None,
    "description": "Ein Seminar mit <Wikipedia>.",
    "contact": {"name": None, "email": None},
    "consent": False,
    "qualification": {"tier": "qualified", "reasons": ["Education counts."]},
    "routing": {"affiliate_id": "wm-de", "rule": "country:chapter", "reasons": ["Chapter for Germany."], "alternatives": []},
}
BODY = webhook_body(delivery_id="dlv-1", inquiry=INQUIRY, links=LINKS)


# -- webhook receiver ------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


@dataclass
class Receiver:
    base: str
    requests: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A real aiohttp server on a free port: /ok, /fail (500), /flaky (500 then 200), /hang,
    /redirect; every route answers 401 to a bad signature."""
    state = Receiver(base="")
    flaky_calls = 0

    async def hook(request: web.Request) -> web.StreamResponse:
        nonlocal flaky_calls
        body = await request.read()
        header = request.headers.get("X-Intake-Signature", "")
        ok = verify_webhook(body, header, SECRET, now=int(time.time()))
        state.requests.append(Received(request.path, dict(request.headers), body, ok))
        if not ok:
            return web.Response(status=401)
        if request.path == "/fail":
            return web.Response(status=500, text=f"internal error, echoing {body[:20]!r}")
        if request.path == "/flaky":
            flaky_calls += 1
            return web.Response(status=500 if flaky_calls == 1 else 200)
        if request.path == "/hang":
            await state.release.wait()
        if request.path == "/redirect":
            raise web.HTTPTemporaryRedirect("/ok")
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/{name}", hook)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.base = f"http://{host}:{port}"
    try:
        yield state
    finally:
        state.release.set()
        await runner.cleanup()


@pytest_asyncio.fixture
async def sender() -> AsyncIterator[WebhookSender]:
    """A real sender with a short timeout."""
    async with WebhookSender(timeout=0.5) as instance:
        yield instance


@pytest.mark.asyncio
async def test_webhook_is_signed_and_carries_the_idempotency_key(receiver, sender):
    await sender.send(url=receiver.url("/ok"), secret=SECRET, delivery_id="dlv-1", body=BODY)
    [request] = receiver.requests
    assert request.signature_ok
    assert request.body == BODY
    assert request.headers["Idempotency-Key"] == "dlv-1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("wikimedia-partner-intake/")
    assert request.headers["X-Intake-Signature"].startswith("t=")


@pytest.mark.asyncio
async def test_server_error_raises_without_body_or_secret(receiver, sender):
    with pytest.raises(DeliveryError) as info:
        await sender.send(url=receiver.url("/fail"), secret=SECRET, delivery_id="dlv-1", body=BODY)
    assert info.value.status == 500
    message = str(info.value)
    assert "500" in message and "127.0.0.1" in message
    assert SECRET not in message and "inquiry" not in message and "Universit" not in message


@pytest.mark.asyncio
async def test_retry_after_500_carries_the_same_idempotency_key(receiver, sender):
    with pytest.raises(DeliveryError):
        await sender.send(url=receiver.url("/flaky"), secret=SECRET, delivery_id="dlv-9", body=BODY)
    await sender.send(url=receiver.url("/flaky"), secret=SECRET, delivery_id="dlv-9", body=BODY)
    assert [r.headers["Idempotency-Key"] for r in receiver.requests] == ["dlv-9", "dlv-9"]
    assert all(r.signature_ok for r in receiver.requests)


@pytest.mark.asyncio
async def test_hanging_receiver_times_out(receiver, sender):
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="timed out"):
        await sender.send(url=receiver.url("/hang"), secret=SECRET, delivery_id="dlv-1", body=BODY)
    assert time.monotonic() - started < 3
    assert len(receiver.requests) == 1


@pytest.mark.asyncio
async def test_wrong_secret_is_rejected_by_the_receiver(receiver, sender):
    with pytest.raises(DeliveryError) as info:
        await sender.send(url=receiver.url("/ok"), secret="not-the-right-secret", delivery_id="d", body=BODY)
    assert info.value.status == 401
    assert not receiver.requests[0].signature_ok


@pytest.mark.asyncio
async def test_redirects_are_not_followed(receiver, sender):
    with pytest.raises(DeliveryError, match="307"):
        await sender.send(url=receiver.url("/redirect"), secret=SECRET, delivery_id="d", body=BODY)
    assert [r.path for r in receiver.requests] == ["/redirect"]


@pytest.mark.asyncio
async def test_connection_refused(sender):
    with pytest.raises(DeliveryError, match="failed") as info:
        await sender.send(url=f"http://127.0.0.1:{free_port()}/x", secret=SECRET, delivery_id="d", body=BODY)
    assert info.value.status is None


@pytest.mark.asyncio
async def test_concurrent_sends_share_one_session_and_close_reopens(receiver):
    sender = WebhookSender(timeout=2)
    sends = [sender.send(url=receiver.url("/ok"), secret=SECRET, delivery_id=f"d{i}", body=BODY) for i in range(20)]
    await asyncio.gather(*sends)
    assert sorted(r.headers["Idempotency-Key"] for r in receiver.requests) == sorted(f"d{i}" for i in range(20))
    await sender.close()
    await sender.send(url=receiver.url("/ok"), secret=SECRET, delivery_id="again", body=BODY)
    await sender.close()
    await sender.close()  # idempotent
    assert SECRET not in repr(sender)


# -- SMTP ----------------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on a free port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"intake", b"pa55word")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_auth_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server that requires AUTH (over plain text, for the test only)."""
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_required=True, auth_require_tls=False
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def message(to: list[str]):
    sender = SmtpSettings().mail_from
    return routed_email(delivery_id="d-1", inquiry=INQUIRY, affiliate_name="Wikimedia Deutschland", links=LINKS, sender=sender, to=to)


@pytest.mark.asyncio
async def test_email_arrives_with_both_parts(smtp_server):
    inbox, port = smtp_server
    await SmtpSender(settings=SmtpSettings(security="plain", port=port, timeout=5)).send(message(["a@wmde.example", "b@wmde.example"]))
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "partnerships-intake@localhost"
    assert envelope.rcpt_tos == ["a@wmde.example", "b@wmde.example"]
    received = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "WMP-1ABC02DE" in received["Subject"]
    plain = received.get_body(preferencelist=("plain",))
    rich = received.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    assert "Universität Beispiel" in plain.get_content() and LINKS["accept"] in plain.get_content()
    assert "&lt;Wikipedia&gt;" in rich.get_content() and f'href="{LINKS["decline"]}"' in rich.get_content()


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_email_with_authentication(smtp_auth_server):
    inbox, port = smtp_auth_server
    good = SmtpSettings(security="plain", port=port, username="intake", password="pa55word", timeout=5)
    await SmtpSender(settings=good).send(message(["a@wmde.example"]))
    assert len(inbox.envelopes) == 1
    bad = SmtpSettings(security="plain", port=port, username="intake", password="wrong-password", timeout=5)
    with pytest.raises(DeliveryError) as info:
        await SmtpSender(settings=bad).send(message(["a@wmde.example"]))
    assert info.value.status == 535
    assert "wrong-password" not in str(info.value) and "wrong-password" not in repr(bad)
    assert len(inbox.envelopes) == 1


@pytest.mark.asyncio
async def test_refused_recipient_raises(smtp_server):
    inbox, port = smtp_server
    with pytest.raises(DeliveryError) as info:
        await SmtpSender(settings=SmtpSettings(security="plain", port=port, timeout=5)).send(message(["nobody@wmde.example"]))
    assert "nobody@" not in str(info.value)
    assert inbox.envelopes == []


@pytest.mark.asyncio
async def test_partly_refused_recipients_still_deliver(smtp_server):
    inbox, port = smtp_server
    await SmtpSender(settings=SmtpSettings(security="plain", port=port, timeout=5)).send(message(["a@wmde.example", "nobody@x.example"]))
    assert inbox.envelopes[0].rcpt_tos == ["a@wmde.example"]


@pytest.mark.asyncio
async def test_smtp_connection_refused():
    with pytest.raises(DeliveryError, match="SMTP via 127.0.0.1"):
        await SmtpSender(settings=SmtpSettings(security="plain", port=free_port(), timeout=2)).send(message(["a@wmde.example"]))


def test_smtp_settings_from_env():
    assert SmtpSettings.from_env({}) == SmtpSettings(
        host="127.0.0.1", port=25, username=None, password=None, security="starttls",
        mail_from="Wikimedia partnerships <partnerships-intake@localhost>",
    )
    settings = SmtpSettings.from_env(
        {
            "INTAKE_SMTP_HOST": "mail.example.org",
            "INTAKE_SMTP_PORT": "587",
            "INTAKE_SMTP_USER": "intake",
            "INTAKE_SMTP_PASSWORD": "hunter2-hunter2",
            "INTAKE_SMTP_STARTTLS": "true",
            "INTAKE_SMTP_TIMEOUT": "12.5",
            "INTAKE_MAIL_FROM": "Intake <intake@example.org>",
        }
    )
    assert (settings.host, settings.port, settings.username, settings.starttls) == ("mail.example.org", 587, "intake", True)
    assert settings.password == "hunter2-hunter2" and settings.timeout == 12.5
    assert settings.mail_from == "Intake <intake@example.org>"
    assert "hunter2" not in repr(settings) and "hunter2" not in repr(SmtpSender(settings=settings))


@pytest.mark.parametrize(
    ("name", "value"),
    [("INTAKE_SMTP_PORT", "0"), ("INTAKE_SMTP_PORT", "smtp"), ("INTAKE_SMTP_STARTTLS", "maybe"), ("INTAKE_SMTP_TIMEOUT", "-1")],
)
def test_smtp_settings_reject_bad_values(name, value):
    with pytest.raises(ValueError, match=name):
        SmtpSettings.from_env({name: value})


# -- the recording doubles --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_recording_doubles_fail_then_record():
    webhooks = RecordingWebhookSender(failures=1)
    with pytest.raises(DeliveryError):
        await webhooks.send(url="http://x/h", secret=SECRET, delivery_id="d1", body=BODY)
    await webhooks.send(url="http://x/h", secret=SECRET, delivery_id="d1", body=BODY)
    assert [c.delivery_id for c in webhooks.calls] == ["d1", "d1"] and len(webhooks.delivered) == 1
    assert SECRET not in repr(webhooks.calls)
    await webhooks.close()
    assert webhooks.closed

    mail = RecordingSmtpSender(failures=1)
    with pytest.raises(DeliveryError):
        await mail.send(message(["a@x.example"]))
    await mail.send(message(["a@x.example"]))
    assert len(mail.calls) == 2 and len(mail.delivered) == 1
