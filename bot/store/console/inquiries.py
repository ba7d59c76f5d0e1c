"""The console's reads of inquiries: the filtered, sorted, paginated list (and its CSV), and the
detail with every decision, status change, note and delivery.

Every read takes `scope`: None for staff, an affiliate id for an affiliate's user or token, who
sees only the inquiries currently or previously routed to that affiliate, and of each only what
`bot.staff.affiliate_view` allows (what it saw while it held the inquiry).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.delivery.lifecycle import after_decline
from bot.staff.affiliate_view import DECLINED, affiliate_view
from bot.store.clock import start_of_day, utcnow
from bot.store.decisions import CURRENT_DECISION
from bot.store.names import canonical_reference, search_words
from bot.store.needs_action import needs_condition
from bot.store.partnerships import owner_of, partnerships_of
from bot.store.queries import affiliate_filter, decisions_and_history, get_inquiry, opening_of, visible_to
from bot.store.tables import (
    deliveries,
    inquiries,
    inquiry_notes,
    organizations,
    routing_decisions,
    status_history,
    users,
)

PAGE_SIZE = 50
SORTS = {
    "created": inquiries.c.created_at,
    "status": inquiries.c.status,
    "organisation": organizations.c.name,
    "country": inquiries.c.country,
    "affiliate": routing_decisions.c.affiliate_id,
}


@dataclass(frozen=True)
class InquiryFilters:
    status: str | None = None
    partnership_type: str | None = None
    affiliate: str | None = None
    country: str | None = None
    language: str | None = None
    tier: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None
    #: One of bot.store.needs_action.NEEDS: only inquiries needing that action.
    needs: str | None = None
    sort: str = "created"
    descending: bool = True
    page: int = 1


def _base(filters: InquiryFilters, scope: str | None) -> Select:
    stmt = select(
        inquiries.c.id, inquiries.c.reference, inquiries.c.created_at, inquiries.c.status, inquiries.c.language,
        inquiries.c.partnership_type, inquiries.c.country, inquiries.c.region, inquiries.c.tier,
        inquiries.c.content_language, inquiries.c.licence, inquiries.c.description, inquiries.c.consent,
        inquiries.c.contact_name, inquiries.c.contact_email, inquiries.c.wants_person,
        organizations.c.name.label("organization_name"), organizations.c.type.label("organization_type"),
        routing_decisions.c.affiliate_id, routing_decisions.c.rule,
    ).select_from(
        inquiries.outerjoin(organizations, inquiries.c.organization_id == organizations.c.id)
        .outerjoin(routing_decisions, CURRENT_DECISION)
    ).where(visible_to(scope))
    for column, value in (
        (inquiries.c.status, filters.status), (inquiries.c.partnership_type, filters.partnership_type),
        (inquiries.c.country, filters.country), (inquiries.c.language, filters.language),
        (inquiries.c.tier, filters.tier),
    ):
        if value:
            stmt = stmt.where(column == value)
    if filters.affiliate:
        stmt = stmt.where(affiliate_filter(filters.affiliate, scope))
    if filters.needs:
        stmt = stmt.where(needs_condition(filters.needs, scope=scope))
    if filters.created_from:
        stmt = stmt.where(inquiries.c.created_at >= start_of_day(filters.created_from))
    if filters.created_to:
        stmt = stmt.where(inquiries.c.created_at < start_of_day(filters.created_to + timedelta(days=1)))
    if filters.q:
        # Both sides folded the same way (case, accents, punctuation to spaces): "MUSÉE d'Orsay"
        # finds "Musée d’Orsay"; every word must appear, in the name or the description
        # ("mediatheque brest" finds "Médiathèque François-Mitterrand de Brest"). Folding turns %
        # and _ into spaces, so the patterns have no wildcards; a search of punctuation alone folds
        # to nothing and finds nothing.
        words = search_words(filters.q)
        stmt = stmt.where(and_(*(or_(organizations.c.normalized_name.like(f"%{word}%"),
                                     inquiries.c.description_folded.like(f"%{word}%")) for word in words))
                          if words else false())
    return stmt


def search_inquiries(*, session: Session, filters: InquiryFilters, scope: str | None,
                     page_size: int = PAGE_SIZE) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, the rows of the requested page)."""
    base = _base(filters, scope)
    total = session.execute(select(func.count()).select_from(base.order_by(None).subquery())).scalar_one()
    rows = session.execute(base.order_by(*_order(filters)).limit(page_size)
                           .offset((max(filters.page, 1) - 1) * page_size))
    return int(total), _scoped_rows(session, [dict(row._mapping) for row in rows], scope)


def export_inquiries(*, session: Session, filters: InquiryFilters, scope: str | None) -> list[dict[str, Any]]:
    """Every matching row (no pages), in the list's order, for the CSV export."""
    rows = [dict(row._mapping) for row in session.execute(_base(filters, scope).order_by(*_order(filters)))]
    return _scoped_rows(session, rows, scope)


def _scoped_rows(session: Session, rows: list[dict[str, Any]], scope: str | None) -> list[dict[str, Any]]:
    """The list's flat rows as the affiliate `scope` may see them (staff: unchanged). A row the
    affiliate declined says where its decline sent it, as the inquiry page does: `declined_to`,
    (kind, affiliate id) of bot.delivery.lifecycle.after_decline."""
    if scope is None:
        return rows
    decisions, history = decisions_and_history(session=session, inquiry_ids=[row["id"] for row in rows])
    out = []
    for row in rows:
        nested = {"status": row["status"], "decisions": decisions[row["id"]],
                  "contact": {"name": row["contact_name"], "email": row["contact_email"]},
                  "routing": {"affiliate_id": row["affiliate_id"], "rule": row["rule"], "reasons": [],
                              "alternatives": []} if row["affiliate_id"] else None}
        view = affiliate_view(nested, affiliate_id=scope, decisions=decisions[row["id"]], history=history[row["id"]])
        routing = view["routing"] or {}
        out.append({**row, "status": view["status"], "contact_name": view["contact"]["name"],
                    "contact_email": view["contact"]["email"], "affiliate_id": routing.get("affiliate_id"),
                    "rule": routing.get("rule"),
                    "declined_to": after_decline(view["decisions"], scope) if view["status"] == DECLINED else None})
    return out


def _order(filters: InquiryFilters) -> list[Any]:
    """The list's order: the chosen column, then newest id first so pages never overlap."""
    column = SORTS.get(filters.sort, SORTS["created"])
    return [column.desc() if filters.descending else column.asc(), inquiries.c.id.desc()]


def inquiry_detail(*, session: Session, reference: str, scope: str | None) -> dict[str, Any] | None:
    """The inquiry (JSON API shape) with its decisions, history, notes and deliveries; None when
    it does not exist or the scope may not see it."""
    ref = canonical_reference(reference)
    visible = session.execute(select(inquiries.c.id).where(inquiries.c.reference == ref, visible_to(scope))).first()
    if visible is None:
        return None
    inquiry = get_inquiry(session=session, reference=ref)
    if inquiry is None:
        return None
    inquiry_id = visible.id
    inquiry["opening"] = opening_of(session=session, reference=ref)
    rd = routing_decisions
    inquiry["decisions"] = [dict(r._mapping) for r in session.execute(
        select(rd.c.id, rd.c.affiliate_id, rd.c.rule, rd.c.reasons, rd.c.alternatives, rd.c.created_at,
               rd.c.is_current, rd.c.response_due_at).where(rd.c.inquiry_id == inquiry_id).order_by(rd.c.id))]
    inquiry["history"] = [dict(r._mapping) for r in session.execute(
        select(status_history.c.from_status, status_history.c.to_status, status_history.c.actor,
               status_history.c.reason, status_history.c.created_at)
        .where(status_history.c.inquiry_id == inquiry_id).order_by(status_history.c.id))]
    inquiry["notes"] = [dict(r._mapping) for r in session.execute(
        select(inquiry_notes.c.author, inquiry_notes.c.body, inquiry_notes.c.created_at, inquiry_notes.c.visibility,
               users.c.role.label("author_role"), users.c.affiliate_id.label("author_affiliate_id"))
        .select_from(inquiry_notes.outerjoin(users, users.c.id == inquiry_notes.c.user_id))
        .where(inquiry_notes.c.inquiry_id == inquiry_id).order_by(inquiry_notes.c.id))]
    inquiry["deliveries"] = [dict(r._mapping) for r in session.execute(
        select(deliveries.c.affiliate_id, deliveries.c.channel, deliveries.c.event, deliveries.c.status,
               deliveries.c.attempts, deliveries.c.delivered_at)
        .where(deliveries.c.inquiry_id == inquiry_id).order_by(deliveries.c.created_at))]
    inquiry["id"] = inquiry_id
    closing = session.execute(select(inquiries.c.closed_reason, inquiries.c.duplicate_of, inquiries.c.organization_id)
                              .where(inquiries.c.id == inquiry_id)).one()
    inquiry["organization_id"] = closing.organization_id  # its history: /console/organisations/{id}
    inquiry["closing"] = {"reason": closing.closed_reason, "duplicate_of": closing.duplicate_of}
    # What the inquiry became, and who may record it (public facts: every viewer of it sees them).
    inquiry["partnership"] = partnerships_of(session=session, inquiry_ids=[inquiry_id]).get(inquiry_id)
    inquiry["partnership_owner"] = owner_of(session=session, inquiry_id=inquiry_id)
    inquiry["duplicates"] = list(session.scalars(select(inquiries.c.reference).where(
        inquiries.c.duplicate_of == ref, visible_to(scope)).order_by(inquiries.c.id)))
    if scope is not None:
        return affiliate_view(inquiry, affiliate_id=scope, decisions=inquiry["decisions"], history=inquiry["history"])
    return inquiry


#: Who reads a note: staff only, or also the affiliate holding the inquiry.
NOTE_VISIBILITIES = ("staff", "shared")


def add_note(*, session: Session, inquiry_id: int, user_id: int | None, author: str, body: str,
             visibility: str) -> None:
    """Append a note to an inquiry (the caller has checked that the author may see it and write
    with this visibility: affiliate users write only `shared` notes)."""
    if visibility not in NOTE_VISIBILITIES:
        raise ValueError(f"a note is {' or '.join(NOTE_VISIBILITIES)}, not {visibility!r}")
    session.execute(inquiry_notes.insert().values(inquiry_id=inquiry_id, user_id=user_id, author=author[:320],
                                                  body=body, visibility=visibility, created_at=utcnow()))
