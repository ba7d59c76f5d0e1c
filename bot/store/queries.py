"""Reading inquiries in the JSON API shape of DESIGN.md, and the continuity lookup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from bot.intake.model import Status
from bot.staff.affiliate_view import affiliate_view
from bot.store.clock import iso_utc
from bot.store.decisions import CURRENT_DECISION
from bot.store.names import canonical_reference
from bot.store.needs_action import needs_condition
from bot.store.organization import matching_organization, same_organisation_ids
from bot.store.tables import inquiries, organizations, routing_decisions, status_history

#: The most rows `list_inquiries` returns at once.
MAX_LIMIT = 1000


def visible_to(scope: str | None) -> ColumnElement[bool]:
    """Inquiries a scope may see: all for staff (None), else those ever routed to `scope` (an
    affiliate id), whether or not they are still with it."""
    if scope is None:
        return inquiries.c.id.isnot(None)
    ever = routing_decisions.alias("ever")
    return exists(select(ever.c.id).where(ever.c.inquiry_id == inquiries.c.id, ever.c.affiliate_id == scope))


def affiliate_filter(affiliate: str, scope: str | None) -> ColumnElement[bool]:
    """Inquiries "with" `affiliate` as `scope` sees them. Staff: the current decision's affiliate.
    An affiliate sees every inquiry of its scope as its own (bot.staff.affiliate_view), so asking
    for another affiliate finds none: where an inquiry went after it left is not its business."""
    if scope is None:
        return routing_decisions.c.affiliate_id == affiliate
    return inquiries.c.id.isnot(None) if affiliate == scope else inquiries.c.id.is_(None)


def get_inquiry(*, session: Session, reference: str, scope: str | None = None) -> dict[str, Any] | None:
    """The inquiry with this reference in the JSON API shape, or None (also when `scope` may not
    see it).

    The reference may be typed loosely ("wmp-1abc o2de" finds "WMP-1ABC02DE").
    """
    stmt = _select_api_rows().where(inquiries.c.reference == canonical_reference(reference), visible_to(scope))
    row = session.execute(stmt).first()
    if row is None:
        return None
    return _as_api_dict(row) if scope is None else scoped_api_rows(session=session, rows=[row], scope=scope)[0]


def list_inquiries(
    *,
    session: Session,
    conversation_id: str | None = None,
    status: Status | str | None = None,
    affiliate: str | None = None,
    limit: int = 100,
    offset: int = 0,
    scope: str | None = None,
    needs: str | None = None,
) -> list[dict[str, Any]]:
    """Inquiries in the JSON API shape, newest first, filtered by conversation, status, the
    affiliate of the current routing decision and what they need (bot.store.needs_action), and
    limited to what `scope` may see."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise ValueError("offset must not be negative")
    stmt = _select_api_rows().where(visible_to(scope))
    if conversation_id is not None:
        stmt = stmt.where(inquiries.c.conversation_id == conversation_id)
    if status is not None:
        stmt = stmt.where(inquiries.c.status == Status(status).value)
    if affiliate is not None:
        stmt = stmt.where(affiliate_filter(affiliate, scope))
    if needs is not None:
        stmt = stmt.where(needs_condition(needs, scope=scope))
    stmt = stmt.order_by(inquiries.c.created_at.desc(), inquiries.c.id.desc())
    rows = session.execute(stmt.limit(limit).offset(offset)).all()
    if scope is not None:
        return scoped_api_rows(session=session, rows=rows, scope=scope)
    return [_as_api_dict(row) for row in rows]


def decisions_and_history(
    *, session: Session, inquiry_ids: Sequence[int]
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """Every routing decision and status-history entry of these inquiries, oldest first, by
    inquiry id: what `bot.staff.affiliate_view` needs to decide what an affiliate may see."""
    rd, sh = routing_decisions, status_history
    decisions: dict[int, list[dict[str, Any]]] = {i: [] for i in inquiry_ids}
    history: dict[int, list[dict[str, Any]]] = {i: [] for i in inquiry_ids}
    for start in range(0, len(inquiry_ids), 500):  # bounded IN lists for long exports
        chunk = list(inquiry_ids[start:start + 500])
        for r in session.execute(
            select(rd.c.id, rd.c.inquiry_id, rd.c.affiliate_id, rd.c.rule, rd.c.reasons, rd.c.alternatives,
                   rd.c.created_at, rd.c.is_current, rd.c.response_due_at)
            .where(rd.c.inquiry_id.in_(chunk)).order_by(rd.c.id)
        ):
            decisions[r.inquiry_id].append(dict(r._mapping))
        for r in session.execute(
            select(sh.c.inquiry_id, sh.c.from_status, sh.c.to_status, sh.c.actor, sh.c.reason, sh.c.created_at)
            .where(sh.c.inquiry_id.in_(chunk)).order_by(sh.c.id)
        ):
            history[r.inquiry_id].append(dict(r._mapping))
    return decisions, history


def scoped_api_rows(*, session: Session, rows: Sequence[Row], scope: str) -> list[dict[str, Any]]:
    """Rows of `_select_api_rows` in the JSON API shape as the affiliate `scope` may see them."""
    decisions, history = decisions_and_history(session=session, inquiry_ids=[row.id for row in rows])
    views = []
    for row in rows:
        view = affiliate_view(_as_api_dict(row), affiliate_id=scope, decisions=decisions[row.id],
                              history=history[row.id])
        view.pop("holding")  # the API's inquiry keeps DESIGN.md's shape
        views.append(view)
    return views


def accepted_affiliate_for(
    *, session: Session, organization_name: str | None, country: str | None,
    organization_type: str | None = None, email: str | None = None,
) -> str | None:
    """The affiliate that accepted the latest earlier inquiry of the same organisation, for
    routing rule 1 (continuity); None if there is none.

    The organisation is the record the name (or the e-mail's organisational domain) matches
    confidently (bot/store/organization.py), with the records merged into it and those sharing
    its Wikidata item. An inquiry counts when it was accepted and is still accepted or has since
    been closed.
    """
    found = matching_organization(session=session, name=organization_name, country=country,
                                  org_type=organization_type, email=email)
    if found is None:
        return None
    stmt = (
        select(routing_decisions.c.affiliate_id)
        .select_from(
            status_history.join(inquiries, status_history.c.inquiry_id == inquiries.c.id)
            .join(routing_decisions, CURRENT_DECISION)
        )
        .where(inquiries.c.organization_id.in_(same_organisation_ids(session=session, organization_id=found)))
        .where(status_history.c.to_status == Status.ACCEPTED.value)
        .where(inquiries.c.status.in_([Status.ACCEPTED.value, Status.CLOSED.value]))
        .order_by(status_history.c.created_at.desc(), status_history.c.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def _select_api_rows() -> Select:
    return select(
        inquiries,
        organizations.c.name.label("organization_name"),
        organizations.c.type.label("organization_type"),
        routing_decisions.c.id.label("decision_id"),
        routing_decisions.c.affiliate_id,
        routing_decisions.c.rule,
        routing_decisions.c.reasons.label("routing_reasons"),
        routing_decisions.c.alternatives,
    ).select_from(
        inquiries.outerjoin(organizations, inquiries.c.organization_id == organizations.c.id).outerjoin(
            routing_decisions, CURRENT_DECISION
        )
    )


def _as_api_dict(row: Row) -> dict[str, Any]:
    routing = None
    if row.decision_id is not None:
        routing = {
            "affiliate_id": row.affiliate_id,
            "rule": row.rule,
            "reasons": list(row.routing_reasons or []),
            "alternatives": list(row.alternatives or []),
        }
    return {
        "reference": row.reference,
        "conversation_id": row.conversation_id,
        "status": row.status,
        "created_at": iso_utc(row.created_at),
        "language": row.language,
        "partnership_type": row.partnership_type,
        "organization": {"name": row.organization_name, "type": row.organization_type},
        "country": row.country,
        "region": row.region,
        "content_language": row.content_language,
        "licence": row.licence,
        "description": row.description,
        "contact": {"name": row.contact_name, "email": row.contact_email},
        "consent": bool(row.consent),
        "qualification": {"tier": row.tier, "reasons": list(row.qualification_reasons or [])},
        "routing": routing,
        "wants_person": bool(row.wants_person),
    }


def opening_of(*, session: Session, reference: str) -> str | None:
    """The partner's first message when it started the intake (kept with the inquiry for the people
    who read it: the affiliate's e-mail and webhook, the console). Not a field of the JSON API's
    inquiry, whose shape DESIGN.md fixes."""
    return session.execute(select(inquiries.c.opening).where(inquiries.c.reference == reference)).scalar_one_or_none()
