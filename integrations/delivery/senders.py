"""Outbound delivery: signed webhooks over aiohttp and e-mail over SMTP (aiosmtplib).

Two small interfaces, `WebhookSending` and `MailSending`, each with a real implementation and
an in-memory recording double for tests of other modules. Failures raise `DeliveryError`, whose
message names the host and the status or error type but never a body, secret or address.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp
import aiosmtplib

from bot.delivery.signing import sign_webhook

log = logging.getLogger(__name__)

USER_AGENT = "wikimedia-partner-intake/0.1 (delivery)"
DEFAULT_WEBHOOK_TIMEOUT = 10.0
DEFAULT_SMTP_TIMEOUT = 30.0
DEFAULT_MAIL_FROM = "Wikimedia partnerships <partnerships-intake@localhost>"


class DeliveryError(Exception):
    """A delivery attempt failed; `status` is the HTTP or SMTP code when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class WebhookSending(Protocol):
    """Something that POSTs a signed webhook body."""

    async def send(self, *, url: str, secret: str, delivery_id: str, body: bytes) -> None: ...

    async def close(self) -> None: ...


class MailSending(Protocol):
    """Something that sends an e-mail message."""

    async def send(self, message: EmailMessage) -> None: ...

    async def close(self) -> None: ...


class WebhookSender:
    """POSTs signed JSON to affiliates' webhooks through one lazily created aiohttp session."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_WEBHOOK_TIMEOUT,
        user_agent: str = USER_AGENT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.timeout = timeout
        self.user_agent = user_agent
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"WebhookSender(timeout={self.timeout!r})"

    async def send(self, *, url: str, secret: str, delivery_id: str, body: bytes) -> None:
        """POST `body` to `url`, signed with `secret`; raise DeliveryError unless 2xx."""
        host = urlsplit(url).hostname or "?"
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery_id,
            "X-Intake-Signature": sign_webhook(body, secret, int(self._clock())),
            "User-Agent": self.user_agent,
        }
        try:
            async with self._client().post(url, data=body, headers=headers, allow_redirects=False) as response:
                status = response.status
        except (asyncio.TimeoutError, TimeoutError):
            raise DeliveryError(f"webhook to {host} timed out after {self.timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"webhook to {host} failed: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook to {host} answered HTTP {status}", status=status)

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server and sender address; the password never appears in the repr."""

    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    timeout: float = DEFAULT_SMTP_TIMEOUT
    mail_from: str = DEFAULT_MAIL_FROM

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """From INTAKE_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, _TIMEOUT and INTAKE_MAIL_FROM."""
        env = os.environ if env is None else env
        return cls(
            host=env.get("INTAKE_SMTP_HOST") or "127.0.0.1",
            port=_port(env.get("INTAKE_SMTP_PORT"), 25),
            username=env.get("INTAKE_SMTP_USER") or None,
            password=env.get("INTAKE_SMTP_PASSWORD") or None,
            starttls=_flag(env.get("INTAKE_SMTP_STARTTLS"), "INTAKE_SMTP_STARTTLS"),
            timeout=_seconds(env.get("INTAKE_SMTP_TIMEOUT"), DEFAULT_SMTP_TIMEOUT),
            mail_from=env.get("INTAKE_MAIL_FROM") or DEFAULT_MAIL_FROM,
        )


class SmtpSender:
    """Sends e-mail through the SMTP server of `settings`, one connection per message.

    STARTTLS is required when `settings.starttls` is true and never attempted otherwise.
    """

    def __init__(self, *, settings: SmtpSettings) -> None:
        self.settings = settings

    def __repr__(self) -> str:
        return f"SmtpSender(settings={self.settings!r})"

    async def send(self, message: EmailMessage) -> None:
        """Send `message` to its To/Cc/Bcc recipients; raise DeliveryError on failure."""
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            errors, _ = await aiosmtplib.send(
                message,
                hostname=s.host,
                port=s.port,
                username=s.username,
                password=s.password if s.username else None,
                start_tls=s.starttls,
                timeout=s.timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP via {where} failed: {type(exc).__name__} {exc.code}", status=exc.code) from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise DeliveryError(f"SMTP via {where} failed: {type(exc).__name__}") from None
        if errors:
            log.warning("SMTP via %s refused %d of the recipients", where, len(errors))

    async def close(self) -> None:
        """Nothing to close: each message uses its own connection."""


@dataclass(frozen=True)
class WebhookCall:
    """One call to `RecordingWebhookSender.send`."""

    url: str
    delivery_id: str
    body: bytes
    secret: str = field(repr=False)


class RecordingWebhookSender:
    """Test double: records every call; the first `failures` calls raise DeliveryError."""

    def __init__(self, *, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[WebhookCall] = []
        self.delivered: list[WebhookCall] = []
        self.closed = False

    async def send(self, *, url: str, secret: str, delivery_id: str, body: bytes) -> None:
        """Record the call, then fail while `failures` remain."""
        call = WebhookCall(url=url, delivery_id=delivery_id, body=body, secret=secret)
        self.calls.append(call)
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryError("webhook to test answered HTTP 500", status=500)
        self.delivered.append(call)

    async def close(self) -> None:
        """Mark the double closed."""
        self.closed = True


class RecordingSmtpSender:
    """Test double: records every message; the first `failures` calls raise DeliveryError."""

    def __init__(self, *, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[EmailMessage] = []
        self.delivered: list[EmailMessage] = []
        self.closed = False

    async def send(self, message: EmailMessage) -> None:
        """Record the message, then fail while `failures` remain."""
        self.calls.append(message)
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryError("SMTP via test failed: SMTPDataError 451", status=451)
        self.delivered.append(message)

    async def close(self) -> None:
        """Mark the double closed."""
        self.closed = True


def _port(raw: str | None, default: int) -> int:
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"INTAKE_SMTP_PORT must be a port number between 1 and 65535, not {raw!r}")
    return int(raw)


def _flag(raw: str | None, name: str) -> bool:
    value = (raw or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _seconds(raw: str | None, default: float) -> float:
    if not raw:
        return default
    value = float(raw) if raw.replace(".", "", 1).isdigit() else 0.0
    if not value > 0:
        raise ValueError(f"INTAKE_SMTP_TIMEOUT must be a positive number of seconds, not {raw!r}")
    return value
