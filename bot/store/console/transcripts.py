"""Conversations read from Rasa's `events` table, with the inquiry each became (if any).

Staff see every conversation, the abandoned ones too; an affiliate's user only those whose
inquiry was ever routed to their affiliate.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, exists, func, inspect, select
from sqlalchemy.orm import Session

from bot.intake.model import Status
from bot.staff.transcript import (
    MESSAGE_KINDS,
    conversation_outcome,
    conversation_state,
    conversation_status,
    turns,
)
from bot.store.clock import iso_utc, utcnow
from bot.store.handoffs import OPEN, latest_handoff, list_handoffs
from bot.store.queries import visible_to
from bot.store.rasa_events import events
from bot.store.tables import handoffs, inquiries, review_flags

PAGE_SIZE = 50
OUTCOMES = ("inquiry", "abandoned", "deflected")


@dataclass(frozen=True)
class ConversationFilters:
    outcome: str | None = None
    with_fallbacks: bool = False
    #: Only conversations with a flagged message not yet exported (bot/store/review.py).
    unexported_flags: bool = False
    page: int = 1


def list_conversations(*, session: Session, filters: ConversationFilters, scope: str | None,
                       page_size: int = PAGE_SIZE) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of conversations), most recent activity first."""
    stats = (
        select(
            events.c.sender_id,
            func.min(events.c.timestamp).label("started"),
            func.max(events.c.timestamp).label("last"),
            func.sum(case((events.c.type_name == "user", 1), else_=0)).label("messages"),
            func.sum(case((events.c.intent_name == "nlu_fallback", 1), else_=0)).label("fallbacks"),
        )
        .group_by(events.c.sender_id)
        .subquery()
    )
    stmt = select(stats, inquiries.c.reference, inquiries.c.status, inquiries.c.language).select_from(
        stats.outerjoin(inquiries, inquiries.c.conversation_id == stats.c.sender_id))
    if scope is not None:
        stmt = stmt.where(inquiries.c.id.isnot(None), visible_to(scope))
    if filters.outcome == "inquiry":
        stmt = stmt.where(inquiries.c.id.isnot(None), inquiries.c.status != Status.DEFLECTED.value)
    elif filters.outcome == "abandoned":
        stmt = stmt.where(inquiries.c.id.is_(None))
    elif filters.outcome == "deflected":
        stmt = stmt.where(inquiries.c.status == Status.DEFLECTED.value)
    if filters.with_fallbacks:
        stmt = stmt.where(stats.c.fallbacks > 0)
    if filters.unexported_flags:
        stmt = stmt.where(exists(select(review_flags.c.id).where(
            review_flags.c.conversation_id == stats.c.sender_id, review_flags.c.exported_at.is_(None))))
    # The total comes with the page (a window count): grouping 500,000 events once, not twice,
    # halves the page's time. Past the last page there are no rows to carry it: counted apart.
    page = (stmt.add_columns(func.count().over().label("total_rows")).order_by(stats.c.last.desc())
            .limit(page_size).offset((max(filters.page, 1) - 1) * page_size))
    rows = [dict(row._mapping) for row in session.execute(page)]
    total = rows[0]["total_rows"] if rows else (
        session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one() if filters.page > 1 else 0)
    for row in rows:
        del row["total_rows"]
    for row in rows:
        row["last_question"] = None if row["reference"] else last_question(session=session, sender_id=row["sender_id"])
    return int(total), rows


def last_question(*, session: Session, sender_id: str) -> str | None:
    """The question an abandoned conversation stopped at (its last `requested_slot`)."""
    data = session.execute(
        select(events.c.data).where(events.c.sender_id == sender_id, events.c.type_name == "slot",
                                    events.c.data.like('%"requested_slot"%'))
        .order_by(events.c.id.desc()).limit(1)
    ).scalar()
    if not data:
        return None
    try:
        return json.loads(data).get("value")
    except ValueError:
        return None


def conversation(*, session: Session, sender_id: str, scope: str | None) -> dict[str, Any] | None:
    """The conversation's events (id, data) in order and its inquiry; None if unknown or not visible."""
    inquiry = session.execute(
        select(inquiries.c.id, inquiries.c.reference, inquiries.c.status, inquiries.c.consent)
        .where(inquiries.c.conversation_id == sender_id, visible_to(scope))
    ).first()
    if scope is not None and inquiry is None:
        return None
    rows = session.execute(select(events.c.id, events.c.data).where(events.c.sender_id == sender_id)
                           .order_by(events.c.id)).all()
    if not rows:
        return None
    return {"sender_id": sender_id, "inquiry": dict(inquiry._mapping) if inquiry else None,
            "events": [(row.id, row.data) for row in rows]}


def conversation_view(*, session: Session, conversation_id: str, scope: str | None,
                      now: datetime | None = None) -> dict[str, Any] | None:
    """The JSON API's conversation (DESIGN.md): where it stands, its messages and its inquiry;
    None when unknown or not visible to `scope`. Contact answers only with the partner's consent."""
    found = conversation(session=session, sender_id=conversation_id, scope=scope)
    if found is None:
        return None
    inquiry = found["inquiry"] or {}
    state = conversation_state(found["events"], show_contacts=bool(inquiry.get("consent")))
    outcome = state.outcome(inquiry_status=inquiry.get("status"), now=now or utcnow())
    handoff = latest_handoff(session, conversation_id=conversation_id)
    return {
        "conversation_id": conversation_id,
        "status": conversation_status(handoff=handoff, outcome=outcome, last_event_at=state.last_event_at),
        "outcome": outcome,
        "handoff": handoff_json(handoff),
        "language": state.language,
        "active_form": state.active_form,
        "requested_slot": state.requested_slot,
        "latest_intent": state.latest_intent,
        "started_at": iso_utc(state.started_at) if state.started_at else None,
        "last_event_at": iso_utc(state.last_event_at) if state.last_event_at else None,
        "inquiry_reference": inquiry.get("reference"),
        "messages": [{**m, "at": iso_utc(m["at"])} for m in state.messages],
    }


def handoff_json(handoff: dict[str, Any] | None) -> dict[str, Any] | None:
    """A hand-off as the JSON API shows it (no notification bookkeeping)."""
    if handoff is None:
        return None
    stamps = ("requested_at", "claimed_at", "first_reply_at", "ended_at")
    return {"status": handoff["status"], "language": handoff["language"], "affiliate_id": handoff["affiliate_id"],
            **{name: iso_utc(handoff[name]) if handoff.get(name) else None for name in stamps}}


def conversation_ids(*, session: Session, status: str | None, outcome: str | None, scope: str | None, limit: int,
                     offset: int, now: datetime | None = None, unexported_flags: bool = False) -> list[dict[str, Any]]:
    """Conversations, newest first, as {conversation_id, status, outcome, inquiry_reference,
    started_at, last_event_at, handoff}; `status` one of CONVERSATION_STATUSES and `outcome`
    one of CONVERSATION_OUTCOMES (bot.staff.transcript). Waiting and with_person conversations
    are those of open hand-offs that `scope` may answer, most recently requested first."""
    now = now or utcnow()
    if status in OPEN:
        waiting = list_handoffs(session, scope=scope, statuses=(status,), limit=limit, offset=offset)
        # Rasa makes its `events` table when it first starts: a console may be up before that.
        tracked = inspect(session.connection()).has_table(events.name)
        found = [_handoff_row(session, handoff, now=now, tracked=tracked) for handoff in waiting]
        return [row for row in found if outcome is None or row["outcome"] == outcome]
    wanted = {"inquiry": "inquiry", "deflected": "deflected", "abandoned": "abandoned", "active": "abandoned"}
    filters = ConversationFilters(outcome=wanted.get(outcome or ""), unexported_flags=unexported_flags, page=1)
    _, rows = list_conversations(session=session, filters=filters, scope=scope, page_size=offset + limit)
    latest = _latest_handoffs(session, [row["sender_id"] for row in rows[offset:]])
    out = []
    for row in rows[offset:]:
        last = datetime.fromtimestamp(float(row["last"]), tz=timezone.utc)
        became = conversation_outcome(inquiry_status=row["status"] if row["reference"] else None,
                                      last_event_at=last, now=now)
        handoff = latest.get(row["sender_id"])
        state = conversation_status(handoff=handoff, outcome=became, last_event_at=last)
        if (status and state != status) or (outcome and became != outcome):
            continue
        out.append({"conversation_id": row["sender_id"], "status": state, "outcome": became,
                    "inquiry_reference": row["reference"],
                    "started_at": iso_utc(datetime.fromtimestamp(float(row["started"]), tz=timezone.utc)),
                    "last_event_at": iso_utc(last), "handoff": handoff_json(handoff)})
    return out


def _latest_handoffs(session: Session, conversation_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The latest hand-off of each of these conversations (one query)."""
    if not conversation_ids:
        return {}
    rows = session.execute(select(handoffs).where(handoffs.c.conversation_id.in_(conversation_ids))
                           .order_by(handoffs.c.id)).all()
    return {row.conversation_id: dict(row._mapping) for row in rows}


def _handoff_row(session: Session, handoff: dict[str, Any], *, now: datetime, tracked: bool) -> dict[str, Any]:
    """A conversation of the hand-off list in the shape of `conversation_ids`."""
    conversation_id = handoff["conversation_id"]
    stats = session.execute(
        select(func.min(events.c.timestamp), func.max(events.c.timestamp)).where(events.c.sender_id == conversation_id)
    ).one() if tracked else (None, None)
    inquiry = session.execute(select(inquiries.c.reference, inquiries.c.status)
                              .where(inquiries.c.conversation_id == conversation_id)).first()
    last = datetime.fromtimestamp(float(stats[1]), tz=timezone.utc) if stats[1] is not None else None
    started = datetime.fromtimestamp(float(stats[0]), tz=timezone.utc) if stats[0] is not None else None
    return {"conversation_id": conversation_id, "status": handoff["status"],
            "outcome": conversation_outcome(inquiry_status=inquiry.status if inquiry else None,
                                            last_event_at=last, now=now),
            "inquiry_reference": inquiry.reference if inquiry else None,
            "started_at": iso_utc(started) if started else None, "last_event_at": iso_utc(last) if last else None,
            "handoff": handoff_json(handoff)}




def delivered_transcript(*, session: Session, conversation_id: str, consent: bool) -> list[dict[str, Any]]:
    """The partner's and the assistant's messages in order, as the console's transcript reads
    them (contact answers only with `consent`), for the affiliate of a partner who asked for a
    person in vain: [{at (ISO 8601 UTC), from (partner|bot|person, as the JSON API), text}]. Empty when Rasa's
    tracker store is not in this database (no `events` table) or has nothing of the conversation."""
    if not inspect(session.connection()).has_table(events.name):
        return []
    rows = session.execute(select(events.c.id, events.c.data).where(events.c.sender_id == conversation_id)
                           .order_by(events.c.id)).all()
    # People read it: button clicks as the buttons' titles (the JSON API keeps the payloads).
    said = [t for t in turns([(row.id, row.data) for row in rows], show_contacts=consent) if t.kind in MESSAGE_KINDS]
    return [{"at": iso_utc(t.at), "from": t.kind, "text": t.text} for t in said]
