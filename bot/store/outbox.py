"""The transactional outbox: deliveries of routed (and accepted) inquiries to their recipients.

Every function works in the caller's transaction: deliveries are enqueued in the transaction
that routes the inquiry, so they commit or vanish with it. A worker claims due rows with a
lease in a short transaction of its own, sends them outside any transaction, and records the
outcome in another. A claim is exclusive while its lease runs (PostgreSQL: `FOR UPDATE SKIP
LOCKED`; SQLite: a conditional UPDATE under the write lock that `BEGIN IMMEDIATE` takes); a
worker that dies leaves its rows to be claimed again once the lease has run out.

Times may be given aware or naive (naive means UTC; see `bot.store.clock`). `last_error` is served
to staff by the API, so the one writer of it (`mark_failed`) stores it through `clean_error`: one
short line of a fixed kind (HTTP status, exception class, time-out, SMTP reply code), never a
response body or a recipient's address; nothing here logs personal data.
"""

from __future__ import annotations

import logging
import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.store.clock import as_utc, iso_utc
from bot.store.tables import deliveries, inquiries

log = logging.getLogger(__name__)

CHANNELS = frozenset({"webhook", "email", "partner_email"})
PENDING, DELIVERED, DEAD, CANCELLED = "pending", "delivered", "dead", "cancelled"
STATUSES = (PENDING, DELIVERED, DEAD, CANCELLED)
MAX_ERROR_CHARS = 200
#: Retry ceilings: 1 min, 4 min, 16 min, 64 min, ~4 h, then 6 h; 8 tries span up to ~18 h.
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_FACTOR = 4
BACKOFF_CAP = timedelta(hours=6)

_EMAIL = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+")
#: Quoted or bracketed parts of an error, where libraries put bodies, addresses and arguments.
_QUOTED = re.compile(r"'[^']*'?|\"[^\"]*\"?|<[^>]*>?|\[[^\]]*\]?|\{[^}]*\}?|`[^`]*`?")
#: What a stored error is made of: words, numbers, host names and ports, and light punctuation.
_UNSAFE = re.compile(r"[^A-Za-z0-9 .:_()/+-]")
d = deliveries


@dataclass(frozen=True)
class DeliveryTarget:
    """Where one message goes: `channel` webhook ({"url": ...}), email or partner_email ({"to": [...]})."""

    channel: str
    target: Mapping[str, Any]


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed delivery. `attempts` counts the earlier tries (0 on the first)."""

    delivery_id: str
    inquiry_id: int
    reference: str
    affiliate_id: str
    channel: str
    target: dict[str, Any]
    event: str
    attempts: int
    decision_id: int


def backoff_ceiling(attempts: int) -> timedelta:
    """The longest wait after `attempts` failed tries: exponential, capped at BACKOFF_CAP."""
    return min(BACKOFF_CAP, BACKOFF_BASE * BACKOFF_FACTOR ** max(0, attempts - 1))


def default_backoff(attempts: int, *, rng: Callable[[float, float], float] = random.uniform) -> timedelta:
    """The wait before the next try: full jitter, uniform between 0 and `backoff_ceiling`."""
    return timedelta(seconds=rng(0.0, backoff_ceiling(attempts).total_seconds()))


def enqueue_deliveries(
    *,
    session: Session,
    inquiry_id: int,
    decision_id: int,
    affiliate_id: str,
    targets: Sequence[DeliveryTarget],
    event: str = "inquiry.routed",
    now: datetime | None = None,
) -> list[str]:
    """Write one pending delivery per target, due at once; returns their delivery ids."""
    now = as_utc(now)
    for item in targets:
        if item.channel not in CHANNELS:
            raise ValueError(f"unknown delivery channel {item.channel!r}")
    rows: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()), "inquiry_id": inquiry_id, "decision_id": decision_id,
            "affiliate_id": affiliate_id, "channel": item.channel, "target": dict(item.target),
            "event": event, "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
        }
        for item in targets
    ]
    if rows:
        session.execute(insert(d), rows)
        log.info("queued %d %s deliveries of inquiry %s for %s", len(rows), event, inquiry_id, affiliate_id)
    return [row["id"] for row in rows]


def claim_deliveries(
    *,
    session: Session,
    worker_id: str,
    limit: int = 50,
    lease_seconds: float = 60,
    now: datetime | None = None,
) -> list[DeliveryJob]:
    """Lease up to `limit` due deliveries to `worker_id` (oldest due first); counts the try."""
    if limit < 1 or lease_seconds <= 0:
        raise ValueError("limit and lease_seconds must be positive")
    now = as_utc(now)
    until = now + timedelta(seconds=lease_seconds)
    claimable = and_(
        d.c.status == PENDING,
        d.c.next_attempt_at <= now,
        or_(d.c.claimed_until.is_(None), d.c.claimed_until <= now),
    )
    pick = select(d.c.id).where(claimable).order_by(d.c.next_attempt_at, d.c.created_at, d.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)  # concurrent claimers take other rows
    ids = list(session.scalars(pick))
    if not ids:
        return []
    session.execute(
        update(d)
        .where(d.c.id.in_(ids), claimable)  # conditional: a row someone else holds stays theirs
        .values(claimed_by=worker_id, claimed_until=until, attempts=d.c.attempts + 1)
    )
    rows = session.execute(
        select(d, inquiries.c.reference)
        .join(inquiries, inquiries.c.id == d.c.inquiry_id)
        .where(d.c.id.in_(ids), d.c.claimed_by == worker_id, d.c.claimed_until == until)
        .order_by(d.c.next_attempt_at, d.c.created_at, d.c.id)
    ).all()
    return [
        DeliveryJob(
            delivery_id=row.id, inquiry_id=row.inquiry_id, reference=row.reference,
            affiliate_id=row.affiliate_id, channel=row.channel, target=dict(row.target),
            event=row.event, attempts=row.attempts - 1, decision_id=row.decision_id,
        )
        for row in rows
    ]


def _held_by(worker_id: str, now: datetime) -> Any:
    """The row is this worker's claim, or nobody holds a valid lease on it."""
    return or_(d.c.claimed_by == worker_id, d.c.claimed_until.is_(None), d.c.claimed_until <= now)


def mark_delivered(*, session: Session, delivery_id: str, worker_id: str, now: datetime | None = None) -> bool:
    """Record a successful delivery; True also when it was already recorded. False when the row
    is unknown, cancelled or dead, or another worker holds a valid lease on it."""
    now = as_utc(now)
    result = session.execute(
        update(d)
        .where(d.c.id == delivery_id, d.c.status == PENDING, _held_by(worker_id, now))
        .values(status=DELIVERED, delivered_at=now, claimed_by=worker_id, claimed_until=None)
    )
    if result.rowcount:
        return True
    return session.scalar(select(d.c.status).where(d.c.id == delivery_id)) == DELIVERED


def mark_failed(
    *,
    session: Session,
    delivery_id: str,
    worker_id: str,
    error: str,
    now: datetime | None = None,
    max_attempts: int = 8,
    backoff: Callable[[int], timedelta] = default_backoff,
    final: bool = False,
) -> str:
    """Record a failed try: 'retry' (due again after `backoff(attempts)`) or 'dead' once
    `max_attempts` tries were made, or at once when `final` (a receiver that is gone); 'stale'
    when the row is not pending or is held by another worker (nothing is changed then)."""
    now = as_utc(now)
    row = session.execute(
        select(d.c.attempts)
        .where(d.c.id == delivery_id, d.c.status == PENDING, _held_by(worker_id, now))
        .with_for_update()
    ).first()
    if row is None:
        return "stale"
    attempts = max(row.attempts, 1)
    values: dict[str, Any] = {"attempts": attempts, "claimed_by": None, "claimed_until": None,
                              "last_error": clean_error(error)}
    outcome = "dead" if final or attempts >= max_attempts else "retry"
    if outcome == "dead":
        values["status"] = DEAD
    else:
        values["next_attempt_at"] = now + backoff(attempts)
    session.execute(update(d).where(d.c.id == delivery_id).values(**values))
    return outcome


def clean_error(error: object) -> str:
    """An error text fit to store and show staff: its first line, without anything quoted or
    bracketed (bodies, recipients, arguments), e-mail addresses or unusual characters, at most
    MAX_ERROR_CHARS long. The senders already describe failures in fixed words; this is the
    guarantee for whatever else reaches the row."""
    lines = str(error).strip().splitlines()
    text = _QUOTED.sub(" ", lines[0] if lines else "")
    text = _UNSAFE.sub(" ", _EMAIL.sub("(address)", text))
    text = " ".join(text.split()).strip(" :")
    return text[:MAX_ERROR_CHARS] or "failed"


def cancel_deliveries(*, session: Session, decision_id: int) -> int:
    """Cancel the still-pending deliveries of a decision; returns how many."""
    result = session.execute(
        update(d).where(d.c.decision_id == decision_id, d.c.status == PENDING).values(status=CANCELLED)
    )
    return int(result.rowcount or 0)


def dead_letters(*, session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """Dead deliveries for staff, newest first, JSON-ready (no targets, no personal data)."""
    rows = session.execute(
        select(d, inquiries.c.reference)
        .join(inquiries, inquiries.c.id == d.c.inquiry_id)
        .where(d.c.status == DEAD)
        .order_by(d.c.created_at.desc(), d.c.id)
        .limit(limit)
    ).all()
    keys = ("reference", "affiliate_id", "channel", "event", "attempts", "last_error")
    return [
        {"delivery_id": row.id, **{key: getattr(row, key) for key in keys},
         "created_at": iso_utc(row.created_at)}
        for row in rows
    ]


def outbox_stats(*, session: Session) -> dict[str, int]:
    """How many deliveries are in each status (every status present, zero included)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in session.execute(select(d.c.status, func.count()).group_by(d.c.status)):
        counts[status] = int(n)
    return counts
