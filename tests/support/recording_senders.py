"""In-memory stand-ins for the delivery senders (`WebhookSending`, `MailSending` of
integrations.delivery.senders): they record every call and can fail the first few."""
from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from integrations.delivery.senders import DeliveryError


@dataclass(frozen=True)
class WebhookCall:
    """One call to `RecordingWebhookSender.send`."""

    url: str
    delivery_id: str
    body: bytes
    secret: str = field(repr=False)


class RecordingWebhookSender:
    """Records every call; the first `failures` calls raise DeliveryError."""

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
    """Records every message; the first `failures` calls raise DeliveryError."""

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
