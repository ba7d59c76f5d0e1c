"""Writing inquiries: keyword-only functions working in the caller's transaction.

Callers own the transaction (`with factory.begin() as session: submit_inquiry(session=...)`),
so anything else written in the same block (an outbox row, say) commits or fails with the
inquiry. Reads in the JSON API shape live in `bot.store.queries` and are re-exported here.
Personal data (contact name and e-mail) is stored only with consent and never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.intake.model import Inquiry, Qualification, Status
from bot.store.clock import utcnow
from bot.store.handoffs import wanted_person
from bot.store.names import new_reference, normalize_org_name
from bot.store.organization import organisation_email, organization_id_for
from bot.store.queries import accepted_affiliate_for, get_inquiry, list_inquiries
from bot.store.tables import inquiries, routing_decisions, status_history

__all__ = [
    "DecisionLike",
    "StoredInquiry",
    "accepted_affiliate_for",
    "change_status",
    "get_inquiry",
    "list_inquiries",
    "new_reference",
    "normalize_org_name",
    "record_deflection",
    "submit_inquiry",
]

log = logging.getLogger(__name__)
#: The status history's reason when a deflected conversation becomes an inquiry (English, the
#: record; the console translates it by this text, integrations/console/recorded.py).
AFTER_DEFLECTION = "partnership inquiry after deflection"
#: Who the status history names for what the assistant itself recorded (the console says it
#: in the viewer's language: integrations.console.recorded_texts.ACTORS).
ASSISTANT = "assistant"

#: Attempts at inserting an inquiry; a retry only happens on a (vanishingly rare) reference clash.
_INSERT_ATTEMPTS = 3


class DecisionLike(Protocol):
    """What the store needs of a routing decision (`bot.routing.engine.Decision` fits)."""

    @property
    def affiliate_id(self) -> str: ...

    @property
    def rule(self) -> str: ...

    @property
    def reasons(self) -> Sequence[str]: ...

    @property
    def alternatives(self) -> Sequence[str]: ...

    @property
    def wikimedia_region(self) -> str | None: ...


@dataclass(frozen=True)
class StoredInquiry:
    """An inquiry as stored; `created` is False when the conversation already had one."""

    id: int
    reference: str
    conversation_id: str
    status: Status
    created: bool
    #: The routing decision this call wrote (None when it wrote none, e.g. `created` is False).
    decision_id: int | None = None


def submit_inquiry(
    *,
    session: Session,
    inquiry: Inquiry,
    qualification: Qualification,
    decision: DecisionLike | None,
    status: Status = Status.ROUTED,
    actor: str = ASSISTANT,
) -> StoredInquiry:
    """Store an inquiry with its organisation, routing decision and first status.

    Idempotent per conversation: if the conversation already has an inquiry it is returned
    unchanged (`created=False`), also when a concurrent submit wins the race.
    """
    consent = inquiry.consent is True
    values: dict[str, Any] = {
        "conversation_id": inquiry.conversation_id,
        "language": inquiry.language,
        "partnership_type": _value(inquiry.partnership_type),
        "country": inquiry.country,
        "region": inquiry.region,
        "content_language": inquiry.content_language,
        "licence": _value(inquiry.licence),
        "description": inquiry.description,
        "opening": inquiry.opening,
        "contact_name": inquiry.contact_name if consent else None,
        "contact_email": inquiry.contact_email if consent else None,
        "consent": consent,
        "tier": _value(qualification.tier),
        "qualification_reasons": list(qualification.reasons),
        # The partner asked for a person before leaving this message and nobody was available:
        # marked in the same transaction (a hand-off asked for later marks it itself).
        "wants_person": wanted_person(session, conversation_id=inquiry.conversation_id),
    }
    org = {
        "name": inquiry.organization_name,
        "org_type": _value(inquiry.organization_type),
        "country": inquiry.country,
        "email": organisation_email(inquiry),
    }
    return _store(session=session, values=values, org=org, decision=decision, status=status, actor=actor)


def record_deflection(
    *,
    session: Session,
    conversation_id: str,
    language: str,
    organization_name: str | None = None,
    description: str | None = None,
    actor: str = ASSISTANT,
) -> StoredInquiry:
    """Record a deflected conversation (not a partnership): status `deflected`, no routing.

    Idempotent per conversation like `submit_inquiry`.
    """
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "language": language,
        "description": description,
        "consent": False,
        "qualification_reasons": [],
    }
    return _store(
        session=session,
        values=values,
        org={"name": organization_name, "org_type": None, "country": None, "email": None},
        decision=None,
        status=Status.DEFLECTED,
        actor=actor,
    )


def change_status(
    *,
    session: Session,
    reference: str,
    to_status: Status,
    actor: str,
    reason: str | None = None,
) -> bool:
    """Move an inquiry to `to_status` and record it in the history; False if unknown."""
    row = session.execute(
        select(inquiries.c.id, inquiries.c.status).where(inquiries.c.reference == reference)
    ).first()
    if row is None:
        return False
    to_value = Status(to_status).value
    session.execute(update(inquiries).where(inquiries.c.id == row.id).values(status=to_value))
    _insert_history(session, row.id, row.status, to_value, actor, reason)
    log.info("inquiry %s: %s -> %s by %s", reference, row.status, to_value, actor)
    return True


def _store(
    *,
    session: Session,
    values: dict[str, Any],
    org: dict[str, str | None],
    decision: DecisionLike | None,
    status: Status,
    actor: str,
) -> StoredInquiry:
    conversation_id = values["conversation_id"]
    values = {**values, "description_folded": normalize_org_name(values.get("description")) or None}
    existing = _existing(session, conversation_id)
    status_value = Status(status).value
    if existing is not None and existing.status is Status.DEFLECTED and status_value != existing.status.value:
        return _promote(session, existing, values, org, decision, status_value, actor)
    if existing is not None:
        return existing
    for attempt in range(_INSERT_ATTEMPTS):
        reference = new_reference()
        try:
            with session.begin_nested():
                org_id = organization_id_for(session=session, **org)
                result = session.execute(
                    insert(inquiries).values(
                        reference=reference,
                        status=status_value,
                        created_at=utcnow(),
                        organization_id=org_id,
                        **values,
                    )
                )
                inquiry_id = result.inserted_primary_key[0]
                decision_id = None if decision is None else _insert_decision(session, inquiry_id, decision)
                _insert_history(session, inquiry_id, None, status_value, actor, None)
        except IntegrityError:
            existing = _existing(session, conversation_id)
            if existing is not None:
                log.info("conversation already stored as %s (concurrent submit)", existing.reference)
                return existing
            if attempt == _INSERT_ATTEMPTS - 1:
                raise
            continue
        log.info("stored inquiry %s with status %s", reference, status_value)
        return StoredInquiry(inquiry_id, reference, conversation_id, Status(status_value), True, decision_id)
    raise AssertionError("unreachable")  # pragma: no cover


def _promote(
    session: Session,
    existing: StoredInquiry,
    values: dict[str, Any],
    org: dict[str, str | None],
    decision: DecisionLike | None,
    status_value: str,
    actor: str,
) -> StoredInquiry:
    """A conversation that was deflected and then made a real inquiry: the same record (and
    reference) becomes the inquiry, with the change in its status history."""
    with session.begin_nested():
        org_id = organization_id_for(session=session, **org)
        session.execute(
            update(inquiries)
            .where(inquiries.c.id == existing.id)
            .values(status=status_value, organization_id=org_id, **values)
        )
        decision_id = None if decision is None else _insert_decision(session, existing.id, decision)
        _insert_history(session, existing.id, existing.status.value, status_value, actor, AFTER_DEFLECTION)
    log.info("deflected conversation %s became an inquiry", existing.reference)
    return StoredInquiry(
        existing.id, existing.reference, existing.conversation_id, Status(status_value), True, decision_id
    )


def _existing(session: Session, conversation_id: str) -> StoredInquiry | None:
    row = session.execute(
        select(inquiries.c.id, inquiries.c.reference, inquiries.c.status).where(
            inquiries.c.conversation_id == conversation_id
        )
    ).first()
    if row is None:
        return None
    return StoredInquiry(row.id, row.reference, conversation_id, Status(row.status), False)


def _insert_decision(session: Session, inquiry_id: int, decision: DecisionLike) -> int:
    result = session.execute(
        insert(routing_decisions).values(
            inquiry_id=inquiry_id,
            affiliate_id=decision.affiliate_id,
            rule=decision.rule,
            reasons=list(decision.reasons),
            alternatives=list(decision.alternatives),
            wikimedia_region=decision.wikimedia_region,
            created_at=utcnow(),
            is_current=True,
        )
    )
    return int(result.inserted_primary_key[0])


def _insert_history(
    session: Session,
    inquiry_id: int,
    from_status: str | None,
    to_status: str,
    actor: str,
    reason: str | None,
) -> None:
    session.execute(
        insert(status_history).values(
            inquiry_id=inquiry_id,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
            created_at=utcnow(),
        )
    )


def _value(item: Any) -> Any:
    return getattr(item, "value", item)
