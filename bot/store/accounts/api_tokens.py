"""Bearer tokens of the JSON API beside INTAKE_API_TOKEN: per affiliate (scoped to the inquiries
ever routed to it) or for staff tools. Only a SHA-256 of each token is stored; the token itself
is shown once, when it is made."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.store.clock import utcnow
from bot.store.tables import api_tokens


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    affiliate_id: str | None
    disabled: bool
    created_at: datetime
    last_used_at: datetime | None


class TokenError(ValueError):
    """A token name that is taken or unknown."""


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def add_token(*, session: Session, name: str, affiliate_id: str | None) -> str:
    """Create a token; returns it (the only time it is seen)."""
    if session.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).first():
        raise TokenError(f"a token named {name!r} exists already")
    raw = "itk_" + secrets.token_urlsafe(32)
    session.execute(api_tokens.insert().values(name=name, token_hash=token_hash(raw), affiliate_id=affiliate_id,
                                               disabled=False, created_at=utcnow()))
    return raw


def token_scope(*, session: Session, raw: str) -> tuple[int, str | None] | None:
    """(token id, affiliate id or None for full access) of an enabled token, else None."""
    row = session.execute(select(api_tokens.c.id, api_tokens.c.affiliate_id).where(
        api_tokens.c.token_hash == token_hash(raw), api_tokens.c.disabled.is_(False))).first()
    return None if row is None else (row.id, row.affiliate_id)


def touch_token(*, session: Session, token_id: int) -> None:
    session.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=utcnow()))


def list_tokens(*, session: Session) -> list[TokenInfo]:
    rows = session.execute(select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.affiliate_id,
                                  api_tokens.c.disabled, api_tokens.c.created_at, api_tokens.c.last_used_at)
                           .order_by(api_tokens.c.name))
    return [TokenInfo(**row._mapping) for row in rows]


def set_token_disabled(*, session: Session, name: str, disabled: bool) -> None:
    result = session.execute(update(api_tokens).where(api_tokens.c.name == name).values(disabled=disabled))
    if not result.rowcount:
        raise TokenError(f"no token named {name!r}")
