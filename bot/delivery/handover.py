"""Putting a routing decision in front of its affiliate: delivery rows, response links and the
response window, written in the caller's transaction (the transactional outbox).

Used when an inquiry is submitted, when an affiliate declines, and when a window runs out.
A `now` given may be aware or naive (UTC); by default it is the store's clock (`bot.store.clock`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.delivery.endpoints import EndpointsConfig, targets_for
from bot.delivery.handles import current_handles
from bot.delivery.lifecycle import (
    accept_inquiry,
    create_response_links,
    reassign_inquiry,
    reroute_inquiry,
    set_response_due,
)
from bot.store import DeliveryTarget, enqueue_deliveries, get_inquiry
from bot.store.clock import as_utc

log = logging.getLogger(__name__)

#: Links stay valid a little longer than the window, so an answer on the last day still works.
LINK_GRACE = timedelta(days=1)


def dispatch_decision(
    *,
    session: Session,
    endpoints: EndpointsConfig | None,
    inquiry_id: int,
    decision_id: int,
    affiliate_id: str,
    now: datetime | None = None,
) -> list[str]:
    """Queue the deliveries of a decision and open its response window; returns delivery ids.

    An affiliate without any endpoint gets no delivery and no window: the inquiry stays
    `routed` for staff to see, rather than moving on without anyone having been told.
    """
    now = as_utc(now)
    endpoint = endpoints.for_affiliate(affiliate_id) if endpoints else None
    if endpoint is None:
        log.warning("no delivery endpoint for affiliate %s; inquiry left for staff", affiliate_id)
        return []
    targets = [DeliveryTarget(channel, target) for channel, target in targets_for(endpoints, affiliate_id)]
    if not targets:
        return []
    due = now + timedelta(days=endpoint.response_days)
    set_response_due(session=session, decision_id=decision_id, due_at=due)
    create_response_links(
        session=session, inquiry_id=inquiry_id, decision_id=decision_id, affiliate_id=affiliate_id,
        expires_at=due + LINK_GRACE,
    )
    return enqueue_deliveries(
        session=session, inquiry_id=inquiry_id, decision_id=decision_id, affiliate_id=affiliate_id,
        targets=targets, now=now,
    )


@dataclass(frozen=True)
class Handover:
    """Where an inquiry went after a decline or a missed window."""

    reference: str
    affiliate_id: str | None
    exhausted: bool
    error: str | None = None


def move_on(
    *,
    session: Session,
    endpoints: EndpointsConfig | None,
    reference: str,
    actor: str,
    reason: str,
    now: datetime | None = None,
    decision_id: int | None = None,
) -> Handover:
    """Re-route to the next alternative and deliver it there, in one transaction.

    With `decision_id`, nothing happens unless that decision is still the current one (the
    window ran out, but a decline may have moved the inquiry on in the meantime).
    """
    result = reroute_inquiry(
        session=session, reference=reference, actor=actor, reason=reason, now=now, decision_id=decision_id
    )
    if result.error:
        return Handover(reference, None, False, result.error)
    if result.exhausted or result.affiliate_id is None or result.decision_id is None:
        return Handover(reference, None, True)
    dispatch_decision(
        session=session, endpoints=endpoints, inquiry_id=result.inquiry_id,
        decision_id=result.decision_id, affiliate_id=result.affiliate_id, now=now,
    )
    return Handover(reference, result.affiliate_id, False)


def accept(
    *,
    session: Session,
    reference: str,
    affiliate_id: str,
    actor: str,
    now: datetime | None = None,
) -> bool:
    """Accept on the affiliate's behalf; tell the partner by e-mail when they consented."""
    if not accept_inquiry(session=session, reference=reference, affiliate_id=affiliate_id, actor=actor, now=now):
        return False
    inquiry = get_inquiry(session=session, reference=reference) or {}
    email = (inquiry.get("contact") or {}).get("email")
    if inquiry.get("consent") and email:
        handles = current_handles(session=session, reference=reference)
        assert handles is not None and handles.decision_id is not None
        enqueue_deliveries(
            session=session,
            inquiry_id=handles.inquiry_id,
            decision_id=handles.decision_id,
            affiliate_id=affiliate_id,
            targets=[DeliveryTarget("partner_email", {"to": [email]})],
            event="inquiry.accepted",
            now=now,
        )
    return True


def reassign(
    *,
    session: Session,
    endpoints: EndpointsConfig | None,
    reference: str,
    affiliate_id: str,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> Handover:
    """Staff re-assignment: a new decision for `affiliate_id`, delivered there, in one transaction."""
    result = reassign_inquiry(session=session, reference=reference, affiliate_id=affiliate_id, actor=actor,
                              reason=reason, now=now)
    if result.error or result.decision_id is None:
        return Handover(reference, None, False, result.error)
    dispatch_decision(session=session, endpoints=endpoints, inquiry_id=result.inquiry_id,
                      decision_id=result.decision_id, affiliate_id=affiliate_id, now=now)
    return Handover(reference, affiliate_id, False)
