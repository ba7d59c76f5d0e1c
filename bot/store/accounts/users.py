"""Console accounts in the database: keyword-only functions working in the caller's transaction.

E-mail addresses are normalised (trimmed, lower-cased) on the way in, so lookups and the
unique constraint ignore case. Password hashes leave this module only inside `Credentials`,
whose repr hides them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.staff.accounts import DIGESTS, Role, User, normalize_email
from bot.store.accounts.console_sessions import revoke_user_sessions
from bot.store.clock import utcnow
from bot.store.tables import users


class DuplicateEmail(ValueError):
    """A user with this e-mail address exists already."""


@dataclass(frozen=True)
class Credentials:
    """A user with their stored password hash (for checking a login, nothing else)."""

    user: User
    password_hash: str = field(repr=False)


def add_user(
    *, session: Session, email: str, role: Role | str, affiliate_id: str | None, password_hash: str
) -> User:
    """Insert a user; DuplicateEmail when the address is taken. Validation is the caller's."""
    email = normalize_email(email)
    values: dict[str, Any] = {
        "email": email,
        "role": Role(role).value,
        "affiliate_id": affiliate_id or None,
        "password_hash": password_hash,
        "disabled": False,
        "created_at": utcnow(),
        "digest": "off",
        "language": None,
    }
    try:
        # A savepoint, so that a clash leaves the caller's transaction usable.
        with session.begin_nested():
            user_id = int(session.execute(insert(users).values(**values)).inserted_primary_key[0])
    except IntegrityError:
        if user_by_email(session=session, email=email) is None:
            raise  # some other constraint: a bug, not a duplicate
        raise DuplicateEmail(f"a user with e-mail {email} exists already") from None
    return _user({**values, "id": user_id, "last_login_at": None})


def get_user(*, session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    row = session.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return _user(row) if row else None


def user_by_email(*, session: Session, email: str) -> User | None:
    """The user with this e-mail address (any case), or None."""
    found = credentials_by_email(session=session, email=email)
    return found.user if found else None


def credentials_by_email(*, session: Session, email: str) -> Credentials | None:
    """The user with this e-mail address and their password hash, or None."""
    row = session.execute(select(users).where(users.c.email == normalize_email(email))).mappings().first()
    return Credentials(user=_user(row), password_hash=row["password_hash"]) if row else None


def list_users(*, session: Session) -> list[User]:
    """Every user: staff first, then by affiliate and e-mail."""
    rows = session.execute(
        select(users).order_by(users.c.role.desc(), users.c.affiliate_id, users.c.email)
    ).mappings()
    return [_user(row) for row in rows]


def set_disabled(*, session: Session, email: str, disabled: bool) -> User | None:
    """Disable or enable a user; the updated user, or None when there is no such address.

    Disabling also ends the user's console sessions, so that enabling them again later does not
    bring an old session back.
    """
    email = normalize_email(email)
    session.execute(update(users).where(users.c.email == email).values(disabled=disabled))
    user = user_by_email(session=session, email=email)
    if user is not None and disabled:
        revoke_user_sessions(session=session, user_id=user.id)
    return user


def set_password(*, session: Session, user_id: int, password_hash: str, keep_session: str | None = None) -> None:
    """Store a new password hash and end every console session of the user but `keep_session`
    (the id of the session that changed it, if any): whoever knew the old password is out."""
    session.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))
    revoke_user_sessions(session=session, user_id=user_id, keep=keep_session)


def record_login(*, session: Session, user_id: int, new_password_hash: str | None = None) -> None:
    """Note a successful login; store `new_password_hash` when the hash was upgraded."""
    values: dict[str, Any] = {"last_login_at": utcnow()}
    if new_password_hash:
        values["password_hash"] = new_password_hash
    session.execute(update(users).where(users.c.id == user_id).values(**values))


def _user(row: Any) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        role=Role(row["role"]),
        affiliate_id=row["affiliate_id"],
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
        digest=row["digest"] or "off",
        language=row["language"],
    )


def set_language(*, session: Session, user_id: int, language: str | None) -> None:
    """Store the user's language (the console's and the digest's; None: the browser's for the
    console, the affiliate's for the digest); the caller has checked it is one of bot/responses."""
    session.execute(update(users).where(users.c.id == user_id).values(language=language))


def set_digest(*, session: Session, user_id: int, digest: str, language: str | None) -> None:
    """Store the user's digest setting (one of bot.staff.accounts.DIGESTS) and language; the
    caller has checked both."""
    if digest not in DIGESTS:
        raise ValueError(f"a digest is one of {', '.join(DIGESTS)}")
    session.execute(update(users).where(users.c.id == user_id).values(digest=digest, language=language))


def affiliate_language(*, session: Session, affiliate_id: str) -> str | None:
    """The language an affiliate's people chose (users.language of its enabled accounts), the
    one most of them chose (the most recently created account's on a tie); None when none chose."""
    chosen = session.execute(
        select(users.c.language, func.count().label("n"), func.max(users.c.id).label("latest"))
        .where(users.c.affiliate_id == affiliate_id, users.c.language.is_not(None), users.c.disabled.is_(False))
        .group_by(users.c.language)
        .order_by(func.count().desc(), func.max(users.c.id).desc())
    ).first()
    return str(chosen.language) if chosen else None
