"""The partners' monthly recognition reports: which partnerships are due one, and the row per
partnership and month that makes it go once.

A report is due for a content donation with a Commons category whose partnership is active or
completed, whose partner consented to being contacted and still has an e-mail address (an erased
or retention-purged inquiry has neither), and who has not stopped the reports. Like the digests
(digests.py), a report is claimed by writing its row with a lease before the APIs are read and
the e-mail sent, and marked sent after; a failure sets the lease to the time of the next attempt.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.intake.model import PartnershipType
from bot.store.clock import as_utc
from bot.store.partnerships import PartnershipStatus
from bot.store.tables import inquiries, organizations, partnerships, recognition_reports

#: The partnership statuses that get reports: a stopped partnership's partner is not written to.
REPORTED_STATUSES = (PartnershipStatus.ACTIVE.value, PartnershipStatus.COMPLETED.value)


@dataclass(frozen=True)
class DueReport:
    partnership_id: int
    category: str
    email: str
    contact_name: str | None
    language: str
    organization_name: str | None


def reported_month(now: datetime) -> date:
    """The month a report sent at `now` covers: the last full month (its first day)."""
    first = as_utc(now).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def due_reports(*, session: Session, month: date, now: datetime, limit: int = 20) -> list[DueReport]:
    """Partnerships whose report of `month` is neither sent nor claimed (nor waiting for a retry)."""
    taken = select(recognition_reports.c.id).where(
        recognition_reports.c.partnership_id == partnerships.c.id, recognition_reports.c.month == month,
        or_(recognition_reports.c.sent_at.isnot(None), recognition_reports.c.claimed_until > as_utc(now)))
    rows = session.execute(
        select(partnerships.c.id, partnerships.c.commons_category, inquiries.c.contact_email,
               inquiries.c.contact_name, inquiries.c.language, organizations.c.name.label("organization_name"))
        .select_from(partnerships.join(inquiries, partnerships.c.inquiry_id == inquiries.c.id)
                     .outerjoin(organizations, inquiries.c.organization_id == organizations.c.id))
        .where(partnerships.c.commons_category.isnot(None), partnerships.c.status.in_(REPORTED_STATUSES),
               partnerships.c.reports_stopped_at.is_(None),
               inquiries.c.partnership_type == PartnershipType.CONTENT_DONATION.value,
               inquiries.c.consent.is_(True), inquiries.c.erased_at.is_(None), inquiries.c.contact_email.isnot(None),
               ~exists(taken))
        .order_by(partnerships.c.id).limit(limit))
    return [DueReport(row.id, row.commons_category, row.contact_email, row.contact_name, row.language,
                      row.organization_name) for row in rows]


def claim_report(*, session: Session, partnership_id: int, month: date, now: datetime, lease_seconds: float) -> bool:
    """Take the report of `partnership_id` for `month`: True when this caller is to send it."""
    until = as_utc(now) + timedelta(seconds=lease_seconds)
    try:
        with session.begin_nested():
            session.execute(recognition_reports.insert().values(partnership_id=partnership_id, month=month,
                                                                claimed_until=until, attempts=1))
        return True
    except IntegrityError:  # a row exists: take it over only if unsent and its lease (or retry delay) is over
        taken = session.execute(
            update(recognition_reports)
            .where(recognition_reports.c.partnership_id == partnership_id, recognition_reports.c.month == month,
                   recognition_reports.c.sent_at.is_(None),
                   or_(recognition_reports.c.claimed_until.is_(None), recognition_reports.c.claimed_until <= as_utc(now)))
            .values(claimed_until=until, attempts=recognition_reports.c.attempts + 1))
        return bool(taken.rowcount)


def report_sent(*, session: Session, partnership_id: int, month: date, now: datetime, files: int, articles: int,
                views: int | None) -> None:
    session.execute(update(recognition_reports).where(recognition_reports.c.partnership_id == partnership_id,
                                                      recognition_reports.c.month == month)
                    .values(sent_at=as_utc(now), files=files, articles=articles, views=views))


def report_failed(*, session: Session, partnership_id: int, month: date, retry_at: datetime) -> None:
    """Leave the report unsent, to be tried again from `retry_at`."""
    session.execute(update(recognition_reports).where(recognition_reports.c.partnership_id == partnership_id,
                                                      recognition_reports.c.month == month,
                                                      recognition_reports.c.sent_at.is_(None))
                    .values(claimed_until=as_utc(retry_at)))


def stop_reports(*, session: Session, partnership_id: int, now: datetime) -> bool:
    """The partner's unsubscribe: no more reports for this partnership. False: no such partnership."""
    row = session.execute(select(partnerships.c.reports_stopped_at).where(partnerships.c.id == partnership_id)).first()
    if row is None:
        return False
    if row.reports_stopped_at is None:
        session.execute(update(partnerships).where(partnerships.c.id == partnership_id)
                        .values(reports_stopped_at=as_utc(now)))
    return True


def report_language(*, session: Session, partnership_id: int) -> str | None:
    """The language of the partnership's inquiry (the unsubscribe page speaks it); None: unknown."""
    return session.scalar(select(inquiries.c.language).select_from(
        partnerships.join(inquiries, partnerships.c.inquiry_id == inquiries.c.id))
        .where(partnerships.c.id == partnership_id))
