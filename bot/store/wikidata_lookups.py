"""Which organisations the worker looks up on Wikidata next, and what it keeps of the answer.

An organisation is due when it was never looked up, or when its `wikidata_retry_at` has passed:
after a failure (10 minutes, doubling with each failure in a row, at most a day), and
`RECHECK_AFTER` after a lookup that found no confident item (Wikidata grows, and the record
gains names and a type). A record that has its item, or was merged into another, is never due.

The lease is `wikidata_retry_at` itself: claiming sets it to the end of the lease with a
conditional UPDATE, so a second worker finds the organisation not due; a worker that dies
leaves a lease that simply runs out. The outcome is written only while the lease is still the
claimer's (the same `wikidata_retry_at`), so a worker that overran its lease writes nothing.

When the item found is already another record's, a proposal is opened for staff (the same
Wikidata item is the matcher's strongest reason to join, and joins are staff's call when they
come after the fact): this record keeps no item until staff merge the two.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, desc, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.organisations.wikidata import Identification
from bot.store.clock import as_utc
from bot.store.organization import root_of
from bot.store.tables import inquiries, organization_proposals, organizations

FIRST_RETRY = timedelta(minutes=10)
LONGEST_RETRY = timedelta(days=1)
RECHECK_AFTER = timedelta(days=30)
#: Used when the organisation has no inquiry left that says which language its partner speaks.
DEFAULT_LANGUAGE = "en"

o = organizations


@dataclass(frozen=True)
class LookupJob:
    """An organisation claimed for a lookup, with what the lookup needs of it."""

    organization_id: int
    name: str
    country: str | None
    type: str | None
    domain: str | None
    #: The language of the organisation's latest inquiry: the partner's.
    language: str
    failures: int
    #: The end of the lease (the `wikidata_retry_at` that proves the claim is still ours).
    lease_until: datetime


def retry_delay(failures: int) -> timedelta:
    """The wait after the `failures`-th failure in a row: 10 min, 20 min, 40 min ... at most a day."""
    return min(FIRST_RETRY * (2 ** max(0, min(failures - 1, 16))), LONGEST_RETRY)


def claim_lookups(*, session: Session, limit: int, lease_seconds: float, now: datetime | None = None) -> list[LookupJob]:
    """Lease up to `limit` due organisations (never looked up first, then the longest overdue)."""
    if limit < 1 or lease_seconds <= 0:
        raise ValueError("limit and lease_seconds must be positive")
    now = as_utc(now)
    until = now + timedelta(seconds=lease_seconds)
    due = and_(
        o.c.merged_into.is_(None), o.c.wikidata_id.is_(None),
        or_(and_(o.c.wikidata_retry_at.is_(None), o.c.wikidata_looked_up_at.is_(None)), o.c.wikidata_retry_at <= now),
    )
    picked = session.execute(
        select(o.c.id, o.c.name, o.c.country, o.c.type, o.c.website_domain, o.c.wikidata_failures)
        .where(due).order_by(o.c.wikidata_retry_at.is_not(None), o.c.wikidata_retry_at, o.c.id).limit(limit)
    ).all()
    jobs = []
    for row in picked:
        # Conditional, one row at a time: of two workers that picked the same row, one updates it.
        if not session.execute(update(o).where(o.c.id == row.id, due).values(wikidata_retry_at=until)).rowcount:
            continue
        language = session.scalar(select(inquiries.c.language).where(inquiries.c.organization_id == row.id)
                                  .order_by(desc(inquiries.c.created_at), desc(inquiries.c.id)).limit(1))
        jobs.append(LookupJob(
            organization_id=row.id, name=row.name, country=row.country, type=row.type, domain=row.website_domain,
            language=(language or DEFAULT_LANGUAGE).split("-")[0].lower(), failures=row.wikidata_failures or 0,
            lease_until=until,
        ))
    return jobs


def record_identified(*, session: Session, job: LookupJob, found: Identification,
                      now: datetime | None = None) -> str:
    """Keep the item on the record; "identified", "proposed" (another record holds the item), or
    "stale" (the lease was lost: nothing written)."""
    now = as_utc(now)
    holders = [row for row in session.execute(
        select(o.c.id).where(o.c.wikidata_id == found.item_id, o.c.merged_into.is_(None), o.c.id != job.organization_id)
    ).scalars() if root_of(session, row) != root_of(session, job.organization_id)]
    done = {"wikidata_looked_up_at": now, "wikidata_retry_at": None, "wikidata_failures": 0}
    if holders:
        if not _write(session, job, done):
            return "stale"
        for other in holders[:3]:
            _propose_same_item(session, job.organization_id, other, found.item_id, now)
        return "proposed"
    written = _write(session, job, {
        **done, "wikidata_id": found.item_id, "wikidata_label": (found.label or "")[:300] or None,
        "official_website": (found.website or "")[:500] or None,
        "commons_category": (found.commons_category or "")[:300] or None,
    })
    return "identified" if written else "stale"


def record_not_found(*, session: Session, job: LookupJob, now: datetime | None = None) -> str:
    """Wikidata answered, with no confident item: look again in RECHECK_AFTER; "not_found" or "stale"."""
    now = as_utc(now)
    written = _write(session, job, {"wikidata_looked_up_at": now, "wikidata_retry_at": now + RECHECK_AFTER,
                                    "wikidata_failures": 0})
    return "not_found" if written else "stale"


def record_failure(*, session: Session, job: LookupJob, now: datetime | None = None) -> str:
    """Wikidata did not answer usefully: retry after the backoff; "failed" or "stale"."""
    failures = job.failures + 1
    written = _write(session, job, {"wikidata_retry_at": as_utc(now) + retry_delay(failures),
                                    "wikidata_failures": failures})
    return "failed" if written else "stale"


def _write(session: Session, job: LookupJob, values: dict) -> bool:
    return bool(session.execute(update(o).where(
        o.c.id == job.organization_id, o.c.wikidata_retry_at == job.lease_until).values(**values)).rowcount)


def _propose_same_item(session: Session, org_id: int, other_id: int, item_id: str, now: datetime) -> None:
    p = organization_proposals
    pair = or_(and_(p.c.organization_id == org_id, p.c.other_id == other_id),
               and_(p.c.organization_id == other_id, p.c.other_id == org_id))
    if session.scalar(select(p.c.id).where(pair).limit(1)) is not None:
        return  # proposed already (or rejected: staff said no once, and the item does not change that)
    try:
        with session.begin_nested():
            session.execute(insert(p).values(
                organization_id=org_id, other_id=other_id, score=100, reason=f"same Wikidata item {item_id}",
                status="open", created_at=now,
            ))
    except IntegrityError:  # a concurrent proposal of the same pair
        pass
