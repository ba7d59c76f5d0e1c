"""What needs someone's action, as conditions on inquiries: the console's home counts
(bot/store/console/home.py) and the `needs` filter of the inquiry list, its CSV and the JSON API
all select through here.

- `answer`: routed and waiting for the affiliate of its current decision to accept or decline
  (for an affiliate scope: waiting for that affiliate);
- `overdue`: routed, and that affiliate's response window (`response_days` of its endpoint,
  bot.delivery.handover) has ended;
- `delivery`: a delivery of it failed and is being retried, or was given up (dead letter).

Closed (and deflected) inquiries never need action: each condition requires an open status.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.sql import ColumnElement

from bot.intake.model import Status
from bot.store.clock import as_utc
from bot.store.outbox import DEAD, PENDING
from bot.store.tables import deliveries, inquiries, routing_decisions

NEEDS = ("answer", "overdue", "delivery")
#: Statuses in which an inquiry can still need anyone's action.
OPEN_STATUSES = (Status.ROUTED.value, Status.ACCEPTED.value, Status.DECLINED.value, Status.NEEDS_REVIEW.value)
ROUTED = Status.ROUTED.value


def needs_condition(needs: str, *, scope: str | None, now: datetime | None = None) -> ColumnElement[bool]:
    """The condition on `inquiries` joined (outer) to its current decision by CURRENT_DECISION."""
    rd = routing_decisions
    if needs == "answer":
        waiting = and_(inquiries.c.status == ROUTED, rd.c.id.isnot(None))
        return waiting if scope is None else and_(waiting, rd.c.affiliate_id == scope)
    if needs == "overdue":
        late = and_(inquiries.c.status == ROUTED, rd.c.response_due_at < as_utc(now))
        return late if scope is None else and_(late, rd.c.affiliate_id == scope)
    if needs == "delivery":
        failing = select(deliveries.c.id).where(
            deliveries.c.inquiry_id == inquiries.c.id,
            or_(deliveries.c.status == DEAD, and_(deliveries.c.status == PENDING, deliveries.c.attempts > 0)))
        if scope is not None:
            failing = failing.where(deliveries.c.affiliate_id == scope)
        return and_(inquiries.c.status.in_(OPEN_STATUSES), exists(failing))
    raise ValueError(f"needs must be one of: {', '.join(NEEDS)}")
