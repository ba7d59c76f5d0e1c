"""Conversations read from Rasa's `events` table, with the inquiry each became (if any).

Staff see every conversation, the abandoned ones too; an affiliate's user only those whose
inquiry was ever routed to their affiliate.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.intake.model import Status
from bot.staff.transcript import conversation_state, conversation_status
from bot.store.clock import iso_utc, utcnow
from bot.store.queries import visible_to
from bot.store.rasa_events import events
from bot.store.tables import inquiries

PAGE_SIZE = 50
OUTCOMES = ("inquiry", "abandoned", "deflected")


@dataclass(frozen=True)
class ConversationFilters:
    outcome: str | None = None
    with_fallbacks: bool = False
    page: int = 1


def list_conversations(*, session: Session, filters: ConversationFilters, scope: str | None,
                       page_size: int = PAGE_SIZE) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of conversations), most recent activity first."""
    stats = (
        select(
            events.c.sender_id,
            func.min(events.c.timestamp).label("started"),
            func.max(events.c.timestamp).label("last"),
            func.sum(case((events.c.type_name == "user", 1), else_=0)).label("messages"),
            func.sum(case((events.c.intent_name == "nlu_fallback", 1), else_=0)).label("fallbacks"),
        )
        .group_by(events.c.sender_id)
        .subquery()
    )
    stmt = select(stats, inquiries.c.reference, inquiries.c.status, inquiries.c.language).select_from(
        stats.outerjoin(inquiries, inquiries.c.conversation_id == stats.c.sender_id))
    if scope is not None:
        stmt = stmt.where(inquiries.c.id.isnot(None), visible_to(scope))
    if filters.outcome == "inquiry":
        stmt = stmt.where(inquiries.c.id.isnot(None), inquiries.c.status != Status.DEFLECTED.value)
    elif filters.outcome == "abandoned":
        stmt = stmt.where(inquiries.c.id.is_(None))
    elif filters.outcome == "deflected":
        stmt = stmt.where(inquiries.c.status == Status.DEFLECTED.value)
    if filters.with_fallbacks:
        stmt = stmt.where(stats.c.fallbacks > 0)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    page = stmt.order_by(stats.c.last.desc()).limit(page_size).offset((max(filters.page, 1) - 1) * page_size)
    rows = [dict(row._mapping) for row in session.execute(page)]
    for row in rows:
        row["last_question"] = None if row["reference"] else last_question(session=session, sender_id=row["sender_id"])
    return int(total), rows


def last_question(*, session: Session, sender_id: str) -> str | None:
    """The question an abandoned conversation stopped at (its last `requested_slot`)."""
    data = session.execute(
        select(events.c.data).where(events.c.sender_id == sender_id, events.c.type_name == "slot",
                                    events.c.data.like('%"requested_slot"%'))
        .order_by(events.c.id.desc()).limit(1)
    ).scalar()
    if not data:
        return None
    try:
        return json.loads(data).get("value")
    except ValueError:
        return None


def conversation(*, session: Session, sender_id: str, scope: str | None) -> dict[str, Any] | None:
    """The conversation's events (id, data) in order and its inquiry; None if unknown or not visible."""
    inquiry = session.execute(
        select(inquiries.c.id, inquiries.c.reference, inquiries.c.status, inquiries.c.consent)
        .where(inquiries.c.conversation_id == sender_id, visible_to(scope))
    ).first()
    if scope is not None and inquiry is None:
        return None
    rows = session.execute(select(events.c.id, events.c.data).where(events.c.sender_id == sender_id)
                           .order_by(events.c.id)).all()
    if not rows:
        return None
    return {"sender_id": sender_id, "inquiry": dict(inquiry._mapping) if inquiry else None,
            "events": [(row.id, row.data) for row in rows]}


def conversation_view(*, session: Session, conversation_id: str, scope: str | None,
                      now: datetime | None = None) -> dict[str, Any] | None:
    """The JSON API's conversation (DESIGN.md): where it stands, its messages and its inquiry;
    None when unknown or not visible to `scope`. Contact answers only with the partner's consent."""
    found = conversation(session=session, sender_id=conversation_id, scope=scope)
    if found is None:
        return None
    inquiry = found["inquiry"] or {}
    state = conversation_state(found["events"], show_contacts=bool(inquiry.get("consent")))
    return {
        "conversation_id": conversation_id,
        "status": state.status(inquiry_status=inquiry.get("status"), now=now or utcnow()),
        "language": state.language,
        "active_form": state.active_form,
        "requested_slot": state.requested_slot,
        "latest_intent": state.latest_intent,
        "started_at": iso_utc(state.started_at) if state.started_at else None,
        "last_event_at": iso_utc(state.last_event_at) if state.last_event_at else None,
        "inquiry_reference": inquiry.get("reference"),
        "messages": [{**m, "at": iso_utc(m["at"])} for m in state.messages],
    }


def conversation_ids(*, session: Session, status: str | None, scope: str | None, limit: int, offset: int,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """Conversations, most recent activity first, as {conversation_id, status, inquiry_reference,
    started_at, last_event_at}; `status` one of CONVERSATION_STATUSES (bot.staff.transcript)."""
    now = now or utcnow()
    outcome = {"inquiry": "inquiry", "deflected": "deflected", "abandoned": "abandoned", "active": "abandoned"}
    filters = ConversationFilters(outcome=outcome.get(status or ""), page=1)
    _, rows = list_conversations(session=session, filters=filters, scope=scope, page_size=offset + limit)
    out = []
    for row in rows[offset:]:
        last = datetime.fromtimestamp(float(row["last"]), tz=timezone.utc)
        state = conversation_status(inquiry_status=row["status"] if row["reference"] else None,
                                    last_event_at=last, now=now)
        if status and state != status:
            continue
        out.append({"conversation_id": row["sender_id"], "status": state, "inquiry_reference": row["reference"],
                    "started_at": iso_utc(datetime.fromtimestamp(float(row["started"]), tz=timezone.utc)),
                    "last_event_at": iso_utc(last)})
    return out

