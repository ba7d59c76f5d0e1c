"""Failed console logins, counted per e-mail address and per client address within a window.

The throttle's policy (limits, window) belongs to the console; this module only stores and
counts. Rows older than the window are deleted whenever a failure is recorded, so the table
stays as small as the recent failures.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.staff.accounts import MAX_EMAIL_LENGTH, normalize_email
from bot.store.clock import utcnow
from bot.store.tables import login_failures

#: The column's size; longer client addresses (they are not) are cut.
_MAX_IP_LENGTH = 64


def record_failure(*, session: Session, email: str, client_ip: str, window: timedelta) -> None:
    """Count one failed login, and forget those older than `window`."""
    now = utcnow()
    session.execute(delete(login_failures).where(login_failures.c.created_at < now - window))
    session.execute(
        insert(login_failures).values(
            email=normalize_email(email)[:MAX_EMAIL_LENGTH],
            client_ip=client_ip[:_MAX_IP_LENGTH],
            created_at=now,
        )
    )


def clear_failures(*, session: Session, email: str) -> None:
    """Forget the failures of this e-mail address (after a successful login)."""
    session.execute(
        delete(login_failures).where(login_failures.c.email == normalize_email(email)[:MAX_EMAIL_LENGTH])
    )


def failures_for_email(*, session: Session, email: str, window: timedelta) -> list[datetime]:
    """When this address failed within `window`, oldest first."""
    return _times(session, login_failures.c.email == normalize_email(email)[:MAX_EMAIL_LENGTH], window)


def failures_for_ip(*, session: Session, client_ip: str, window: timedelta) -> list[datetime]:
    """When this client address failed within `window`, oldest first."""
    return _times(session, login_failures.c.client_ip == client_ip[:_MAX_IP_LENGTH], window)


def count_failures(*, session: Session) -> int:
    """How many failures are stored (for tests and diagnostics)."""
    return session.execute(select(func.count()).select_from(login_failures)).scalar_one()


def _times(session: Session, where: ColumnElement[bool], window: timedelta) -> list[datetime]:
    since = utcnow() - window
    rows = session.execute(
        select(login_failures.c.created_at)
        .where(where, login_failures.c.created_at >= since)
        .order_by(login_failures.c.created_at)
    )
    return list(rows.scalars())
