"""The transactional outbox against real databases: claims, leases, concurrent and killed
workers, retries with backoff, dead letters. Times are fixed values, never sleeps."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fakes import FakeDecision
from sqlalchemy import select, text

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import (
    DeliveryTarget,
    claim_deliveries,
    dead_letters,
    default_backoff,
    enqueue_deliveries,
    mark_delivered,
    mark_failed,
    outbox_stats,
    submit_inquiry,
)
from bot.store.outbox import BACKOFF_CAP, MAX_ERROR_CHARS, backoff_ceiling
from bot.store.tables import deliveries

T = datetime(2024, 11, 24, 12, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]
TARGETS = (
    DeliveryTarget("webhook", {"url": "https://affiliate.example/hook"}),
    DeliveryTarget("email", {"to": ["partnerships@affiliate.example"]}),
)


def routed(sessionmaker, conversation_id: str = "conv-1"):
    inquiry = Inquiry(
        conversation_id=conversation_id,
        partnership_type=PartnershipType.EVENT,
        organization_name="Musée de Lyon",
        organization_type=OrganizationType.MUSEUM,
        country="FR",
    )
    with sessionmaker.begin() as session:
        return submit_inquiry(
            session=session, inquiry=inquiry, qualification=qualify(inquiry), decision=FakeDecision()
        )


def queue(sessionmaker, stored, targets=TARGETS, copies: int = 1, now=T) -> list[str]:
    with sessionmaker.begin() as session:
        return enqueue_deliveries(
            session=session, inquiry_id=stored.id, decision_id=stored.decision_id,
            affiliate_id="wm-fr", targets=list(targets) * copies, now=now,
        )


def claim(sessionmaker, worker: str, now=T, limit: int = 50, lease: float = 60):
    with sessionmaker.begin() as session:
        return claim_deliveries(session=session, worker_id=worker, limit=limit, lease_seconds=lease, now=now)


def row(sessionmaker, delivery_id: str):
    with sessionmaker.begin() as session:
        return session.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()


def test_enqueue_claim_deliver_round_trip(sessionmaker):
    stored = routed(sessionmaker)
    assert stored.decision_id is not None
    ids = queue(sessionmaker, stored)
    assert len(set(ids)) == 2 and all(len(i) == 36 for i in ids)
    with sessionmaker.begin() as session:
        assert outbox_stats(session=session) == {"pending": 2, "delivered": 0, "dead": 0, "cancelled": 0}
    jobs = claim(sessionmaker, "w1")
    assert sorted(j.delivery_id for j in jobs) == sorted(ids)
    webhook = next(j for j in jobs if j.channel == "webhook")
    assert webhook.reference == stored.reference and webhook.inquiry_id == stored.id
    assert webhook.decision_id == stored.decision_id and webhook.affiliate_id == "wm-fr"
    assert webhook.target == {"url": "https://affiliate.example/hook"}
    assert webhook.event == "inquiry.routed" and webhook.attempts == 0
    assert claim(sessionmaker, "w2", now=T + timedelta(seconds=30)) == []  # the lease holds
    with sessionmaker.begin() as session:
        for job in jobs:
            assert mark_delivered(session=session, delivery_id=job.delivery_id, worker_id="w1", now=T)
        assert mark_delivered(session=session, delivery_id=ids[0], worker_id="w1", now=T)  # idempotent
        assert not mark_delivered(session=session, delivery_id="no-such-delivery", worker_id="w1", now=T)
        assert outbox_stats(session=session)["delivered"] == 2
    assert row(sessionmaker, ids[0]).delivered_at == T
    assert claim(sessionmaker, "w2", now=T + timedelta(days=1)) == []


def test_enqueue_rejects_an_unknown_channel_and_writes_nothing(sessionmaker):
    stored = routed(sessionmaker)
    with pytest.raises(ValueError):
        queue(sessionmaker, stored, targets=[TARGETS[0], DeliveryTarget("pigeon", {})])
    with sessionmaker.begin() as session:
        assert outbox_stats(session=session)["pending"] == 0


def test_claim_takes_only_due_rows_oldest_first_up_to_the_limit(sessionmaker):
    stored = routed(sessionmaker)
    later = queue(sessionmaker, stored, now=T + timedelta(minutes=5))
    first = queue(sessionmaker, stored, now=T - timedelta(minutes=5))
    # Naive datetimes count as UTC.
    jobs = claim(sessionmaker, "w1", now=T.replace(tzinfo=None), limit=1, lease=3600)
    assert [j.delivery_id for j in jobs] in ([first[0]], [first[1]])
    assert len(claim(sessionmaker, "w1", now=T, lease=3600)) == 1
    assert claim(sessionmaker, "w1", now=T) == []
    assert sorted(j.delivery_id for j in claim(sessionmaker, "w1", now=T + timedelta(minutes=5))) == sorted(later)


def test_concurrent_claimers_never_get_the_same_row(sessionmaker):
    stored = routed(sessionmaker)
    ids = queue(sessionmaker, stored, copies=30)  # 60 deliveries
    barrier = threading.Barrier(4)
    claimed: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            mine = claimed.setdefault(name, [])
            while jobs := claim(sessionmaker, name, limit=5):
                mine.extend(j.delivery_id for j in jobs)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    everything = [i for mine in claimed.values() for i in mine]
    assert len(everything) == len(set(everything)) == 60
    assert set(everything) == set(ids)


def test_an_open_claim_keeps_its_rows_from_a_concurrent_claimer(sessionmaker, engine):
    """PostgreSQL: the second claimer skips the locked rows at once (SKIP LOCKED). SQLite: it
    waits for the first transaction (one writer at a time) and then finds them claimed."""
    stored = routed(sessionmaker)
    ids = queue(sessionmaker, stored, copies=5)  # 10 deliveries
    first = sessionmaker()
    first.begin()
    held = claim_deliveries(session=first, worker_id="w1", limit=4, now=T)
    result: dict[str, list[str]] = {}

    def second() -> None:
        with sessionmaker.begin() as session:
            if engine.dialect.name == "postgresql":
                session.execute(text("SET LOCAL lock_timeout = '5s'"))
            result["w2"] = [j.delivery_id for j in claim_deliveries(session=session, worker_id="w2", now=T)]

    thread = threading.Thread(target=second)
    thread.start()
    if engine.dialect.name == "postgresql":
        thread.join(timeout=10)
        assert not thread.is_alive(), "the second claimer waited for the first"
        first.commit()
    else:
        thread.join(timeout=0.5)
        assert thread.is_alive(), "SQLite let two writers in at once"
        first.commit()
        thread.join(timeout=10)
    first.close()
    assert len(held) == 4 and len(result["w2"]) == 6
    assert {j.delivery_id for j in held} | set(result["w2"]) == set(ids)


def test_an_expired_lease_makes_a_row_claimable_again(sessionmaker):
    stored = routed(sessionmaker)
    [delivery_id] = queue(sessionmaker, stored, targets=TARGETS[:1])
    assert len(claim(sessionmaker, "slow", lease=60)) == 1
    assert claim(sessionmaker, "other", now=T + timedelta(seconds=59)) == []
    [job] = claim(sessionmaker, "other", now=T + timedelta(seconds=61))
    assert job.delivery_id == delivery_id and job.attempts == 1  # the first try counted
    later = T + timedelta(seconds=62)
    with sessionmaker.begin() as session:  # the slow worker lost its lease to a valid one
        assert not mark_delivered(session=session, delivery_id=delivery_id, worker_id="slow", now=later)
        assert mark_failed(session=session, delivery_id=delivery_id, worker_id="slow", error="x", now=later) == "stale"
        assert mark_delivered(session=session, delivery_id=delivery_id, worker_id="other", now=later)
    assert row(sessionmaker, delivery_id).status == "delivered"


def test_a_worker_killed_with_sigkill_leaves_its_rows_to_others(db_url, sessionmaker, engine):
    stored = routed(sessionmaker)
    ids = queue(sessionmaker, stored, copies=5)  # 10 deliveries
    child = subprocess.run(
        [sys.executable, "-c", _DOOMED_WORKER, db_url, T.isoformat()],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == -9, child.stderr
    assert child.stdout.split() == ["claimed", "4", "holding", "3"]
    if engine.dialect.name == "postgresql":
        _wait_for_backend_to_end(engine, "doomed-worker")
    # The committed claim keeps its 4 rows until the lease ends; the open one died with it.
    now = T + timedelta(seconds=1)
    survivors = claim(sessionmaker, "heir", now=now)
    assert len(survivors) == 6 and all(j.attempts == 0 for j in survivors)
    with sessionmaker.begin() as session:
        for job in survivors:
            assert mark_delivered(session=session, delivery_id=job.delivery_id, worker_id="heir", now=now)
    orphans = claim(sessionmaker, "heir", now=T + timedelta(seconds=61))
    assert len(orphans) == 4 and all(j.attempts == 1 for j in orphans)
    assert {j.delivery_id for j in survivors + orphans} == set(ids)


_DOOMED_WORKER = """
import os, signal, sys
from datetime import datetime
from bot.store import claim_deliveries, make_engine, make_sessionmaker
url, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
args = {"connect_args": {"application_name": "doomed-worker"}} if url.startswith("postgresql") else {}
factory = make_sessionmaker(make_engine(url, **args))
with factory.begin() as session:
    print("claimed", len(claim_deliveries(session=session, worker_id="doomed", limit=4, now=now)), flush=True)
session = factory()
session.begin()
print("holding", len(claim_deliveries(session=session, worker_id="doomed", limit=3, now=now)), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _wait_for_backend_to_end(engine, application_name: str) -> None:
    """PostgreSQL ends a dead client's backend (and its locks) when it sees the closed socket."""
    deadline = time.monotonic() + 10
    query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query, {"name": application_name}).scalar_one() == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the killed worker's backend is still there")


def test_failures_back_off_then_dead_letter(sessionmaker):
    stored = routed(sessionmaker)
    [delivery_id] = queue(sessionmaker, stored, targets=TARGETS[:1])
    longest = functools.partial(default_backoff, rng=lambda low, high: high)
    error = "HTTP 500 from https://affiliate.example/hook for someone@example.org " + "x" * 600
    now, waits, outcomes = T, [], []
    for attempt in range(1, 9):
        [job] = claim(sessionmaker, "w1", now=now)
        assert job.attempts == attempt - 1
        with sessionmaker.begin() as session:
            outcomes.append(
                mark_failed(session=session, delivery_id=delivery_id, worker_id="w1", error=error, now=now, backoff=longest)
            )
        stored_row = row(sessionmaker, delivery_id)
        assert stored_row.claimed_by is None and stored_row.attempts == attempt
        if outcomes[-1] == "retry":
            assert claim(sessionmaker, "w1", now=stored_row.next_attempt_at - timedelta(seconds=1)) == []
            waits.append(stored_row.next_attempt_at - now)
            now = stored_row.next_attempt_at
    assert outcomes == ["retry"] * 7 + ["dead"]
    assert waits == sorted(waits) and waits[0] == timedelta(minutes=1) and waits[-1] == BACKOFF_CAP
    assert timedelta(hours=12) < sum(waits, timedelta()) < timedelta(hours=24)
    assert claim(sessionmaker, "w1", now=now + timedelta(days=7)) == []
    with sessionmaker.begin() as session:
        [dead] = dead_letters(session=session)
        assert outbox_stats(session=session)["dead"] == 1
        assert mark_failed(session=session, delivery_id=delivery_id, worker_id="w1", error="again", now=now) == "stale"
    assert dead["delivery_id"] == delivery_id and dead["reference"] == stored.reference
    assert dead["affiliate_id"] == "wm-fr" and dead["channel"] == "webhook" and dead["attempts"] == 8
    assert dead["event"] == "inquiry.routed" and dead["created_at"] == "2024-11-24T12:00:00Z"
    assert len(dead["last_error"]) == MAX_ERROR_CHARS
    assert "someone@example.org" not in dead["last_error"] and dead["last_error"].startswith("HTTP 500 from")


def test_default_backoff_is_full_jitter_under_a_growing_capped_ceiling():
    ceilings = [backoff_ceiling(n) for n in range(1, 9)]
    assert ceilings == sorted(ceilings) and ceilings[0] == timedelta(minutes=1) and ceilings[-1] == BACKOFF_CAP
    for attempts in range(1, 9):
        assert default_backoff(attempts, rng=lambda low, high: low) == timedelta(0)
        assert timedelta(0) <= default_backoff(attempts) <= backoff_ceiling(attempts)
