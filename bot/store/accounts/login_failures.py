"""Console login attempts that are not known to have succeeded: failed, or being checked now.

`reserve_attempt` counts the open attempts and inserts the new one in one transaction that no
other reservation can interleave with (SQLite: the write engine's BEGIN IMMEDIATE; PostgreSQL:
a transaction-scoped advisory lock), so that parallel attempts each see the ones before them.
The rules deciding from those counts are bot/staff/login_throttle.py's; this module stores and
counts. Rows older than the longest window are deleted by every reservation, so the table stays
as small as the recent attempts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.staff.accounts import MAX_EMAIL_LENGTH, normalize_email
from bot.staff.login_throttle import Recent
from bot.store.clock import utcnow
from bot.store.tables import console_sessions, login_failures, users

#: The column's size; longer client keys (they are not) are cut.
_MAX_CLIENT_LENGTH = 64
#: The advisory lock serialising reservations on PostgreSQL (any constant; "login" in ASCII).
_POSTGRES_LOCK = 0x6C6F67696E


@dataclass(frozen=True)
class Reservation:
    """The outcome of `reserve_attempt`: the attempt's row id when it may go ahead, else the wait."""

    attempt_id: int | None
    retry_after: int = 0


def reserve_attempt(
    *,
    session: Session,
    email: str,
    client: str,
    network: str,
    window: timedelta,
    account_window: timedelta,
    trusted_since: datetime | None,
    decide: Callable[[Recent], int],
) -> Reservation:
    """Count the open attempts around (`email`, `client`), ask `decide` for a wait, and insert the
    attempt when it is 0. Call it in a write transaction.

    `client` is the throttle's client key, `network` the client's network as sessions store it.
    `window` bounds the per-client and per-pair counts, `account_window` the account's; the
    client is trusted when the user of `email` had a session from `network` since
    `trusted_since` (None: trust nobody). Older rows are deleted on the way.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK})
    now = utcnow()
    email = normalize_email(email)[:MAX_EMAIL_LENGTH]
    client = client[:_MAX_CLIENT_LENGTH]
    session.execute(delete(login_failures).where(login_failures.c.created_at < now - max(window, account_window)))
    by_email = login_failures.c.email == email
    by_client = login_failures.c.client_ip == client
    recent = Recent(
        from_client=_times(session, by_client, now - window),
        for_pair=_times(session, and_(by_email, by_client), now - window),
        for_account=_times(session, by_email, now - account_window),
        trusted=trusted_since is not None and _has_session_from(session, email, network, trusted_since),
    )
    wait = decide(recent)
    if wait:
        return Reservation(attempt_id=None, retry_after=wait)
    row = session.execute(insert(login_failures).values(email=email, client_ip=client, created_at=now))
    return Reservation(attempt_id=int(row.inserted_primary_key[0]))


def release_attempt(*, session: Session, attempt_id: int, email: str, client: str) -> None:
    """A success: forget its attempt and this pair's failures (the user's own typos), but not
    the failures of other clients, which still count against them."""
    email = normalize_email(email)[:MAX_EMAIL_LENGTH]
    session.execute(
        delete(login_failures).where(
            (login_failures.c.id == attempt_id)
            | ((login_failures.c.email == email) & (login_failures.c.client_ip == client[:_MAX_CLIENT_LENGTH]))
        )
    )


def count_failures(*, session: Session) -> int:
    """How many open attempts are stored (for tests and diagnostics)."""
    return session.execute(select(func.count()).select_from(login_failures)).scalar_one()


def _has_session_from(session: Session, email: str, network: str, since: datetime) -> bool:
    found = session.execute(
        select(console_sessions.c.id)
        .join(users, users.c.id == console_sessions.c.user_id)
        .where(users.c.email == email, console_sessions.c.client == network, console_sessions.c.created_at >= since)
        .limit(1)
    ).first()
    return found is not None


def _times(session: Session, where: ColumnElement[bool], since: datetime) -> list[datetime]:
    rows = session.execute(
        select(login_failures.c.created_at)
        .where(where, login_failures.c.created_at >= since)
        .order_by(login_failures.c.created_at)
    )
    return list(rows.scalars())
