"""Outbound delivery: signed webhooks over aiohttp and e-mail over SMTP (aiosmtplib).

Two small interfaces, `WebhookSending` and `MailSending`, each with a real implementation here
(the recording doubles of the tests are in tests/support/recording_senders.py). Failures raise
`DeliveryError`, whose message names the host and the status or error type but never a body,
secret or address. The SMTP configuration is `bot.settings.SmtpSettings`, read with the rest of
the settings.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp
import aiosmtplib

from bot.delivery.signing import sign_webhook, standard_webhook_headers
from bot.settings import SmtpSettings

log = logging.getLogger(__name__)

USER_AGENT = "wikimedia-partner-intake/0.1 (delivery)"
DEFAULT_WEBHOOK_TIMEOUT = 10.0


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
        now = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery_id,
            **standard_webhook_headers(message_id=delivery_id, body=body, secret=secret, timestamp=now),
            "X-Intake-Signature": sign_webhook(body, secret, now),
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


def smtp_tls_context(settings: SmtpSettings) -> ssl.SSLContext | None:
    """The TLS context of `settings`: the system's CAs plus `ca_file`, certificates and host
    names verified; None for `plain`."""
    if settings.security == "plain":
        return None
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=settings.ca_file)
    return context


class SmtpSender:
    """Sends e-mail through the SMTP server of `settings`, one connection per message.

    `settings.security`: `starttls` requires STARTTLS (a server without it is a failure, never a
    silent fall back to plain text), `tls` speaks TLS from the first byte, `plain` never tries TLS.
    """

    def __init__(self, *, settings: SmtpSettings) -> None:
        self.settings = settings
        self._tls = smtp_tls_context(settings)

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
                use_tls=s.security == "tls",
                start_tls=s.security == "starttls",
                tls_context=self._tls,
                timeout=s.timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP via {where} failed: {type(exc).__name__} {exc.code}", status=exc.code) from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # The refusals name the recipients: only their reply code is kept.
            code = exc.recipients[0].code if exc.recipients else None
            raise DeliveryError(f"SMTP via {where} failed: {type(exc).__name__} {code or ''}".rstrip(),
                                status=code) from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise DeliveryError(f"SMTP via {where} failed: {_failure_name(exc)}") from None
        if errors:
            log.warning("SMTP via %s refused %d of the recipients", where, len(errors))

    async def close(self) -> None:
        """Nothing to close: each message uses its own connection."""


def _failure_name(exc: BaseException) -> str:
    """The exception's class, or the TLS error under it (aiosmtplib wraps a refused certificate
    of implicit TLS in SMTPConnectError): what staff need to tell a bad certificate apart."""
    cause = exc.__cause__ or exc.__context__
    if not isinstance(exc, ssl.SSLError) and isinstance(cause, ssl.SSLError):
        return f"{type(exc).__name__} ({type(cause).__name__})"
    return type(exc).__name__
