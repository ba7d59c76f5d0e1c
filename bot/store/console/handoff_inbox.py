"""The console's hand-off inbox (issue 14): what one user may answer, and what changed since the
page last looked.

The hand-off's state is read with bot/store/handoffs.py; the conversation itself from Rasa's
`events` table. Who may see a hand-off is decided by `may_answer` (staff all, an affiliate's
users those routed to it), so the inbox, its forms and its live stream agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.handoffs import Answerer, HandoffStatus, latest_handoff, list_handoffs, may_answer
from bot.store.rasa_events import events
from bot.store.tables import handoffs, inquiries, users


def waiting_count(*, session: Session, scope: str | None) -> int:
    """How many partners are waiting for a person that `scope` may answer (None: staff, all)."""
    stmt = select(func.count()).select_from(handoffs).where(handoffs.c.status == HandoffStatus.WAITING.value)
    if scope is not None:
        stmt = stmt.where(handoffs.c.affiliate_id == scope)
    return int(session.execute(stmt).scalar_one())


def visible_handoff(*, session: Session, conversation_id: str, who: Answerer) -> dict[str, Any] | None:
    """The conversation's latest hand-off if `who` may answer it, else None (as if there were none)."""
    handoff = latest_handoff(session, conversation_id=conversation_id)
    if handoff is None or not may_answer(handoff, who):
        return None
    email = session.execute(select(users.c.email).where(users.c.id == handoff["claimed_by"])).scalar() \
        if handoff.get("claimed_by") is not None else None
    return {**handoff, "claimed_by_email": email}  # as list_handoffs has it


def events_after(*, session: Session, conversation_id: str, after_id: int = 0) -> list[tuple[int, str]]:
    """The conversation's tracker events (events.id, data) after `after_id`, in order."""
    rows = session.execute(
        select(events.c.id, events.c.data).where(events.c.sender_id == conversation_id, events.c.id > after_id)
        .order_by(events.c.id)
    ).all()
    return [(row.id, row.data) for row in rows]


def partner_consented(*, session: Session, conversation_id: str) -> bool:
    """Whether the conversation became an inquiry whose partner agreed to be contacted (only then
    are contact answers shown, as on the transcript page)."""
    return bool(session.execute(
        select(inquiries.c.consent).where(inquiries.c.conversation_id == conversation_id).limit(1)
    ).scalar())


@dataclass(frozen=True)
class HandoffPage:
    """One hand-off as its inbox page shows it."""

    handoff: dict[str, Any]
    events: list[tuple[int, str]]
    show_contacts: bool


def handoff_page(*, session: Session, conversation_id: str, who: Answerer) -> HandoffPage | None:
    """The hand-off, the conversation so far and whether contacts may be shown; None when `who`
    may not answer it (or there is none)."""
    handoff = visible_handoff(session=session, conversation_id=conversation_id, who=who)
    if handoff is None:
        return None
    return HandoffPage(handoff=handoff, events=events_after(session=session, conversation_id=conversation_id),
                       show_contacts=partner_consented(session=session, conversation_id=conversation_id))


@dataclass(frozen=True)
class InboxChanges:
    """What the live stream compares with what it sent last: the open hand-offs, and for the
    conversation open on the page its hand-off and the events after the last one sent."""

    handoffs: list[dict[str, Any]]
    current: dict[str, Any] | None = None
    new_events: tuple[tuple[int, str], ...] = ()


def inbox_changes(*, session: Session, who: Answerer, conversation_id: str | None = None,
                  after_id: int = 0) -> InboxChanges:
    """One look at the database for the live stream, in one transaction."""
    rows = list_handoffs(session, scope=who.scope)
    if conversation_id is None:
        return InboxChanges(handoffs=rows)
    return InboxChanges(
        handoffs=rows,
        current=visible_handoff(session=session, conversation_id=conversation_id, who=who),
        new_events=tuple(events_after(session=session, conversation_id=conversation_id, after_id=after_id)),
    )
