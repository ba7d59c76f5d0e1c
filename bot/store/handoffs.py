"""Hand-offs to a person (`handoffs`) and who is available to answer them (`console_presence`).

The conversation itself stays in Rasa's tracker (the partner's, the assistant's and the person's
messages, in order); a row here is the hand-off's state:

    waiting ──claim/reply──> with_person ──release──> released (the assistant resumes)
       │                          └───────close───> closed
       └──release/close──> released / closed
    missed: nobody was available when the partner asked; they left a message instead.

Who may answer: staff, and the users of the affiliate the conversation's inquiry was routed to
when the partner asked (`affiliate_id`). Availability is honest: a user counts while their
hand-off inbox is open (a heartbeat at most PRESENCE_SECONDS old) or until the time they
switched themselves on for; nobody else.

Functions take the caller's session (`with factory.begin() as session`) and an aware UTC `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store.tables import console_presence, handoffs, inquiries, routing_decisions, users


class HandoffStatus(str, Enum):
    WAITING = "waiting"
    WITH_PERSON = "with_person"
    RELEASED = "released"
    CLOSED = "closed"
    MISSED = "missed"


#: A hand-off a person can still answer.
OPEN = (HandoffStatus.WAITING.value, HandoffStatus.WITH_PERSON.value)
#: A heartbeat older than this does not count: the inbox sends one every 15 s while it is open.
PRESENCE_SECONDS = 45
#: The longest a user can switch themselves on for at once.
MAX_AVAILABLE_HOURS = 12


class HandoffConflict(ValueError):
    """The hand-off is not in a state that allows this (already closed, claimed by someone else)."""


@dataclass(frozen=True)
class Answerer:
    """Who answers: a console user (id, role, affiliate) or an API token (name, affiliate)."""

    name: str
    user_id: int | None = None
    affiliate_id: str | None = None  # None: staff

    @property
    def scope(self) -> str | None:
        return self.affiliate_id


def _row(row: Any) -> dict[str, Any] | None:
    return dict(row._mapping) if row is not None else None


def open_handoff(session: Session, *, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's hand-off still waiting or with a person, if any."""
    return _row(session.execute(
        select(handoffs).where(handoffs.c.conversation_id == conversation_id, handoffs.c.status.in_(OPEN))
        .order_by(handoffs.c.id.desc()).limit(1)
    ).first())


def latest_handoff(session: Session, *, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's most recent hand-off, whatever its state."""
    return _row(session.execute(
        select(handoffs).where(handoffs.c.conversation_id == conversation_id).order_by(handoffs.c.id.desc()).limit(1)
    ).first())


def open_status(connection: Any, *, conversation_id: str) -> str | None:
    """`waiting` or `with_person` while a person has the conversation, else None (the channels ask
    this for every message: one indexed lookup)."""
    return connection.execute(
        select(handoffs.c.status).where(handoffs.c.conversation_id == conversation_id, handoffs.c.status.in_(OPEN))
        .limit(1)
    ).scalar()


def routed_affiliate(session: Session, *, conversation_id: str) -> str | None:
    """The affiliate the conversation's inquiry is currently routed to, if it has one."""
    return session.execute(
        select(routing_decisions.c.affiliate_id)
        .join(inquiries, inquiries.c.id == routing_decisions.c.inquiry_id)
        .where(inquiries.c.conversation_id == conversation_id, routing_decisions.c.is_current.is_(True))
        .limit(1)
    ).scalar()


def available_people(session: Session, *, affiliate_id: str | None, now: datetime) -> int:
    """How many people could answer now: staff, and `affiliate_id`'s users, who have the inbox
    open or are switched on."""
    present = or_(console_presence.c.last_seen_at >= now - timedelta(seconds=PRESENCE_SECONDS),
                  console_presence.c.available_until > now)
    who = users.c.role == "staff"
    if affiliate_id:
        who = or_(who, and_(users.c.role == "affiliate", users.c.affiliate_id == affiliate_id))
    return int(session.execute(
        select(func.count()).select_from(console_presence.join(users, users.c.id == console_presence.c.user_id))
        .where(present, who, users.c.disabled.is_(False))
    ).scalar_one())


def request_handoff(session: Session, *, conversation_id: str, language: str, now: datetime,
                    live: bool = True) -> tuple[dict[str, Any], bool]:
    """Record that the partner asked for a person: `waiting` when someone is available (and
    `live`: a person's replies can reach the partner), else `missed`; (the hand-off, whether it
    is new). Asking again while one is open returns that one (no second notification)."""
    existing = open_handoff(session, conversation_id=conversation_id)
    if existing is not None:
        return existing, False
    affiliate = routed_affiliate(session, conversation_id=conversation_id)
    available = live and available_people(session, affiliate_id=affiliate, now=now) > 0
    status = HandoffStatus.WAITING if available else HandoffStatus.MISSED
    new_id = session.execute(handoffs.insert().values(
        conversation_id=conversation_id, status=status.value, language=language, affiliate_id=affiliate,
        requested_at=now, ended_at=None if available else now, notify_status="pending", notify_attempts=0,
        notify_next_at=now,
    )).inserted_primary_key[0]
    if not available:
        mark_wants_person(session, conversation_id=conversation_id)
    return _row(session.execute(select(handoffs).where(handoffs.c.id == new_id)).first()) or {}, True


def mark_wants_person(session: Session, *, conversation_id: str) -> int:
    """Mark the conversation's inquiry, if it has one already, as wanting a person."""
    return session.execute(
        update(inquiries).where(inquiries.c.conversation_id == conversation_id).values(wants_person=True)
    ).rowcount or 0


def wanted_person(session: Session, *, conversation_id: str) -> bool:
    """Whether the partner asked for a person in this conversation and nobody was available."""
    return session.execute(
        select(handoffs.c.id).where(handoffs.c.conversation_id == conversation_id,
                                    handoffs.c.status == HandoffStatus.MISSED.value).limit(1)
    ).first() is not None


def may_answer(handoff: dict[str, Any], who: Answerer) -> bool:
    """Staff answer every hand-off; an affiliate's users only those of conversations routed to it."""
    return who.affiliate_id is None or handoff.get("affiliate_id") == who.affiliate_id


def _claimed_by(who: Answerer) -> dict[str, Any]:
    return {"claimed_by": who.user_id, "claimed_by_name": None if who.user_id else who.name[:100]}


def claimed_by_them(handoff: dict[str, Any], who: Answerer) -> bool:
    """Whether `who` is the one who claimed the hand-off (a console user by id, an API client by name)."""
    if who.user_id is not None:
        return bool(handoff.get("claimed_by") == who.user_id)
    return handoff.get("claimed_by") is None and handoff.get("claimed_by_name") == who.name[:100]


def claim(session: Session, *, conversation_id: str, who: Answerer, now: datetime) -> dict[str, Any]:
    """Take a waiting hand-off. The first to claim has it; claiming one already yours is a no-op,
    one someone else has is a HandoffConflict (two people never answer the partner at once)."""
    handoff = open_handoff(session, conversation_id=conversation_id)
    if handoff is None or not may_answer(handoff, who):
        raise HandoffConflict("no open hand-off in this conversation")
    if handoff["status"] == HandoffStatus.WITH_PERSON.value:
        if not claimed_by_them(handoff, who):
            raise HandoffConflict("someone else has claimed this hand-off")
        return handoff
    taken = session.execute(
        update(handoffs).where(handoffs.c.id == handoff["id"], handoffs.c.status == HandoffStatus.WAITING.value)
        .values(status=HandoffStatus.WITH_PERSON.value, claimed_at=now, **_claimed_by(who))
    ).rowcount
    if not taken:  # someone else claimed it between the read and the update
        raise HandoffConflict("this hand-off was just claimed by someone else")
    return {**handoff, "status": HandoffStatus.WITH_PERSON.value, "claimed_at": now, **_claimed_by(who)}


def record_reply(session: Session, *, conversation_id: str, who: Answerer, now: datetime) -> tuple[dict[str, Any], bool]:
    """A person replies: the hand-off is claimed if it was waiting; (hand-off, whether it was
    claimed now). The first reply's time is kept for the dashboard."""
    handoff = open_handoff(session, conversation_id=conversation_id)
    if handoff is None or not may_answer(handoff, who):
        raise HandoffConflict("no open hand-off in this conversation")
    claimed_now = handoff["status"] == HandoffStatus.WAITING.value
    if claimed_now:
        handoff = claim(session, conversation_id=conversation_id, who=who, now=now)
    if handoff.get("first_reply_at") is None:
        session.execute(update(handoffs).where(handoffs.c.id == handoff["id"], handoffs.c.first_reply_at.is_(None))
                        .values(first_reply_at=now))
        handoff = {**handoff, "first_reply_at": now}
    return handoff, claimed_now


def end_handoff(session: Session, *, conversation_id: str, status: HandoffStatus, now: datetime,
                who: Answerer | None = None) -> dict[str, Any]:
    """Hand the conversation back to the assistant (`released`), close it (`closed`), or record
    that nobody picked it up (`missed`). `who`: the person ending it (None: the system)."""
    if status not in (HandoffStatus.RELEASED, HandoffStatus.CLOSED, HandoffStatus.MISSED):
        raise ValueError(f"a hand-off ends released, closed or missed, not {status.value}")
    handoff = open_handoff(session, conversation_id=conversation_id)
    if handoff is None or (who is not None and not may_answer(handoff, who)):
        raise HandoffConflict("no open hand-off in this conversation")
    ended = session.execute(
        update(handoffs).where(handoffs.c.id == handoff["id"], handoffs.c.status.in_(OPEN))
        .values(status=status.value, ended_at=now)
    ).rowcount
    if not ended:
        raise HandoffConflict("this hand-off has just ended")
    if status is HandoffStatus.MISSED:
        mark_wants_person(session, conversation_id=conversation_id)
    return {**handoff, "status": status.value, "ended_at": now}


def list_handoffs(session: Session, *, scope: str | None, statuses: tuple[str, ...] = OPEN,
                  limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Hand-offs in `statuses` that `scope` may answer (None: staff, all), newest first, with the
    claimer's e-mail for console users."""
    stmt = (select(handoffs, users.c.email.label("claimed_by_email"))
            .select_from(handoffs.outerjoin(users, users.c.id == handoffs.c.claimed_by))
            .where(handoffs.c.status.in_(statuses)))
    if scope is not None:
        stmt = stmt.where(handoffs.c.affiliate_id == scope)
    stmt = stmt.order_by(handoffs.c.requested_at.desc(), handoffs.c.id.desc()).limit(limit).offset(offset)
    return [dict(row._mapping) for row in session.execute(stmt)]


# --- availability ---------------------------------------------------------------------------

def _upsert_presence(session: Session, user_id: int, values: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    make = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = make(console_presence).values(user_id=user_id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))


def heartbeat(session: Session, *, user_id: int, now: datetime) -> None:
    """The user has the hand-off inbox open now."""
    _upsert_presence(session, user_id, {"last_seen_at": now})


def leave(session: Session, *, user_id: int) -> None:
    """The user closed the inbox: their heartbeat no longer counts (a switch-on still does)."""
    _upsert_presence(session, user_id, {"last_seen_at": None})


def switch_availability(session: Session, *, user_id: int, hours: float, now: datetime) -> datetime | None:
    """Switch the user on for `hours` (at most MAX_AVAILABLE_HOURS), or off with 0; the end time."""
    until = now + timedelta(hours=min(hours, MAX_AVAILABLE_HOURS)) if hours > 0 else None
    _upsert_presence(session, user_id, {"available_until": until})
    return until


def presence_of(session: Session, *, user_id: int, now: datetime) -> dict[str, Any]:
    """{available, available_until, inbox_open} of one user."""
    row = session.execute(select(console_presence).where(console_presence.c.user_id == user_id)).first()
    until = row.available_until if row is not None and row.available_until and row.available_until > now else None
    seen = row.last_seen_at if row is not None else None
    inbox_open = bool(seen and seen >= now - timedelta(seconds=PRESENCE_SECONDS))
    return {"available": inbox_open or until is not None, "available_until": until, "inbox_open": inbox_open}


# --- staff notification (the delivery worker) ----------------------------------------------

def due_notifications(session: Session, *, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
    """Hand-off requests whose staff notification is due."""
    return [dict(row._mapping) for row in session.execute(
        select(handoffs).where(handoffs.c.notify_status == "pending", handoffs.c.notify_next_at <= now)
        .order_by(handoffs.c.id).limit(limit)
    )]


def claim_notifications(session: Session, *, now: datetime, lease_seconds: float = 120.0,
                        limit: int = 20) -> list[dict[str, Any]]:
    """The due notifications, each leased for `lease_seconds` (its `notify_next_at` moved on) so
    that no other worker sends it meanwhile and a killed worker's come back, with the
    conversation's inquiry reference (`inquiry_reference`, None without an inquiry)."""
    claimed = []
    for row in due_notifications(session, now=now, limit=limit):
        taken = session.execute(
            update(handoffs).where(handoffs.c.id == row["id"], handoffs.c.notify_status == "pending",
                                   handoffs.c.notify_next_at <= now)
            .values(notify_next_at=now + timedelta(seconds=lease_seconds))
        ).rowcount
        if not taken:  # another worker has just leased it
            continue
        row["inquiry_reference"] = session.execute(
            select(inquiries.c.reference).where(inquiries.c.conversation_id == row["conversation_id"]).limit(1)
        ).scalar()
        claimed.append(row)
    return claimed


def record_notification(session: Session, *, handoff_id: int, error: str | None, now: datetime,
                        max_attempts: int = 8) -> str:
    """The outcome of one notification attempt: `sent`, retried later with back-off, or `dead`."""
    attempts = int(session.execute(select(handoffs.c.notify_attempts).where(handoffs.c.id == handoff_id))
                   .scalar() or 0) + 1
    if error is None:
        status, next_at = "sent", now
    elif attempts >= max_attempts:
        status, next_at = "dead", now
    else:
        status, next_at = "pending", now + timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
    session.execute(update(handoffs).where(handoffs.c.id == handoff_id).values(
        notify_status=status, notify_attempts=attempts, notify_next_at=next_at, notify_error=error))
    return status


def unclaimed(session: Session, *, now: datetime, wait_minutes: int, limit: int = 50) -> list[str]:
    """Conversations whose partner has waited `wait_minutes` for a person and nobody claimed."""
    return list(session.execute(
        select(handoffs.c.conversation_id).where(
            handoffs.c.status == HandoffStatus.WAITING.value,
            handoffs.c.requested_at <= now - timedelta(minutes=wait_minutes))
        .order_by(handoffs.c.requested_at).limit(limit)
    ).scalars())
