"""The console's home: how many things need the viewer's action (bot/store/needs_action.py),
and an affiliate's inquiries waiting for its answer."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.intake.model import Status
from bot.store.console.handoff_inbox import waiting_count
from bot.store.decisions import CURRENT_DECISION
from bot.store.needs_action import needs_condition
from bot.store.queries import visible_to
from bot.store.tables import inquiries, organizations, review_flags, routing_decisions


def staff_counts(*, session: Session, now: datetime | None = None) -> dict[str, int]:
    """Staff's home: inquiries in routing review, with failing or dead deliveries, unanswered past
    their window; partners waiting for a person; flagged messages not yet exported."""
    return {
        "review": _count(session, inquiries.c.status == Status.NEEDS_REVIEW.value),
        "delivery": _count(session, needs_condition("delivery", scope=None)),
        "overdue": _count(session, needs_condition("overdue", scope=None, now=now)),
        "handoffs": waiting_count(session=session, scope=None),
        "flags": int(session.execute(select(func.count()).select_from(review_flags)
                                     .where(review_flags.c.exported_at.is_(None))).scalar_one()),
    }


def affiliate_counts(*, session: Session, scope: str, now: datetime | None = None) -> dict[str, int]:
    """An affiliate's home: its inquiries waiting for its answer, those past their window, and
    partners waiting for one of its people."""
    return {
        "answer": _count(session, needs_condition("answer", scope=scope), scope=scope),
        "overdue": _count(session, needs_condition("overdue", scope=scope, now=now), scope=scope),
        "handoffs": waiting_count(session=session, scope=scope),
    }


def _count(session: Session, condition: Any, scope: str | None = None) -> int:
    stmt = (select(func.count()).select_from(inquiries.outerjoin(routing_decisions, CURRENT_DECISION))
            .where(visible_to(scope), condition))
    return int(session.execute(stmt).scalar_one())


def waiting_for_answer(*, session: Session, scope: str, limit: int = 20) -> list[dict[str, Any]]:
    """An affiliate's inquiries waiting for its answer, the soonest due first (no window last):
    reference, organisation, created_at, response_due_at."""
    rd = routing_decisions
    due_last = rd.c.response_due_at.is_(None)
    stmt = (
        select(inquiries.c.reference, inquiries.c.created_at, organizations.c.name.label("organization_name"),
               rd.c.response_due_at)
        .select_from(inquiries.join(rd, CURRENT_DECISION)
                     .outerjoin(organizations, inquiries.c.organization_id == organizations.c.id))
        .where(needs_condition("answer", scope=scope))
        .order_by(due_last, rd.c.response_due_at, inquiries.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in session.execute(stmt)]
