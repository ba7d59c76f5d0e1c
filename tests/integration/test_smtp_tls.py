"""E-mail over TLS by default: STARTTLS and implicit TLS against a real aiosmtpd that presents a
certificate of a CA made for the test (trusted through INTAKE_SMTP_CA_FILE), certificates
verified, and plain text refused unless the server is this machine or it is allowed on purpose."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from tls_certificates import TlsFiles, make_certificates

from bot.delivery import routed_email
from bot.settings import Settings, SmtpSettings
from integrations.delivery import DeliveryError, SmtpSender
from integrations.stack.processes import free_port

INQUIRY: dict[str, Any] = {
    "reference": "WMP-7TLS0001", "language": "en", "partnership_type": "content_donation",
    "organization": {"name": "Museum", "type": "museum"}, "country": "FR", "region": None,
    "content_language": "fr", "licence": "cc_by_sa", "description": "Photos.",
    "contact": {"name": None, "email": None}, "consent": False,
    "qualification": {"tier": "qualified", "reasons": []},
    "routing": {"affiliate_id": "wm-fr", "rule": "country:chapter", "reasons": [], "alternatives": []},
}
LINKS = {"view": "https://c.example/v", "accept": "https://c.example/a", "decline": "https://c.example/d"}


class Inbox:
    """Keeps each message with whether it came over TLS."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, bool]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.received.append((envelope.content, server.transport.get_extra_info("ssl_object") is not None))
        return "250 OK"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> TlsFiles:
    return make_certificates(tmp_path_factory.mktemp("tls"))


def _serve(inbox: Inbox, **kwargs: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(certificates) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server that offers STARTTLS and refuses mail before it."""
    inbox = Inbox()
    for port in _serve(inbox, tls_context=certificates.server_context(), require_starttls=True):
        yield inbox, port


@pytest.fixture
def tls_server(certificates) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server that speaks TLS from the first byte (like port 465)."""
    inbox = Inbox()
    for port in _serve(inbox, ssl_context=certificates.server_context()):
        yield inbox, port


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server without any TLS."""
    inbox = Inbox()
    yield from ((inbox, port) for port in _serve(inbox))


def _message():
    return routed_email(delivery_id="d-1", inquiry=INQUIRY, affiliate_name="Wikimedia France", links=LINKS,
                        sender=SmtpSettings().mail_from, to=["glam@wikimedia.example"])


def _settings(port: int, security: str, ca_file: object = None) -> SmtpSettings:
    env = {"INTAKE_SMTP_HOST": "127.0.0.1", "INTAKE_SMTP_PORT": str(port), "INTAKE_SMTP_SECURITY": security,
           "INTAKE_SMTP_TIMEOUT": "5"}
    if ca_file:
        env["INTAKE_SMTP_CA_FILE"] = str(ca_file)
    return SmtpSettings.from_env(env)


@pytest.mark.asyncio
async def test_starttls_with_a_private_ca(starttls_server, certificates):
    inbox, port = starttls_server
    await SmtpSender(settings=_settings(port, "starttls", certificates.ca_file)).send(_message())
    [(content, over_tls)] = inbox.received
    assert over_tls and b"WMP-7TLS0001" in content


@pytest.mark.asyncio
async def test_implicit_tls_with_a_private_ca(tls_server, certificates):
    inbox, port = tls_server
    await SmtpSender(settings=_settings(port, "tls", certificates.ca_file)).send(_message())
    [(content, over_tls)] = inbox.received
    assert over_tls and b"WMP-7TLS0001" in content


@pytest.mark.asyncio
@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_a_certificate_of_an_untrusted_ca_is_refused(starttls_server, tls_server, security):
    inbox, port = starttls_server if security == "starttls" else tls_server
    with pytest.raises(DeliveryError, match="SMTP via 127.0.0.1.*SSLCertVerificationError"):
        await SmtpSender(settings=_settings(port, security)).send(_message())
    assert inbox.received == []


@pytest.mark.asyncio
async def test_starttls_never_falls_back_to_plain_text(plain_server, certificates):
    inbox, port = plain_server
    with pytest.raises(DeliveryError, match="SMTP via 127.0.0.1"):
        await SmtpSender(settings=_settings(port, "starttls", certificates.ca_file)).send(_message())
    assert inbox.received == []


@pytest.mark.asyncio
async def test_plain_to_a_loopback_server_is_allowed(plain_server):
    inbox, port = plain_server
    await SmtpSender(settings=_settings(port, "plain")).send(_message())
    [(_, over_tls)] = inbox.received
    assert not over_tls


def test_starttls_is_the_default():
    settings = SmtpSettings.from_env({"INTAKE_SMTP_HOST": "mail.example.org"})
    assert (settings.security, settings.port, settings.starttls) == ("starttls", 25, True)
    assert SmtpSettings.from_env({"INTAKE_SMTP_HOST": "mail.example.org", "INTAKE_SMTP_SECURITY": "tls"}).port == 465


@pytest.mark.parametrize(("old", "security"), [("true", "starttls"), ("false", "plain")])
def test_the_older_starttls_flag_still_counts(old, security):
    assert SmtpSettings.from_env({"INTAKE_SMTP_STARTTLS": old}).security == security


@pytest.mark.parametrize("host", ["mail.example.org", "10.0.0.25", "127.example.org"])
def test_plain_to_another_machine_is_refused_with_a_clear_error(host):
    env = {"INTAKE_DATABASE_URL": "sqlite://", "INTAKE_SMTP_HOST": host, "INTAKE_SMTP_SECURITY": "plain"}
    with pytest.raises(ValueError) as info:
        Settings.from_env(env)
    message = str(info.value)
    assert "INTAKE_SMTP_SECURITY=plain" in message and host in message and "INTAKE_SMTP_ALLOW_PLAIN" in message
    assert "\n" not in message
    with pytest.raises(ValueError, match="INTAKE_SMTP_SECURITY=plain"):
        SmtpSettings.from_env({"INTAKE_SMTP_HOST": host, "INTAKE_SMTP_STARTTLS": "false"})
    allowed = SmtpSettings.from_env({**env, "INTAKE_SMTP_ALLOW_PLAIN": "true"})
    assert allowed.security == "plain" and allowed.host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_plain_to_this_machine_needs_no_flag(host):
    assert SmtpSettings.from_env({"INTAKE_SMTP_HOST": host, "INTAKE_SMTP_SECURITY": "plain"}).security == "plain"


@pytest.mark.parametrize(
    ("name", "value"),
    [("INTAKE_SMTP_SECURITY", "ssl"), ("INTAKE_SMTP_ALLOW_PLAIN", "perhaps"), ("INTAKE_SMTP_CA_FILE", "/no/such/ca.pem")],
)
def test_bad_transport_settings_are_named(name, value):
    with pytest.raises(ValueError, match=name):
        SmtpSettings.from_env({name: value})
