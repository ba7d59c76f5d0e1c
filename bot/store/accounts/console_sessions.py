"""Server-side console sessions: keyword-only functions working in the caller's transaction.

The browser holds a random token (`new_token`); the table keeps only its SHA-256 (`session_id`),
so neither a copy of the table nor a log of ids opens a session. A session ends when it is
revoked (logout, a password change or reset, disabling the user, the user's own "end"),
`expires_at` passes (the absolute lifetime from login) or it was idle too long.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.store.clock import utcnow
from bot.store.tables import console_sessions

#: The columns' sizes.
_MAX_USER_AGENT, _MAX_CLIENT = 100, 64
#: Ended sessions stay listed this long (the account page and the throttle's trusted clients).
KEEP_ENDED = timedelta(days=30)


@dataclass(frozen=True)
class SessionInfo:
    """A console session as its user sees it on their account page."""

    id: str
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    client: str
    revoked_at: datetime | None

    def is_active(self, *, now: datetime, idle: timedelta) -> bool:
        """Not revoked, not expired, and seen within `idle`."""
        return self.revoked_at is None and now < self.expires_at and now - self.last_seen_at < idle


def new_token() -> str:
    """A fresh random session token (43 URL-safe characters): what the cookie holds."""
    return secrets.token_urlsafe(32)


def session_id(token: str) -> str:
    """The id under which a token's session is stored: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(
    *, session: Session, token: str, user_id: int, lifetime: timedelta, user_agent: str, client: str
) -> SessionInfo:
    """Store a new session for `token`; ended sessions older than KEEP_ENDED are deleted on the way."""
    now = utcnow()
    session.execute(delete(console_sessions).where(console_sessions.c.expires_at < now - KEEP_ENDED))
    values = {
        "id": session_id(token),
        "user_id": user_id,
        "created_at": now,
        "last_seen_at": now,
        "expires_at": now + lifetime,
        "user_agent": user_agent[:_MAX_USER_AGENT],
        "client": client[:_MAX_CLIENT],
        "revoked_at": None,
    }
    session.execute(insert(console_sessions).values(**values))
    return SessionInfo(**values)  # type: ignore[arg-type]


def find_session(*, session: Session, token: str) -> SessionInfo | None:
    """The stored session of `token`, active or not; None when there is none."""
    row = session.execute(select(console_sessions).where(console_sessions.c.id == session_id(token))).mappings().first()
    return SessionInfo(**row) if row else None


def touch_session(*, session: Session, id: str) -> None:
    """Note that the session was used now (what the idle timeout counts from)."""
    session.execute(update(console_sessions).where(console_sessions.c.id == id).values(last_seen_at=utcnow()))


def revoke_session(*, session: Session, id: str, user_id: int | None = None) -> bool:
    """End one session (only one of `user_id`'s when given); whether an open one was ended."""
    where = [console_sessions.c.id == id, console_sessions.c.revoked_at.is_(None)]
    if user_id is not None:
        where.append(console_sessions.c.user_id == user_id)
    return bool(session.execute(update(console_sessions).where(*where).values(revoked_at=utcnow())).rowcount)


def revoke_user_sessions(*, session: Session, user_id: int, keep: str | None = None) -> int:
    """End every open session of `user_id` but `keep` (a session id); how many were ended."""
    where = [console_sessions.c.user_id == user_id, console_sessions.c.revoked_at.is_(None)]
    if keep is not None:
        where.append(console_sessions.c.id != keep)
    return int(session.execute(update(console_sessions).where(*where).values(revoked_at=utcnow())).rowcount)


def list_sessions(*, session: Session, user_id: int, idle: timedelta) -> list[SessionInfo]:
    """`user_id`'s sessions that are still active, most recently used first."""
    now = utcnow()
    rows = session.execute(
        select(console_sessions)
        .where(
            console_sessions.c.user_id == user_id,
            console_sessions.c.revoked_at.is_(None),
            console_sessions.c.expires_at > now,
            console_sessions.c.last_seen_at > now - idle,
        )
        .order_by(console_sessions.c.last_seen_at.desc())
    ).mappings()
    return [SessionInfo(**row) for row in rows]
