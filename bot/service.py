"""The intake service: slots -> Inquiry -> qualify + route -> one transaction in the store.

Actions call these functions; they hold no Rasa code so they are tested directly.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.delivery.endpoints import EndpointsConfig
from bot.dispatch import dispatch_decision
from bot.intake import Inquiry, qualify
from bot.routing import Router
from bot.store import (
    accepted_affiliate_for,
    get_inquiry,
    make_engine,
    make_sessionmaker,
    record_deflection,
    submit_inquiry,
    upgrade,
)

logger = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The database could not be reached or refused the write; nothing was stored."""


@dataclass(frozen=True)
class Submission:
    reference: str
    affiliate_id: str
    affiliate_name: str
    rule: str
    reason: str
    tier: str
    status: str


_SESSIONMAKERS: dict[str, Any] = {}


def sessionmaker_for(database_url: str, *, migrate: bool = True):
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
    sessionmaker,
    router: Router,
    conversation_id: str,
    slots: Mapping[str, Any],
    endpoints: EndpointsConfig | None = None,
) -> Submission:
    """Qualify, route and store an inquiry in one transaction; idempotent per conversation.

    A conversation that was already submitted gets its stored inquiry back, so a second tab or
    a retried "yes" never creates a duplicate.
    """
    inquiry = Inquiry.from_slots(conversation_id, slots)
    qualification = qualify(inquiry)
    try:
        with sessionmaker.begin() as session:
            continuity = None
            if inquiry.organization_name:
                continuity = accepted_affiliate_for(
                    session=session, organization_name=inquiry.organization_name, country=inquiry.country
                )
            decision = router.route(inquiry, accepted_affiliate=continuity)
            stored = submit_inquiry(session=session, inquiry=inquiry, qualification=qualification, decision=decision)
            if stored.created and stored.decision_id is not None:
                # The outbox rows commit or fail together with the inquiry.
                dispatch_decision(
                    session=session, endpoints=endpoints, inquiry_id=stored.id,
                    decision_id=stored.decision_id, affiliate_id=decision.affiliate_id,
                )
            shown = get_inquiry(session=session, reference=stored.reference) or {}
    except SQLAlchemyError as error:
        logger.warning("submit failed: %s", type(error).__name__)
        raise StoreUnavailable(type(error).__name__) from error
    routing = shown.get("routing") or decision.as_dict()
    affiliate_id = routing["affiliate_id"]
    return Submission(
        reference=stored.reference,
        affiliate_id=affiliate_id,
        affiliate_name=router.directory.get(affiliate_id).name,
        rule=str(routing.get("rule") or ""),
        reason=(list(routing.get("reasons") or []) or [""])[0],
        tier=(shown.get("qualification") or {}).get("tier") or qualification.tier.value,
        status=str(shown.get("status") or stored.status.value),
    )


def deflect(*, sessionmaker, conversation_id: str, slots: Mapping[str, Any]) -> None:
    """Record a request for an article about the organisation as `deflected`."""
    try:
        with sessionmaker.begin() as session:
            record_deflection(
                session=session,
                conversation_id=conversation_id,
                language=slots.get("language") or "en",
                organization_name=slots.get("organization_name"),
                description=slots.get("project_description"),
            )
    except SQLAlchemyError as error:
        raise StoreUnavailable(str(type(error).__name__)) from error
