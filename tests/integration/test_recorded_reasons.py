"""Every reason the lifecycle and the store write (status history, routing decisions, held
inquiries) has a shape the console translates (integrations/console/recorded.py): the producers'
actual outputs against a real database, not samples of their templates."""
from __future__ import annotations

from sqlalchemy import select

from bot.delivery.lifecycle import (
    NO_REASON_GIVEN,
    TIMED_OUT,
    accept_inquiry,
    close_inquiry,
    reassign_inquiry,
    reroute_inquiry,
)
from bot.intake.closing import CloseReason
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.intake.service import _held
from bot.routing import default_router
from bot.store import record_deflection, submit_inquiry
from bot.store.tables import routing_decisions, status_history
from integrations.console import recorded, recorded_texts

ROUTER = default_router()


def _submit(session, conversation_id: str, **fields) -> str:
    inquiry = Inquiry(conversation_id=conversation_id, partnership_type=PartnershipType.CONTENT_DONATION,
                      organization_name="Musée", organization_type=OrganizationType.MUSEUM, country="FR", **fields)
    decision = ROUTER.route(inquiry)
    return submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry), decision=decision).reference


def test_every_reason_the_lifecycle_writes_is_recognised(sessionmaker):
    with sessionmaker.begin() as session:
        declined = _submit(session, "c-1")
        # Declined with words, by a link without words, timed out, then the last resort declines.
        reroute_inquiry(session=session, reference=declined, actor="affiliate:wm-fr", reason="no capacity: sorry")
        reroute_inquiry(session=session, reference=declined, actor="affiliate", reason=NO_REASON_GIVEN)
        reroute_inquiry(session=session, reference=declined, actor="delivery-worker", reason=TIMED_OUT)
        reroute_inquiry(session=session, reference=declined, actor="staff", reason="")
        reassigned = _submit(session, "c-2")
        reassign_inquiry(session=session, reference=reassigned, affiliate_id="wm-de", actor="staff:ana@example.org",
                         reason="they asked: 'Berlin'")
        accept_inquiry(session=session, reference=reassigned, affiliate_id="wm-de", actor="affiliate:wm-de")
        close_inquiry(session=session, reference=reassigned, reason=CloseReason.DONE, actor="affiliate:wm-de")
        original = _submit(session, "c-3")
        for n, (reason, note) in enumerate([(CloseReason.DUPLICATE, None), (CloseReason.DUPLICATE, "same museum"),
                                            (CloseReason.SPAM, None), (CloseReason.NO_LONGER_INTERESTED, "moved")]):
            copy = _submit(session, f"c-dup-{n}")
            close_inquiry(session=session, reference=copy, reason=reason, actor="staff", note=note,
                          duplicate_of=original if reason is CloseReason.DUPLICATE else None)
        record_deflection(session=session, conversation_id="c-4", language="en")
        _submit(session, "c-4")  # the deflected conversation becomes an inquiry
        texts = [r for r in session.scalars(select(status_history.c.reason)) if r]
        texts += [r for reasons in session.scalars(select(routing_decisions.c.reasons)) for r in reasons]
    held = _held(qualify(Inquiry(conversation_id="x", partnership_type=PartnershipType.EVENT)), cap=3,
                 proposed=ROUTER.route(Inquiry(conversation_id="x", partnership_type=PartnershipType.EVENT)))
    texts += list(held.reasons)
    keys = {text: recorded.recognised(text, ROUTER.rules) for text in texts}
    assert all(keys.values()), [text for text, key in keys.items() if key is None]
    met = set(keys.values())
    lifecycle_keys = {f"lifecycle:{key}" for key in recorded_texts.LIFECYCLE}
    assert lifecycle_keys <= met, lifecycle_keys - met
    assert {"held", "deflection"} <= met
    # Typed text stays, canned text is said in the viewer's language.
    shown = {recorded.shown(text, "fr", recorded.Viewer("fr", ROUTER.directory, ROUTER.rules)) for text in texts}
    assert "Wikimédia France a décliné la demande ou n'a pas répondu : no capacity: sorry" in shown
    assert "Réattribuée par staff:ana@example.org : they asked: 'Berlin'" in shown
    assert any("pas de réponse dans le délai imparti" in text for text in shown)
