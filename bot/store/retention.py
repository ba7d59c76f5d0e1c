"""Retention: personal data does not outlive its purpose.

- A conversation that never became an inquiry is erased (transcript and all) once its last event
  is older than `abandoned_days` (INTAKE_RETENTION_DAYS_ABANDONED).
- An inquiry older than `inquiry_days` (INTAKE_RETENTION_DAYS) is erased like `intake erase`
  would: contact details, description, first message and transcript go, the statistics row stays.

Both go through `erase_conversation` (bot/store/erasure.py). The abandoned conversations are found
by one aggregate query over Rasa's `events` (last timestamp per sender_id), run in the database:
no event is loaded into Python.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.clock import as_utc
from bot.store.erasure import Erasure, erase_conversation, has_transcripts, record_erasure
from bot.store.rasa_events import events
from bot.store.tables import inquiries


@dataclass(frozen=True)
class RetentionPolicy:
    """How long personal data is kept, in days (Settings.retention_days_abandoned and
    Settings.retention_days)."""

    abandoned_days: int = 90
    inquiry_days: int = 730


def abandoned_conversations(*, session: Session, before: datetime, limit: int | None = None) -> list[str]:
    """Conversations without an inquiry whose last event happened before `before`."""
    if not has_transcripts(session=session):
        return []
    last_event = func.max(events.c.timestamp)
    stmt = (
        select(events.c.sender_id)
        .select_from(events.outerjoin(inquiries, inquiries.c.conversation_id == events.c.sender_id))
        .where(inquiries.c.id.is_(None))
        .group_by(events.c.sender_id)
        .having(last_event < as_utc(before).timestamp())  # Rasa's timestamps are Unix seconds
        .order_by(last_event)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def expired_inquiries(*, session: Session, before: datetime, limit: int | None = None) -> list[str]:
    """The conversation ids of inquiries created before `before` and not erased yet."""
    stmt = (
        select(inquiries.c.conversation_id)
        .where(inquiries.c.created_at < as_utc(before), inquiries.c.erased_at.is_(None))
        .order_by(inquiries.c.created_at, inquiries.c.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def purge(*, session: Session, policy: RetentionPolicy, actor: str, now: datetime | None = None,
          limit: int | None = None, record_empty: bool = True) -> Erasure:
    """Erase what the policy says has been kept long enough, in the caller's transaction, and
    write the audit row (kind `purge`). At most `limit` conversations of each kind per call, so
    that a caller can work through a backlog in short transactions. `record_empty=False` skips
    the audit row when nothing was purged (the worker's hourly rounds)."""
    now = as_utc(now)
    result = Erasure()
    abandoned = abandoned_conversations(session=session, before=now - timedelta(days=policy.abandoned_days),
                                        limit=limit)
    for conversation_id in abandoned:
        counts, _ = erase_conversation(session=session, conversation_id=conversation_id, now=now)
        result.add(counts)
    expired = expired_inquiries(session=session, before=now - timedelta(days=policy.inquiry_days), limit=limit)
    for conversation_id in expired:
        counts, reference = erase_conversation(session=session, conversation_id=conversation_id, now=now)
        result.add(counts, reference)
    result.counts["conversations_abandoned"] = len(abandoned)
    result.counts["inquiries_expired"] = len(expired)
    if record_empty or result.changed:
        record_erasure(session=session, kind="purge", selector="retention", result=result, actor=actor, now=now)
    return result
