"""Organisations: found by normalised name and country, created on first contact."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.clock import utcnow
from bot.store.names import normalize_org_name
from bot.store.tables import organizations


def organization_id_for(
    *, session: Session, name: str | None, org_type: str | None, country: str | None
) -> int | None:
    """The id of the organisation with this normalised name and country, created if new.

    Runs in the caller's transaction; a concurrent insert of the same organisation is
    absorbed (savepoint, then the other row is used). Fills in a type that was unknown.
    """
    normalized = normalize_org_name(name)
    if not normalized or name is None:
        return None
    found = find_organization(session=session, normalized=normalized, country=country)
    if found is None:
        try:
            with session.begin_nested():
                result = session.execute(
                    insert(organizations).values(
                        name=name.strip(),
                        normalized_name=normalized,
                        type=org_type,
                        country=country,
                        created_at=utcnow(),
                    )
                )
            return int(result.inserted_primary_key[0])
        except IntegrityError:  # another conversation of the same organisation won the race
            found = find_organization(session=session, normalized=normalized, country=country)
            if found is None:
                raise
    org_id, known_type = found
    if known_type is None and org_type is not None:
        session.execute(update(organizations).where(organizations.c.id == org_id).values(type=org_type))
    return org_id


def find_organization(
    *, session: Session, normalized: str, country: str | None
) -> tuple[int, str | None] | None:
    """(id, type) of the organisation with this normalised name and country, or None."""
    row = session.execute(
        select(organizations.c.id, organizations.c.type)
        .where(organizations.c.normalized_name == normalized)
        .where(func.coalesce(organizations.c.country, "") == (country or ""))
        .order_by(organizations.c.id)
        .limit(1)
    ).first()
    return None if row is None else (row.id, row.type)
