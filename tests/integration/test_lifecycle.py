"""After routing, against real databases: response links, accept, re-routing along the
alternatives to wmf-partnerships, response windows. Times are fixed values, never sleeps."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from fakes import FakeDecision
from sqlalchemy import select

from bot.delivery.lifecycle import (
    accept_inquiry,
    create_response_links,
    overdue_decisions,
    reroute_inquiry,
    set_response_due,
    use_response_link,
)
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import (
    DeliveryTarget,
    claim_deliveries,
    enqueue_deliveries,
    get_inquiry,
    mark_delivered,
    submit_inquiry,
)
from bot.store.tables import deliveries, routing_decisions, status_history

T = datetime(2024, 11, 24, 12, 0, tzinfo=timezone.utc)
WEEK = timedelta(days=7)


def routed(sessionmaker, conversation_id: str = "conv-1", decision=None):
    inquiry = Inquiry(
        conversation_id=conversation_id,
        partnership_type=PartnershipType.EVENT,
        organization_name=f"Musée {conversation_id}",
        organization_type=OrganizationType.MUSEUM,
        country="FR",
    )
    with sessionmaker.begin() as session:
        return submit_inquiry(
            session=session, inquiry=inquiry, qualification=qualify(inquiry), decision=decision or FakeDecision()
        )


def links(sessionmaker, stored, decision_id=None, affiliate_id="wm-fr", expires_at=T + WEEK) -> dict[str, str]:
    with sessionmaker.begin() as session:
        return create_response_links(
            session=session, inquiry_id=stored.id, decision_id=decision_id or stored.decision_id,
            affiliate_id=affiliate_id, expires_at=expires_at,
        )


def use(sessionmaker, token_id: str, now=T):
    with sessionmaker.begin() as session:
        return use_response_link(session=session, token_id=token_id, now=now)


def reroute(sessionmaker, reference: str, reason: str = "no capacity", **kwargs):
    with sessionmaker.begin() as session:
        return reroute_inquiry(session=session, reference=reference, actor="affiliate", reason=reason, now=T, **kwargs)


def accept(sessionmaker, reference: str, affiliate_id: str, **kwargs) -> bool:
    with sessionmaker.begin() as session:
        return accept_inquiry(session=session, reference=reference, affiliate_id=affiliate_id, actor="staff", now=T, **kwargs)


def inquiry(sessionmaker, reference: str) -> dict:
    with sessionmaker.begin() as session:
        found = get_inquiry(session=session, reference=reference)
    assert found is not None
    return found


def history(sessionmaker, inquiry_id: int) -> list[tuple]:
    with sessionmaker.begin() as session:
        rows = session.execute(
            select(status_history.c.from_status, status_history.c.to_status, status_history.c.actor,
                   status_history.c.reason)
            .where(status_history.c.inquiry_id == inquiry_id)
            .order_by(status_history.c.id)
        ).all()
    return [tuple(r) for r in rows]


def test_links_are_single_use_and_one_answer_per_decision(sessionmaker):
    stored = routed(sessionmaker)
    tokens = links(sessionmaker, stored)
    assert set(tokens) == {"accept", "decline"} and tokens["accept"] != tokens["decline"]
    assert all(len(t) == 32 for t in tokens.values())
    first = use(sessionmaker, tokens["accept"])
    assert first.ok and first.error is None
    assert (first.reference, first.inquiry_id, first.decision_id, first.affiliate_id, first.action) == (
        stored.reference, stored.id, stored.decision_id, "wm-fr", "accept",
    )
    assert use(sessionmaker, tokens["accept"]).error == "used"
    assert use(sessionmaker, tokens["decline"]).error == "used"  # the decision has its answer
    unknown = use(sessionmaker, "not-a-token")
    assert unknown.error == "unknown" and not unknown.ok and unknown.reference == ""


def test_links_expire(sessionmaker):
    stored = routed(sessionmaker)
    tokens = links(sessionmaker, stored, expires_at=T + WEEK)
    late = use(sessionmaker, tokens["decline"], now=T + WEEK)
    assert late.error == "expired" and late.reference == stored.reference and late.action == "decline"
    assert use(sessionmaker, tokens["accept"], now=(T + WEEK - timedelta(seconds=1)).replace(tzinfo=None)).ok


def test_links_of_a_decision_that_moved_on_are_superseded(sessionmaker):
    stored = routed(sessionmaker)
    old = links(sessionmaker, stored)
    moved = reroute(sessionmaker, stored.reference)
    new = links(sessionmaker, stored, decision_id=moved.decision_id, affiliate_id=moved.affiliate_id)
    assert use(sessionmaker, old["accept"]).error == "superseded"
    assert use(sessionmaker, old["decline"]).error == "superseded"
    assert use(sessionmaker, new["accept"]).ok
    assert accept(sessionmaker, stored.reference, "ug-fr-glam")
    late = links(sessionmaker, stored, decision_id=moved.decision_id, affiliate_id="ug-fr-glam")
    assert use(sessionmaker, late["decline"]).error == "superseded"  # no longer routed


def test_accept_only_by_the_current_affiliate_and_recorded(sessionmaker):
    stored = routed(sessionmaker)
    assert not accept(sessionmaker, stored.reference, "ug-fr-glam")
    assert not accept(sessionmaker, stored.reference, "wm-fr", decision_id=stored.decision_id + 1000)
    assert not accept(sessionmaker, "WMP-00000000", "wm-fr")
    assert accept(sessionmaker, stored.reference.lower(), "wm-fr", decision_id=stored.decision_id)
    assert accept(sessionmaker, stored.reference, "wm-fr")  # already theirs: idempotent
    assert inquiry(sessionmaker, stored.reference)["status"] == "accepted"
    assert history(sessionmaker, stored.id) == [
        (None, "routed", "assistant", None),
        ("routed", "accepted", "staff", "accepted by wm-fr"),
    ]
    moved = reroute(sessionmaker, stored.reference)
    assert moved.error == "not_routed" and moved.affiliate_id is None and not moved.exhausted


def test_reroute_walks_the_alternatives_to_wmf_partnerships_then_reports_exhausted(sessionmaker):
    stored = routed(sessionmaker)
    first = reroute(sessionmaker, stored.reference, reason="no capacity this year")
    assert (first.affiliate_id, first.inquiry_id, first.exhausted, first.error) == ("ug-fr-glam", stored.id, False, None)
    routing = inquiry(sessionmaker, stored.reference)["routing"]
    assert routing["affiliate_id"] == "ug-fr-glam" and routing["rule"] == "reroute"
    assert routing["reasons"][0] == "wm-fr declined or did not answer: no capacity this year"
    assert routing["alternatives"] == ["wmf-partnerships"]
    second = reroute(sessionmaker, stored.reference, reason="")
    assert second.affiliate_id == "wmf-partnerships" and second.decision_id != first.decision_id
    routing = inquiry(sessionmaker, stored.reference)["routing"]
    assert routing["alternatives"] == [] and routing["reasons"][0] == "ug-fr-glam declined or did not answer"
    with sessionmaker.begin() as session:
        set_response_due(session=session, decision_id=second.decision_id, due_at=T)
    last = reroute(sessionmaker, stored.reference, reason="not for us")
    assert (last.affiliate_id, last.decision_id, last.exhausted) == (None, None, True)
    found = inquiry(sessionmaker, stored.reference)
    assert found["status"] == "routed" and found["routing"]["affiliate_id"] == "wmf-partnerships"
    with sessionmaker.begin() as session:
        decisions = session.execute(
            select(routing_decisions.c.affiliate_id, routing_decisions.c.is_current, routing_decisions.c.response_due_at)
            .order_by(routing_decisions.c.id)
        ).all()
        assert overdue_decisions(session=session, now=T + WEEK) == []  # the window was closed
    assert [tuple(d) for d in decisions] == [
        ("wm-fr", False, None), ("ug-fr-glam", False, None), ("wmf-partnerships", True, None),
    ]
    assert [h[:2] for h in history(sessionmaker, stored.id)] == [(None, "routed")] + [
        ("routed", "declined"), ("declined", "routed")
    ] * 3
    assert history(sessionmaker, stored.id)[-1][3] == "no alternative left; stays with wmf-partnerships"
    assert history(sessionmaker, stored.id)[1][2:] == ("affiliate", "wm-fr declined or did not answer: no capacity this year")


def test_reroute_skips_affiliates_already_tried_and_always_ends_with_wmf_partnerships(sessionmaker):
    odd = FakeDecision(alternatives=("ug-a", "wm-fr", "ug-a", "wmf-partnerships", "ug-b"))
    stored = routed(sessionmaker, decision=odd)
    assert reroute(sessionmaker, stored.reference).affiliate_id == "ug-a"
    assert inquiry(sessionmaker, stored.reference)["routing"]["alternatives"] == ["ug-b", "wmf-partnerships"]
    bare = routed(sessionmaker, "conv-2", decision=FakeDecision(alternatives=()))
    assert reroute(sessionmaker, bare.reference).affiliate_id == "wmf-partnerships"


def test_reroute_cancels_the_pending_deliveries_of_the_old_decision(sessionmaker):
    stored = routed(sessionmaker)
    targets = [DeliveryTarget("webhook", {"url": "https://a.example/h"}), DeliveryTarget("email", {"to": ["x@a.example"]})]
    with sessionmaker.begin() as session:
        enqueue_deliveries(session=session, inquiry_id=stored.id, decision_id=stored.decision_id,
                           affiliate_id="wm-fr", targets=targets, now=T)
        sent = claim_deliveries(session=session, worker_id="w1", limit=1, now=T)[0]
        assert mark_delivered(session=session, delivery_id=sent.delivery_id, worker_id="w1", now=T)
    moved = reroute(sessionmaker, stored.reference)
    with sessionmaker.begin() as session:
        enqueue_deliveries(session=session, inquiry_id=stored.id, decision_id=moved.decision_id,
                           affiliate_id=moved.affiliate_id, targets=targets[:1], now=T)
        rows = session.execute(select(deliveries.c.decision_id, deliveries.c.status)).all()
        jobs = claim_deliveries(session=session, worker_id="w2", now=T + timedelta(hours=1))
    assert sorted(tuple(r) for r in rows) == sorted(
        [(stored.decision_id, "delivered"), (stored.decision_id, "cancelled"), (moved.decision_id, "pending")]
    )
    assert [(j.decision_id, j.affiliate_id) for j in jobs] == [(moved.decision_id, "ug-fr-glam")]


def test_reroute_of_a_decision_that_already_moved_on_does_nothing(sessionmaker):
    stored = routed(sessionmaker)
    assert reroute(sessionmaker, stored.reference, decision_id=stored.decision_id).affiliate_id == "ug-fr-glam"
    again = reroute(sessionmaker, stored.reference, decision_id=stored.decision_id)
    assert again.error == "superseded" and again.affiliate_id is None
    assert inquiry(sessionmaker, stored.reference)["routing"]["affiliate_id"] == "ug-fr-glam"
    with pytest.raises(LookupError):
        reroute(sessionmaker, "WMP-00000000")


def test_a_decline_and_the_timer_racing_move_the_inquiry_once(sessionmaker):
    stored = routed(sessionmaker)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(reroute(sessionmaker, stored.reference, decision_id=stored.decision_id))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(str(r.error) for r in results) == ["None", "superseded", "superseded", "superseded"]
    with sessionmaker.begin() as session:
        current = session.scalars(select(routing_decisions.c.affiliate_id).where(routing_decisions.c.is_current.is_(True))).all()
    assert current == ["ug-fr-glam"]


def test_overdue_decisions_are_current_routed_and_past_their_window(sessionmaker):
    late = routed(sessionmaker, "late")
    early = routed(sessionmaker, "early")
    taken = routed(sessionmaker, "taken")
    pending = routed(sessionmaker, "pending")
    moved = routed(sessionmaker, "moved")
    routed(sessionmaker, "no-window")
    with sessionmaker.begin() as session:
        set_response_due(session=session, decision_id=late.decision_id, due_at=T - timedelta(hours=1))
        set_response_due(session=session, decision_id=early.decision_id, due_at=T - timedelta(days=2))
        set_response_due(session=session, decision_id=taken.decision_id, due_at=T - timedelta(days=1))
        set_response_due(session=session, decision_id=pending.decision_id, due_at=T + timedelta(hours=1))
        set_response_due(session=session, decision_id=moved.decision_id, due_at=T - timedelta(days=1))
        assert not set_response_due(session=session, decision_id=999_999, due_at=T)
    assert accept(sessionmaker, taken.reference, "wm-fr")
    rerouted = reroute(sessionmaker, moved.reference)
    with sessionmaker.begin() as session:
        overdue = overdue_decisions(session=session, now=T)
        assert [o.reference for o in overdue_decisions(session=session, now=T, limit=1)] == [early.reference]
        set_response_due(session=session, decision_id=rerouted.decision_id, due_at=T + WEEK)
        later = overdue_decisions(session=session, now=(T + WEEK + timedelta(seconds=1)).replace(tzinfo=None))
    assert [(o.reference, o.decision_id, o.affiliate_id) for o in overdue] == [
        (early.reference, early.decision_id, "wm-fr"),
        (late.reference, late.decision_id, "wm-fr"),
    ]
    assert [o.reference for o in later] == [early.reference, late.reference, pending.reference, moved.reference]
    assert later[-1].affiliate_id == "ug-fr-glam"


def test_submit_returns_the_decision_it_wrote(sessionmaker):
    stored = routed(sessionmaker)
    with sessionmaker.begin() as session:
        current = session.scalar(select(routing_decisions.c.id).where(routing_decisions.c.is_current.is_(True)))
    assert stored.decision_id == current
    assert routed(sessionmaker).decision_id is None  # the same conversation again writes nothing
