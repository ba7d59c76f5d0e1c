"""How far behind the work is: the outbox's lag and the open hand-offs, as the metrics show them.

Read-only, in the caller's transaction; counts and ages only, never a row's content.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.clock import as_utc
from bot.store.handoffs import OPEN
from bot.store.outbox import PENDING
from bot.store.tables import deliveries, handoffs


@dataclass(frozen=True)
class OutboxBacklog:
    """`pending`: deliveries not yet delivered, dead or cancelled (those waiting for a retry too);
    `due`: those of them whose time has come; `lag_seconds`: how long the oldest due one has been
    due (0 when none is), the figure that grows when the workers fall behind. A delivery waiting
    hours for its back-off is not lag: the age of the oldest pending row would alarm on it."""

    pending: int
    due: int
    lag_seconds: float


def outbox_backlog(session: Session, *, now: datetime | None = None) -> OutboxBacklog:
    moment = as_utc(now)
    d = deliveries
    pending = int(session.scalar(select(func.count()).select_from(d).where(d.c.status == PENDING)) or 0)
    due_rows = select(func.count(), func.min(d.c.next_attempt_at)).where(
        d.c.status == PENDING, d.c.next_attempt_at <= moment)
    due, oldest = session.execute(due_rows).one()
    lag = max(0.0, (moment - as_utc(oldest)).total_seconds()) if oldest is not None else 0.0
    return OutboxBacklog(pending=pending, due=int(due or 0), lag_seconds=lag)


def open_handoffs(session: Session) -> dict[str, int]:
    """How many hand-offs are open, by status (`waiting`, `with_person`; zero included)."""
    counts = dict.fromkeys(OPEN, 0)
    rows = session.execute(select(handoffs.c.status, func.count()).where(handoffs.c.status.in_(OPEN))
                           .group_by(handoffs.c.status))
    for status, n in rows:
        counts[status] = int(n)
    return counts
