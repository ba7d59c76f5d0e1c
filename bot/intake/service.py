"""The intake service: slots -> Inquiry -> qualify + route -> one transaction in the store.

Actions call these functions; they hold no Rasa code so they are tested directly. `submit`
answers with a `Submission` made of what it has just qualified, routed and stored; only a
conversation that was submitted before is read back from the store, because what was stored
then (and where the inquiry went since) is what the partner must hear again.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker as SessionMaker

from bot.delivery.endpoints import EndpointsConfig
from bot.delivery.handover import dispatch_decision
from bot.intake.client_cap import held_reason, is_client_hash
from bot.intake.model import Inquiry, Qualification, Status, Tier, qualify
from bot.intake.slots import language_of
from bot.routing import Affiliate, Decision, Directory, Router
from bot.store import (
    StoredInquiry,
    accepted_affiliate_for,
    get_inquiry,
    make_engine,
    make_sessionmaker,
    record_deflection,
    submit_inquiry,
    upgrade,
)
from bot.store.client_counts import recent_inquiries, record_inquiry
from bot.store.organization import organisation_email

logger = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The database could not be reached or refused the write; nothing was stored."""


@dataclass(frozen=True)
class Submission:
    """A stored inquiry as the partner hears of it: its reference, who will answer, and why."""

    reference: str
    affiliate: Affiliate
    #: The routing rule that chose the affiliate, and the first of its reasons (for staff).
    rule: str
    reason: str
    tier: Tier
    status: Status

    @property
    def affiliate_id(self) -> str:
        return self.affiliate.id

    @property
    def affiliate_name(self) -> str:
        return self.affiliate.name


_SESSIONMAKERS: dict[str, SessionMaker] = {}


def sessionmaker_for(database_url: str, *, migrate: bool = True) -> SessionMaker:
    """One engine per database URL per process, migrated on first use."""
    maker = _SESSIONMAKERS.get(database_url)
    if maker is None:
        if migrate:
            try:
                upgrade(database_url)
            except SQLAlchemyError as error:  # unreachable at start: tell the partner, retry later
                raise StoreUnavailable(type(error).__name__) from error
        maker = make_sessionmaker(make_engine(database_url))
        _SESSIONMAKERS[database_url] = maker
    return maker


def submit(
    *,
    sessionmaker: SessionMaker,
    router: Router,
    conversation_id: str,
    slots: Mapping[str, Any],
    endpoints: EndpointsConfig | None = None,
    client_hash: str | None = None,
    max_per_hour: int = 0,
) -> Submission:
    """Qualify, route and store an inquiry in one transaction; idempotent per conversation.

    A conversation that was already submitted gets its stored inquiry back, so a second tab or
    a retried "yes" never creates a duplicate. When the client (`client_hash`, from the channel)
    already sent `max_per_hour` inquiries in the last hour (0: no cap), the inquiry is stored
    but held for staff review: status `needs_review`, no routing decision, no delivery; the
    partner hears the usual confirmation (bot/intake/client_cap.py).
    """
    inquiry = Inquiry.from_slots(conversation_id, slots)
    qualification = qualify(inquiry)
    client = client_hash if max_per_hour and is_client_hash(client_hash) else None
    try:
        with sessionmaker.begin() as session:
            continuity = None
            if inquiry.organization_name:
                continuity = accepted_affiliate_for(
                    session=session, organization_name=inquiry.organization_name, country=inquiry.country,
                    organization_type=inquiry.organization_type.value if inquiry.organization_type else None,
                    email=organisation_email(inquiry),
                )
            decision = router.route(inquiry, accepted_affiliate=continuity)
            held = client is not None and recent_inquiries(session=session, client_hash=client) >= max_per_hour
            if held:
                qualification = _held(qualification, cap=max_per_hour, proposed=decision)
            stored = submit_inquiry(
                session=session, inquiry=inquiry, qualification=qualification,
                decision=None if held else decision, status=Status.NEEDS_REVIEW if held else Status.ROUTED,
            )
            if stored.created and client is not None:
                record_inquiry(session=session, client_hash=client)
            if held and stored.created:
                logger.warning("inquiry %s held for review: more than %d from one address in an hour",
                               stored.reference, max_per_hour)
            if stored.created and stored.decision_id is not None:
                # The outbox rows commit or fail together with the inquiry.
                dispatch_decision(
                    session=session, endpoints=endpoints, inquiry_id=stored.id,
                    decision_id=stored.decision_id, affiliate_id=decision.affiliate_id,
                )
            earlier = None if stored.created else get_inquiry(session=session, reference=stored.reference) or {}
    except SQLAlchemyError as error:
        logger.warning("submit failed: %s", type(error).__name__)
        raise StoreUnavailable(type(error).__name__) from error
    if earlier is None:
        return _submission(stored, decision, qualification, router.directory)
    return _submitted_before(earlier, stored, decision, qualification, router.directory)


def _held(qualification: Qualification, *, cap: int, proposed: Decision) -> Qualification:
    """The qualification of an inquiry held by the cap: needs review, saying why and where the
    assistant would have sent it (staff re-assign it there, or elsewhere, to deliver it)."""
    reason = held_reason(cap=cap, affiliate_id=proposed.affiliate_id, rule=proposed.rule)
    return Qualification(Tier.NEEDS_REVIEW, (*qualification.reasons, reason))


def _submission(stored: StoredInquiry, decision: Decision, qualification: Qualification,
                directory: Directory) -> Submission:
    """The inquiry just stored, from the decision and qualification that were stored."""
    return Submission(
        reference=stored.reference,
        affiliate=directory.get(decision.affiliate_id),
        rule=decision.rule,
        reason=decision.reasons[0] if decision.reasons else "",
        tier=qualification.tier,
        status=stored.status,
    )


def _submitted_before(shown: Mapping[str, Any], stored: StoredInquiry, decision: Decision,
                      qualification: Qualification, directory: Directory) -> Submission:
    """The conversation's earlier inquiry (`shown`, as the JSON API has it): its current routing,
    which staff may have changed since, and its tier; what was computed now counts only where the
    store has none."""
    routing = shown.get("routing") or decision.as_dict()
    return Submission(
        reference=stored.reference,
        affiliate=directory.get(routing["affiliate_id"]),
        rule=str(routing.get("rule") or ""),
        reason=(list(routing.get("reasons") or []) or [""])[0],
        tier=Tier((shown.get("qualification") or {}).get("tier") or qualification.tier),
        status=Status(shown.get("status") or stored.status),
    )


def deflect(*, sessionmaker: SessionMaker, conversation_id: str, slots: Mapping[str, Any]) -> None:
    """Record a request for an article about the organisation as `deflected`."""
    try:
        with sessionmaker.begin() as session:
            record_deflection(
                session=session,
                conversation_id=conversation_id,
                language=language_of(slots),
                organization_name=slots.get("organization_name"),
                description=slots.get("project_description"),
            )
    except SQLAlchemyError as error:
        raise StoreUnavailable(str(type(error).__name__)) from error
