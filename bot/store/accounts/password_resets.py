"""Password reset links: keyword-only functions working in the caller's transaction.

Only a SHA-256 of a link's token is stored. A link works once, until it expires, and only while
it is the user's newest: asking again invalidates the links sent before.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.store.clock import utcnow
from bot.store.tables import password_resets, users

#: Used and expired links are kept this long (then deleted whenever a link is made).
KEEP_SPENT = timedelta(days=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_reset(*, session: Session, user_id: int, lifetime: timedelta) -> str:
    """A new link token for `user_id` (returned, never stored); older links stop working."""
    now = utcnow()
    session.execute(delete(password_resets).where(password_resets.c.expires_at < now - KEEP_SPENT))
    session.execute(
        update(password_resets)
        .where(password_resets.c.user_id == user_id, password_resets.c.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.execute(
        insert(password_resets).values(
            token_hash=_hash(token), user_id=user_id, created_at=now, expires_at=now + lifetime
        )
    )
    return token


def reset_user_id(*, session: Session, token: str) -> int | None:
    """The user whose enabled account a still valid link `token` resets, else None."""
    row = session.execute(
        select(password_resets.c.user_id)
        .join(users, users.c.id == password_resets.c.user_id)
        .where(
            password_resets.c.token_hash == _hash(token),
            password_resets.c.used_at.is_(None),
            password_resets.c.expires_at > utcnow(),
            users.c.disabled.is_(False),
        )
    ).first()
    return None if row is None else int(row.user_id)


def consume_reset(*, session: Session, token: str) -> int | None:
    """Use the link `token` up; the user id when it was valid, else None (and nothing changes).

    The update is conditional on the link being unused, so that two requests racing with the
    same link cannot both succeed.
    """
    user_id = reset_user_id(session=session, token=token)
    if user_id is None:
        return None
    used = session.execute(
        update(password_resets)
        .where(password_resets.c.token_hash == _hash(token), password_resets.c.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return user_id if used.rowcount == 1 else None


def recent_reset_exists(*, session: Session, user_id: int, within: timedelta) -> bool:
    """Whether a link was made for `user_id` within `within` (so that nobody can flood an inbox)."""
    row = session.execute(
        select(password_resets.c.id)
        .where(password_resets.c.user_id == user_id, password_resets.c.created_at > utcnow() - within)
        .limit(1)
    ).first()
    return row is not None
