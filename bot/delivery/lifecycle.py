"""An inquiry after routing: response links, accepted by its affiliate, or moved on to the next
alternative when it declines or its response window runs out.

Keyword-only functions in the caller's transaction. Each one first locks the inquiry row
(`FOR UPDATE` on PostgreSQL; SQLite's write transactions are serial already), so an accept and a
re-route of the same inquiry, say a decline link and the response-window timer, never interleave.
Every change is written to the status history with who and why. A `now` given may be aware or
naive (UTC), as everywhere in the store (`bot.store.clock`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.intake.closing import NOT_CLOSABLE, CloseReason
from bot.intake.model import Status
from bot.routing import fallback_affiliate
from bot.store.clock import as_utc
from bot.store.decisions import CURRENT_DECISION, IS_CURRENT
from bot.store.names import canonical_reference
from bot.store.outbox import cancel_deliveries
from bot.store.tables import inquiries, response_links, routing_decisions, status_history

log = logging.getLogger(__name__)

LINK_ACTIONS = ("accept", "decline")
ROUTED, ACCEPTED, DECLINED = Status.ROUTED.value, Status.ACCEPTED.value, Status.DECLINED.value
CLOSED = Status.CLOSED.value
rd = routing_decisions
#: The rules of the decisions written here (the router's are in data/routing.yml).
REROUTE_RULE, STAFF_RULE = "reroute", "manual:staff"

#: What the lifecycle writes as a decision's reasons and in the status history (English, the
#: record; the one place of their wording). The console shows them in its viewer's language by
#: these shapes (integrations/console/recorded.py). {affiliate}/{previous}: affiliate ids;
#: {actor}: who (staff:<e-mail>, affiliate:<id>...); {reason}/{note}: text a person typed (or one
#: of CANNED); {close_reason}: a CloseReason value; {original}: an inquiry's reference.
REASONS: dict[str, str] = {
    "accepted": "accepted by {affiliate}",
    "declined": "{affiliate} declined or did not answer",
    "declined_why": "{affiliate} declined or did not answer: {reason}",
    "stays": "no alternative left; stays with {affiliate}",
    "next": "{affiliate} is the next alternative after {previous}.",
    "rerouted": "re-routed to {affiliate}",
    "reassigned_by": "Re-assigned by {actor}: {reason}",
    "reassigned_to": "re-assigned to {affiliate}: {reason}",
    "closed": "{close_reason}",
    "closed_note": "{close_reason}: {note}",
    "duplicate": "{close_reason} of {original}",
    "duplicate_note": "{close_reason} of {original}: {note}",
}
#: Reasons given for a person when none was typed: the response window ran out (the delivery
#: worker), an affiliate declined by its link without saying why (the console).
TIMED_OUT = "no answer within the response window"
NO_REASON_GIVEN = "declined without a reason"
CANNED = (TIMED_OUT, NO_REASON_GIVEN)
#: Who the status history and the erasure audit name for what the delivery worker did on its own
#: (a response window ran out, a retention purge).
WORKER = "delivery-worker"


@dataclass(frozen=True)
class RerouteResult:
    """Where a re-route went. `exhausted`: no alternative was left (the inquiry stays where it
    was). `error` ('not_routed', 'superseded') when nothing was done; None otherwise."""

    affiliate_id: str | None
    decision_id: int | None
    inquiry_id: int
    exhausted: bool
    error: str | None = None


@dataclass(frozen=True)
class OverdueDecision:
    """A current decision whose affiliate has not answered within its window."""

    reference: str
    decision_id: int
    affiliate_id: str


@dataclass(frozen=True)
class LinkUse:
    """The outcome of using a response link; `error` is None when it was used now, else one of
    unknown, used, expired, superseded (for an unknown token the other fields are empty)."""

    error: str | None
    reference: str = ""
    inquiry_id: int = 0
    decision_id: int = 0
    affiliate_id: str = ""
    action: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def create_response_links(
    *,
    session: Session,
    inquiry_id: int,
    decision_id: int,
    affiliate_id: str,
    expires_at: datetime,
    now: datetime | None = None,
) -> dict[str, str]:
    """Store an accept and a decline link for a decision: {'accept': token_id, 'decline': token_id}."""
    tokens = {action: secrets.token_urlsafe(24) for action in LINK_ACTIONS}
    values = {"inquiry_id": inquiry_id, "decision_id": decision_id, "affiliate_id": affiliate_id,
              "expires_at": as_utc(expires_at), "created_at": as_utc(now)}
    session.execute(insert(response_links), [{"id": t, "action": a, **values} for a, t in tokens.items()])
    return tokens


def use_response_link(*, session: Session, token_id: str, now: datetime | None = None) -> LinkUse:
    """Use a link once: it must be unused, unexpired, and of the inquiry's current decision while
    the inquiry is still `routed`. Using one link of a decision uses its sibling too (one answer)."""
    now = as_utc(now)
    link = session.execute(select(response_links).where(response_links.c.id == token_id)).first()
    if link is None:
        return LinkUse("unknown")
    inquiry = session.execute(  # lock the inquiry: a concurrent re-route or accept waits or is seen
        select(inquiries.c.reference, inquiries.c.status).where(inquiries.c.id == link.inquiry_id).with_for_update()
    ).one()
    current = session.scalar(select(rd.c.is_current).where(rd.c.id == link.decision_id))

    def outcome(error: str | None) -> LinkUse:
        return LinkUse(error, inquiry.reference, link.inquiry_id, link.decision_id, link.affiliate_id, link.action)

    if link.used_at is not None:
        return outcome("used")
    if not current or inquiry.status != ROUTED:
        return outcome("superseded")
    if link.expires_at <= now:
        return outcome("expired")
    used = session.execute(
        update(response_links)
        .where(response_links.c.id == token_id, response_links.c.used_at.is_(None), response_links.c.expires_at > now)
        .values(used_at=now)
    )
    if not used.rowcount:
        return outcome("used")
    session.execute(
        update(response_links)
        .where(response_links.c.decision_id == link.decision_id, response_links.c.used_at.is_(None))
        .values(used_at=now)
    )
    log.info("response link used: %s %s for inquiry %s", link.affiliate_id, link.action, inquiry.reference)
    return outcome(None)


def accept_inquiry(
    *,
    session: Session,
    reference: str,
    affiliate_id: str,
    actor: str,
    now: datetime | None = None,
    decision_id: int | None = None,
) -> bool:
    """Mark a `routed` inquiry `accepted` by the affiliate of its current decision (and, when
    `decision_id` is given, only while that decision is current). True also when this affiliate
    had already accepted it; False when unknown, not routed, or not this affiliate's."""
    inquiry = _lock(session, reference)
    if inquiry is None:
        return False
    current = _current(session, inquiry.id)
    if current is None or current.affiliate_id != affiliate_id:
        return False
    if decision_id is not None and current.id != decision_id:
        return False
    if inquiry.status == ACCEPTED:
        return True
    if inquiry.status != ROUTED:
        return False
    now = as_utc(now)
    session.execute(update(inquiries).where(inquiries.c.id == inquiry.id).values(status=ACCEPTED))
    _history(session, inquiry.id, ROUTED, ACCEPTED, actor, REASONS["accepted"].format(affiliate=affiliate_id), now)
    log.info("inquiry %s accepted by %s", inquiry.reference, affiliate_id)
    return True


def reroute_inquiry(
    *,
    session: Session,
    reference: str,
    actor: str,
    reason: str,
    now: datetime | None = None,
    decision_id: int | None = None,
    last_resort: str | None = None,
) -> RerouteResult:
    """Move a `routed` inquiry to the next alternative of its current decision.

    Records `declined` (who, why) and back to `routed`, writes the new current decision (rule
    'reroute') and cancels the pending deliveries of the old one; the caller queues those of the
    new one in the same transaction. Alternatives already tried are skipped and the last resort
    (`last_resort`, default the routing rules' `fallback_affiliate`) always comes last; when the
    current affiliate is the last resort the decline is recorded, the
    inquiry stays there and its response window is closed (`exhausted`). With
    `decision_id`, nothing happens unless that decision is still the current one.
    Raises LookupError for an unknown reference.
    """
    inquiry = _lock(session, reference)
    if inquiry is None:
        raise LookupError("no inquiry with this reference")
    current = _current(session, inquiry.id)
    if inquiry.status != ROUTED or current is None:
        return RerouteResult(None, None, inquiry.id, False, "not_routed")
    if decision_id is not None and current.id != decision_id:
        return RerouteResult(None, None, inquiry.id, False, "superseded")
    now = as_utc(now)
    last_resort = last_resort or fallback_affiliate()
    previous = current.affiliate_id
    why = REASONS["declined_why" if reason else "declined"].format(affiliate=previous, reason=reason)
    _history(session, inquiry.id, ROUTED, DECLINED, actor, why, now)
    if previous == last_resort:
        _history(session, inquiry.id, DECLINED, ROUTED, actor, REASONS["stays"].format(affiliate=previous), now)
        session.execute(update(rd).where(rd.c.id == current.id).values(response_due_at=None))
        log.info("inquiry %s: %s declined or timed out, no alternative left", inquiry.reference, previous)
        return RerouteResult(None, None, inquiry.id, True)
    candidates = _candidates(session, inquiry.id, list(current.alternatives or []), last_resort)
    target, remaining = candidates[0], candidates[1:]
    new_id, cancelled = _replace_decision(
        session, inquiry.id, current, affiliate_id=target, rule=REROUTE_RULE,
        reasons=[why, REASONS["next"].format(affiliate=target, previous=previous)], alternatives=remaining, now=now,
    )
    _history(session, inquiry.id, DECLINED, ROUTED, actor, REASONS["rerouted"].format(affiliate=target), now)
    log.info("inquiry %s: %s -> %s (%d deliveries cancelled)", inquiry.reference, previous, target, cancelled)
    return RerouteResult(target, new_id, inquiry.id, False)


def reassign_inquiry(
    *, session: Session, reference: str, affiliate_id: str, actor: str, reason: str, now: datetime | None = None
) -> RerouteResult:
    """Staff move an inquiry to `affiliate_id` (rule 'manual:staff', the reason recorded).

    The old decision stops being current and its pending deliveries are cancelled; the inquiry
    is `routed` again; the caller queues the new decision's deliveries in the same transaction.
    Errors: 'closed' (deflected or closed inquiries stay put), 'same_affiliate'.
    Raises LookupError for an unknown reference.
    """
    inquiry = _lock(session, reference)
    if inquiry is None:
        raise LookupError("no inquiry with this reference")
    if inquiry.status in (Status.DEFLECTED.value, Status.CLOSED.value):
        return RerouteResult(None, None, inquiry.id, False, "closed")
    current = _current(session, inquiry.id)
    if current is not None and current.affiliate_id == affiliate_id:
        return RerouteResult(None, None, inquiry.id, False, "same_affiliate")
    now = as_utc(now)
    alternatives = [a for a in (current.alternatives or []) if a != affiliate_id] if current is not None else []
    new_id, _ = _replace_decision(
        session, inquiry.id, current, affiliate_id=affiliate_id, rule=STAFF_RULE,
        reasons=[REASONS["reassigned_by"].format(actor=actor, reason=reason)], alternatives=alternatives, now=now,
    )
    session.execute(update(inquiries).where(inquiries.c.id == inquiry.id).values(status=ROUTED))
    why = REASONS["reassigned_to"].format(affiliate=affiliate_id, reason=reason)
    _history(session, inquiry.id, inquiry.status, ROUTED, actor, why, now)
    log.info("inquiry %s re-assigned to %s by staff", inquiry.reference, affiliate_id)
    return RerouteResult(affiliate_id, new_id, inquiry.id, False)


def set_response_due(*, session: Session, decision_id: int, due_at: datetime | None) -> bool:
    """Set (or clear, with None) when the decision's affiliate must have answered; False if unknown."""
    due = None if due_at is None else as_utc(due_at)
    result = session.execute(update(rd).where(rd.c.id == decision_id).values(response_due_at=due))
    return bool(result.rowcount)


def overdue_decisions(*, session: Session, now: datetime | None = None, limit: int = 100) -> list[OverdueDecision]:
    """Current decisions of inquiries still `routed` whose response window ended before `now`,
    the longest overdue first."""
    rows = session.execute(
        select(inquiries.c.reference, rd.c.id, rd.c.affiliate_id)
        .join(inquiries, CURRENT_DECISION)
        .where(inquiries.c.status == ROUTED, rd.c.response_due_at < as_utc(now))
        .order_by(rd.c.response_due_at, rd.c.id)
        .limit(limit)
    ).all()
    return [OverdueDecision(row.reference, row.id, row.affiliate_id) for row in rows]


def _replace_decision(
    session: Session, inquiry_id: int, current: Any, *, affiliate_id: str, rule: str, reasons: list[str],
    alternatives: list[str], now: datetime,
) -> tuple[int, int]:
    """Make a new decision current in place of `current` (if any), whose pending deliveries are
    cancelled; returns (the new decision's id, deliveries cancelled)."""
    cancelled = 0
    if current is not None:
        session.execute(update(rd).where(rd.c.id == current.id).values(is_current=False))
        cancelled = cancel_deliveries(session=session, decision_id=current.id)
    new_id = session.execute(
        insert(rd).values(
            inquiry_id=inquiry_id, affiliate_id=affiliate_id, rule=rule, reasons=reasons,
            alternatives=alternatives, wikimedia_region=current.wikimedia_region if current is not None else None,
            created_at=now, is_current=True,
        )
    ).inserted_primary_key[0]
    return new_id, cancelled


def _lock(session: Session, reference: str) -> Any:
    return session.execute(
        select(inquiries.c.id, inquiries.c.reference, inquiries.c.status)
        .where(inquiries.c.reference == canonical_reference(reference))
        .with_for_update()
    ).first()


def _current(session: Session, inquiry_id: int) -> Any:
    return session.execute(
        select(rd).where(rd.c.inquiry_id == inquiry_id, IS_CURRENT).order_by(rd.c.id.desc())
    ).first()


def _candidates(session: Session, inquiry_id: int, alternatives: list[str], last_resort: str) -> list[str]:
    tried = set(session.scalars(select(rd.c.affiliate_id).where(rd.c.inquiry_id == inquiry_id)))
    return candidates_after(alternatives, tried=tried, last_resort=last_resort)


def candidates_after(alternatives: Sequence[str], *, tried: Collection[str], last_resort: str) -> list[str]:
    """Where a decline or a missed window sends an inquiry, in order: the alternatives not yet
    tried, always ending with the last resort (the first one is where it goes next). A decline by
    the last resort itself keeps the inquiry there (`reroute_inquiry`)."""
    return [a for a in dict.fromkeys(alternatives) if a not in tried and a != last_resort] + [last_resort]


def after_decline(
    decisions: Sequence[Mapping[str, Any]], affiliate_id: str, *, last_resort: str | None = None
) -> tuple[str, str | None]:
    """Where `affiliate_id`'s decline sends (or sent) the inquiry, from the decisions up to its own
    last one, oldest first (what bot.staff.affiliate_view lets it see; each with `affiliate_id`
    and `alternatives`): ("stays", None) when it is the last resort itself, ("fallback", the last
    resort's id), or ("next", the next alternative's id)."""
    own = [d for d in decisions if d["affiliate_id"] == affiliate_id]
    last_resort = last_resort or fallback_affiliate()
    if not own or affiliate_id == last_resort:
        return "stays", None
    going = candidates_after(own[-1].get("alternatives") or [], tried={d["affiliate_id"] for d in decisions},
                             last_resort=last_resort)[0]
    return ("fallback" if going == last_resort else "next"), going


def _history(
    session: Session, inquiry_id: int, from_status: str, to_status: str, actor: str, reason: str, now: datetime
) -> None:
    session.execute(
        insert(status_history).values(
            inquiry_id=inquiry_id, from_status=from_status, to_status=to_status,
            actor=actor[:100], reason=reason, created_at=now,
        )
    )


@dataclass(frozen=True)
class Closing:
    """The outcome of `close_inquiry`: `error` None when closed now, else one of not_closable,
    no_original (the duplicate's original does not exist or is the inquiry itself)."""

    error: str | None
    inquiry_id: int = 0


def close_inquiry(
    *, session: Session, reference: str, reason: CloseReason, actor: str, duplicate_of: str | None = None,
    note: str | None = None, now: datetime | None = None,
) -> Closing:
    """Close an inquiry with `reason`, recorded in the status history (who, why).

    Closing ends whatever still waited on an affiliate: the current decision's response window
    (so that no timer moves it on) and, while it was `routed`, the deliveries not yet sent (an
    accepted inquiry's e-mail to the partner still goes). A duplicate names its original
    by reference (`duplicate_of`), which must exist. Raises LookupError for an unknown reference.
    """
    inquiry = _lock(session, reference)
    if inquiry is None:
        raise LookupError("no inquiry with this reference")
    if inquiry.status in NOT_CLOSABLE:
        return Closing("not_closable", inquiry.id)
    original = None
    if reason is CloseReason.DUPLICATE:
        original = session.scalar(select(inquiries.c.reference).where(
            inquiries.c.reference == canonical_reference(duplicate_of or ""), inquiries.c.id != inquiry.id))
        if original is None:
            return Closing("no_original", inquiry.id)
    now = as_utc(now)
    current = _current(session, inquiry.id)
    if current is not None:
        session.execute(update(rd).where(rd.c.id == current.id).values(response_due_at=None))
        if inquiry.status == ROUTED:
            cancel_deliveries(session=session, decision_id=current.id)
    session.execute(update(inquiries).where(inquiries.c.id == inquiry.id).values(
        status=CLOSED, closed_reason=reason.value, duplicate_of=original))
    said = ("duplicate" if original else "closed") + ("_note" if note else "")
    why = REASONS[said].format(close_reason=reason.value, original=original, note=note)
    _history(session, inquiry.id, inquiry.status, CLOSED, actor, why, now)
    log.info("inquiry %s closed (%s)", inquiry.reference, reason.value)
    return Closing(None, inquiry.id)
