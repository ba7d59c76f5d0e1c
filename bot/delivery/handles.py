"""What delivery reads without locking anything: an inquiry's ids with those of its current
decision, and the response links of a decision. Changing them is `bot.delivery.lifecycle`'s."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.decisions import CURRENT_DECISION
from bot.store.tables import inquiries, response_links, routing_decisions


@dataclass(frozen=True)
class Handles:
    inquiry_id: int
    decision_id: int | None
    affiliate_id: str | None
    status: str


def current_handles(*, session: Session, reference: str) -> Handles | None:
    """Ids of an inquiry and of its current routing decision (None when not routed)."""
    query = (
        select(inquiries.c.id, inquiries.c.status, routing_decisions.c.id.label("decision_id"),
               routing_decisions.c.affiliate_id)
        .select_from(inquiries)
        .outerjoin(routing_decisions, CURRENT_DECISION)
        .where(inquiries.c.reference == reference)
    )
    row = session.execute(query).first()
    if row is None:
        return None
    return Handles(row.id, row.decision_id, row.affiliate_id, row.status)


def links_for_decision(*, session: Session, decision_id: int) -> dict[str, tuple[str, datetime]]:
    """The accept / decline token ids of a decision with their expiry."""
    rows = session.execute(
        select(response_links.c.action, response_links.c.id, response_links.c.expires_at).where(
            response_links.c.decision_id == decision_id
        )
    ).all()
    return {row.action: (row.id, row.expires_at) for row in rows}


def link_details(*, session: Session, token_id: str) -> dict | None:
    """What a response link points at, without using it (for the confirmation page)."""
    query = (
        select(response_links, inquiries.c.reference, routing_decisions.c.is_current)
        .join(inquiries, inquiries.c.id == response_links.c.inquiry_id)
        .join(routing_decisions, routing_decisions.c.id == response_links.c.decision_id)
        .where(response_links.c.id == token_id)
    )
    row = session.execute(query).mappings().first()
    return dict(row) if row else None
