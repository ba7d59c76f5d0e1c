"""The affiliates' daily e-mail digests: who is due one, what goes in it, and the row per account
and UTC day that makes it go once.

A digest is claimed by writing its row (unique per user and day) with a lease before it is sent,
and marked sent after; a failed send gives the lease back so that the next round tries again. Two
workers never both send a day's digest of one account; a worker that dies between the SMTP
server's acceptance and the mark may send it twice, under the same Message-ID.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.clock import as_utc
from bot.store.decisions import CURRENT_DECISION
from bot.store.needs_action import needs_condition
from bot.store.tables import digests, inquiries, organizations, routing_decisions, users

#: What one digest lists at most (the rest is in the console, which the e-mail links to).
MAX_ROWS = 50


@dataclass(frozen=True)
class DueDigest:
    user_id: int
    email: str
    affiliate_id: str
    language: str | None


def due_digests(*, session: Session, day: date, now: datetime, limit: int = 100) -> list[DueDigest]:
    """Enabled affiliate users with the daily digest whose digest of `day` is neither sent nor
    being sent (a lapsed lease counts as not being sent)."""
    taken = select(digests.c.id).where(
        digests.c.user_id == users.c.id, digests.c.day == day,
        or_(digests.c.sent_at.isnot(None), digests.c.claimed_until > as_utc(now)))
    rows = session.execute(
        select(users.c.id, users.c.email, users.c.affiliate_id, users.c.language)
        .where(users.c.digest == "daily", users.c.disabled.is_(False), users.c.affiliate_id.isnot(None),
               ~exists(taken))
        .order_by(users.c.id).limit(limit))
    return [DueDigest(row.id, row.email, row.affiliate_id, row.language) for row in rows]


def claim_digest(*, session: Session, user_id: int, day: date, now: datetime, lease_seconds: float) -> bool:
    """Take the digest of `user_id` for `day`: True when this caller is to send it."""
    until = as_utc(now) + timedelta(seconds=lease_seconds)
    try:
        with session.begin_nested():
            session.execute(digests.insert().values(user_id=user_id, day=day, claimed_until=until))
        return True
    except IntegrityError:  # a row exists: take it over only if unsent and its lease lapsed
        taken = session.execute(
            update(digests).where(digests.c.user_id == user_id, digests.c.day == day, digests.c.sent_at.is_(None),
                                  or_(digests.c.claimed_until.is_(None), digests.c.claimed_until <= as_utc(now)))
            .values(claimed_until=until))
        return bool(taken.rowcount)


def finish_digest(*, session: Session, user_id: int, day: date, now: datetime, sent: bool, inquiries_listed: int) -> None:
    """Mark the digest sent (or, when `sent` is False, give its lease back for a later round)."""
    values: dict[str, Any] = ({"sent_at": as_utc(now), "inquiries": inquiries_listed} if sent
                              else {"claimed_until": None})
    session.execute(update(digests).where(digests.c.user_id == user_id, digests.c.day == day).values(**values))


def digest_rows(*, session: Session, affiliate_id: str, since: datetime) -> dict[str, list[dict[str, Any]]]:
    """The affiliate's inquiries waiting for its answer: {"new": given to it since `since`,
    "waiting": the others}, each {reference, organization_name, received_at, response_due_at},
    soonest due first. Closed inquiries and those it answered are in neither."""
    rd = routing_decisions
    stmt = (
        select(inquiries.c.reference, organizations.c.name.label("organization_name"),
               rd.c.created_at.label("received_at"), rd.c.response_due_at)
        .select_from(inquiries.join(rd, CURRENT_DECISION)
                     .outerjoin(organizations, inquiries.c.organization_id == organizations.c.id))
        .where(needs_condition("answer", scope=affiliate_id))
        .order_by(rd.c.response_due_at.is_(None), rd.c.response_due_at, rd.c.created_at)
        .limit(MAX_ROWS)
    )
    out: dict[str, list[dict[str, Any]]] = {"new": [], "waiting": []}
    for row in session.execute(stmt):
        item = dict(row._mapping)
        out["new" if as_utc(item["received_at"]) >= as_utc(since) else "waiting"].append(item)
    return out



