"""Inquiries per client address in the last hour (bot/intake/client_cap.py), counted and recorded
in the caller's transaction. Only keyed hashes of addresses are stored, and only for an hour."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.intake.client_cap import WINDOW
from bot.store.clock import utcnow
from bot.store.tables import inquiry_clients


def recent_inquiries(*, session: Session, client_hash: str, now: datetime | None = None) -> int:
    """How many inquiries `client_hash` sent in the last hour; first purges every older row."""
    since = (now or utcnow()) - WINDOW
    session.execute(delete(inquiry_clients).where(inquiry_clients.c.created_at < since))
    found = session.scalar(
        select(func.count()).select_from(inquiry_clients)
        .where(inquiry_clients.c.client_hash == client_hash, inquiry_clients.c.created_at >= since)
    )
    return int(found or 0)


def record_inquiry(*, session: Session, client_hash: str, now: datetime | None = None) -> None:
    """Count one more inquiry of `client_hash`."""
    session.execute(insert(inquiry_clients).values(client_hash=client_hash, created_at=now or utcnow()))
