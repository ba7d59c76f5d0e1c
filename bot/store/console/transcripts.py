"""Conversations read from Rasa's `events` table, with the inquiry each became (if any).

Staff see every conversation, the abandoned ones too; an affiliate's user only those whose
inquiry was ever routed to their affiliate.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.intake.model import Status
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
