"""The delivery side of the outside world: senders of webhooks and e-mail (and the worker)."""

from __future__ import annotations

from integrations.delivery.senders import (
    DeliveryError,
    MailSending,
    RecordingSmtpSender,
    RecordingWebhookSender,
    SmtpSender,
    SmtpSettings,
    WebhookCall,
    WebhookSender,
    WebhookSending,
)

__all__ = [
    "DeliveryError",
    "MailSending",
    "RecordingSmtpSender",
    "RecordingWebhookSender",
    "SmtpSender",
    "SmtpSettings",
    "WebhookCall",
    "WebhookSender",
    "WebhookSending",
]
