"""The shared intake database: tables, sessions, migrations and repository functions.

Typical use (nothing is built at import)::

    engine = make_engine(settings.database_url)
    upgrade(settings.database_url)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        stored = submit_inquiry(session=session, inquiry=..., qualification=..., decision=...)
"""

from __future__ import annotations

from bot.store.names import canonical_reference, new_reference, normalize_org_name
from bot.store.outbox import (
    DeliveryJob,
    DeliveryTarget,
    cancel_deliveries,
    claim_deliveries,
    dead_letters,
    default_backoff,
    enqueue_deliveries,
    mark_delivered,
    mark_failed,
    outbox_stats,
)
from bot.store.queries import accepted_affiliate_for, get_inquiry, list_inquiries
from bot.store.repository import (
    DecisionLike,
    StoredInquiry,
    change_status,
    record_deflection,
    submit_inquiry,
)
from bot.store.schema import upgrade
from bot.store.session import make_engine, make_sessionmaker
from bot.store.tables import metadata

__all__ = [
    "DecisionLike",
    "DeliveryJob",
    "DeliveryTarget",
    "StoredInquiry",
    "accepted_affiliate_for",
    "cancel_deliveries",
    "canonical_reference",
    "change_status",
    "claim_deliveries",
    "dead_letters",
    "default_backoff",
    "enqueue_deliveries",
    "get_inquiry",
    "list_inquiries",
    "make_engine",
    "make_sessionmaker",
    "mark_delivered",
    "mark_failed",
    "metadata",
    "new_reference",
    "normalize_org_name",
    "outbox_stats",
    "record_deflection",
    "submit_inquiry",
    "upgrade",
]
