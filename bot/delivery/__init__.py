"""Delivery of routed inquiries to affiliates: configuration, signatures and messages.

Pure: no aiohttp, SQLAlchemy or Rasa. The senders live in `integrations.delivery`.
"""

from __future__ import annotations

from bot.delivery.endpoints import (
    DEFAULT_RESPONSE_DAYS,
    Endpoint,
    EndpointsConfig,
    EndpointsError,
    Webhook,
    load_endpoints,
    targets_for,
)
from bot.delivery.messages import accepted_email_to_partner, routed_email, webhook_body
from bot.delivery.signing import LinkClaim, sign_link, sign_webhook, verify_link, verify_webhook

__all__ = [
    "DEFAULT_RESPONSE_DAYS",
    "Endpoint",
    "EndpointsConfig",
    "EndpointsError",
    "LinkClaim",
    "Webhook",
    "accepted_email_to_partner",
    "load_endpoints",
    "routed_email",
    "sign_link",
    "sign_webhook",
    "targets_for",
    "verify_link",
    "verify_webhook",
    "webhook_body",
]
