"""The review loop's flags: a partner message with the intent (and entities) it should have had."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.store.clock import utcnow
from bot.store.tables import review_flags


def flag_message(*, session: Session, event_id: int, conversation_id: str, text: str, language: str | None,
                 predicted_intent: str | None, correct_intent: str, entities: list[dict[str, Any]],
                 user_id: int | None) -> None:
    """Flag (or re-flag) one partner message; a re-flag replaces the earlier one and is exported again."""
    values = dict(conversation_id=conversation_id, text=text, language=language, predicted_intent=predicted_intent,
                  correct_intent=correct_intent, entities=entities, user_id=user_id,
                  created_at=utcnow(), exported_at=None)
    done = session.execute(update(review_flags).where(review_flags.c.event_id == event_id).values(**values))
    if not done.rowcount:
        session.execute(review_flags.insert().values(event_id=event_id, **values))


def flags_of(*, session: Session, conversation_id: str) -> dict[int, dict[str, Any]]:
    """The flags of one conversation by event id."""
    rows = session.execute(select(review_flags).where(review_flags.c.conversation_id == conversation_id))
    return {row.event_id: dict(row._mapping) for row in rows}


def flags_to_export(*, session: Session, language: str | None, include_exported: bool) -> list[dict[str, Any]]:
    stmt = select(review_flags).order_by(review_flags.c.id)
    if language:
        stmt = stmt.where(review_flags.c.language == language)
    if not include_exported:
        stmt = stmt.where(review_flags.c.exported_at.is_(None))
    return [dict(row._mapping) for row in session.execute(stmt)]


def mark_exported(*, session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(update(review_flags).where(review_flags.c.id.in_(ids))
                        .values(exported_at=utcnow()))
