"""Delivery of routed inquiries to affiliates.

Re-exported here, and pure (no aiohttp, SQLAlchemy or Rasa): the endpoints file, signatures and
messages. In the database, in the caller's transaction: `handover` (a decision put in front of its
affiliate, accepted or moved on), `lifecycle` (links, accept, decline, re-route, re-assign,
overdue) and `handles` (the reads that lock nothing). The senders and the worker live in
`integrations.delivery`.
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
