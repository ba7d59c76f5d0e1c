"""The delivery side of the outside world: senders of webhooks and e-mail (and the worker).

`SmtpSettings`, what `SmtpSender` takes, is read with the other settings in bot.settings.
"""

from __future__ import annotations

from bot.settings import SmtpSettings
from integrations.delivery.senders import (
    DeliveryError,
    MailSending,
    SmtpSender,
    WebhookSender,
    WebhookSending,
)

__all__ = [
    "DeliveryError",
    "MailSending",
    "SmtpSender",
    "SmtpSettings",
    "WebhookSender",
    "WebhookSending",
]
