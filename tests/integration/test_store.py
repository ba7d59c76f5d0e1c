"""The store against real databases: round trip, idempotency, races, atomicity, privacy."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from fakes import FakeDecision
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.intake.model import Inquiry, Licence, OrganizationType, PartnershipType, Status, qualify
from bot.store import (
    accepted_affiliate_for,
    change_status,
    get_inquiry,
    list_inquiries,
    make_engine,
    names,
    normalize_org_name,
    record_deflection,
    repository,
    schema,
    submit_inquiry,
    upgrade,
)
from bot.store.tables import inquiries, organizations, routing_decisions, status_history


class ExplodingDecision:
    """A decision that fails once the inquiry row has been written."""

    affiliate_id = "wm-fr"

    @property
    def rule(self) -> str:
        raise RuntimeError("routing blew up")

    reasons = ("x",)
    alternatives = ("wmf-partnerships",)
    wikimedia_region = None


def make_inquiry(conversation_id: str = "conv-1", **changes: object) -> Inquiry:
    values: dict = dict(
        conversation_id=conversation_id,
        partnership_type=PartnershipType.CONTENT_DONATION,
        language="fr",
        organization_name="Musée des Beaux-Arts de Lyon",
        organization_type=OrganizationType.MUSEUM,
        country="FR",
        content_language="fr",
        licence=Licence.CC_BY_SA,
        description="2,000 photos of paintings",
        contact_name="Camille Martin",
        contact_email="camille@example.org",
        consent=True,
    )
    values.update(changes)
    return Inquiry(**values)


def submit(sessionmaker, inquiry: Inquiry, decision=None, **kwargs):
    with sessionmaker.begin() as session:
        return submit_inquiry(
            session=session,
            inquiry=inquiry,
            qualification=qualify(inquiry),
            decision=decision or FakeDecision(),
            **kwargs,
        )


def count(engine: Engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_submit_and_get_round_trip_in_api_shape(sessionmaker):
    stored = submit(sessionmaker, make_inquiry())
    assert stored.created and stored.status is Status.ROUTED
    assert stored.reference.startswith("WMP-") and len(stored.reference) == 12
    assert set(stored.reference[4:]) <= set(names.CROCKFORD_ALPHABET)
    with sessionmaker.begin() as session:
        got = get_inquiry(session=session, reference=stored.reference)
    assert got is not None
    created_at = got.pop("created_at")
    assert created_at.endswith("Z")
    assert datetime.fromisoformat(created_at[:-1] + "+00:00").tzinfo is not None
    assert got == {
        "reference": stored.reference,
        "conversation_id": "conv-1",
        "status": "routed",
        "language": "fr",
        "partnership_type": "content_donation",
        "organization": {"name": "Musée des Beaux-Arts de Lyon", "type": "museum"},
        "country": "FR",
        "region": None,
        "content_language": "fr",
        "licence": "cc_by_sa",
        "description": "2,000 photos of paintings",
        "contact": {"name": "Camille Martin", "email": "camille@example.org"},
        "consent": True,
        "qualification": {
            "tier": "qualified",
            "reasons": list(qualify(make_inquiry()).reasons),
        },
        "routing": {
            "affiliate_id": "wm-fr",
            "rule": "country:chapter",
            "reasons": ["Wikimedia France is the chapter for France."],
            "alternatives": ["ug-fr-glam", "wmf-partnerships"],
        },
        "wants_person": False,
    }
    loose = stored.reference.lower().replace("wmp-", "wmp ").replace("0", "o").replace("1", "l")
    with sessionmaker.begin() as session:
        assert get_inquiry(session=session, reference=loose)["reference"] == stored.reference
        assert get_inquiry(session=session, reference="WMP-00000000") is None
        history = session.execute(select(status_history)).all()
        decision = session.execute(select(routing_decisions)).one()
    assert [(h.from_status, h.to_status, h.actor) for h in history] == [(None, "routed", "assistant")]
    assert decision.wikimedia_region == "Europe" and decision.is_current


def test_submit_is_idempotent_per_conversation(sessionmaker, engine):
    first = submit(sessionmaker, make_inquiry())
    second = submit(sessionmaker, make_inquiry(description="changed"), FakeDecision("wm-de"))
    assert second.reference == first.reference and not second.created
    assert count(engine, inquiries) == 1
    assert count(engine, routing_decisions) == 1
    assert count(engine, status_history) == 1
    with sessionmaker.begin() as session:
        assert get_inquiry(session=session, reference=first.reference)["description"] == (
            "2,000 photos of paintings"
        )


def test_concurrent_submits_of_one_conversation_store_one_inquiry(sessionmaker, engine):
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(submit(sessionmaker, make_inquiry("race")))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len({r.reference for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert count(engine, inquiries) == 1
    assert count(engine, organizations) == 1


def test_lost_race_on_the_unique_constraint_returns_the_winner(sessionmaker, engine, monkeypatch):
    winner = submit(sessionmaker, make_inquiry("race"))
    real_existing = repository._existing
    calls = []

    def stale_first_look(session, conversation_id):
        calls.append(conversation_id)
        return None if len(calls) == 1 else real_existing(session, conversation_id)

    monkeypatch.setattr(repository, "_existing", stale_first_look)
    with sessionmaker.begin() as session:
        loser = submit_inquiry(
            session=session,
            inquiry=make_inquiry("race"),
            qualification=qualify(make_inquiry()),
            decision=FakeDecision(),
        )
        assert session.execute(select(func.count()).select_from(inquiries)).scalar_one() == 1
    assert loser.reference == winner.reference and not loser.created
    assert count(engine, inquiries) == 1 and count(engine, status_history) == 1


def test_failure_after_the_inquiry_insert_writes_nothing(sessionmaker, engine):
    with pytest.raises(RuntimeError, match="routing blew up"):
        submit(sessionmaker, make_inquiry(), ExplodingDecision())
    for table in (organizations, inquiries, routing_decisions, status_history):
        assert count(engine, table) == 0


def test_no_contact_details_without_consent(sessionmaker, engine):
    # Defence in depth: even an Inquiry carrying contact details is stripped without consent.
    stored = submit(sessionmaker, make_inquiry(consent=False))
    with sessionmaker.begin() as session:
        got = get_inquiry(session=session, reference=stored.reference)
    assert got["contact"] == {"name": None, "email": None} and got["consent"] is False
    with engine.connect() as connection:
        row = connection.execute(select(inquiries.c.contact_name, inquiries.c.contact_email)).one()
    assert tuple(row) == (None, None)


def test_deflection_is_stored_without_routing(sessionmaker):
    with sessionmaker.begin() as session:
        stored = record_deflection(
            session=session,
            conversation_id="coi",
            language="es",
            organization_name="Acme S.A.",
            description="wants an article about itself",
        )
    with sessionmaker.begin() as session:
        again = record_deflection(session=session, conversation_id="coi", language="es")
        got = get_inquiry(session=session, reference=stored.reference)
    assert again.reference == stored.reference and not again.created
    assert got["status"] == "deflected" and got["routing"] is None
    assert got["organization"] == {"name": "Acme S.A.", "type": None}
    assert got["qualification"] == {"tier": None, "reasons": []}
    assert got["partnership_type"] is None and got["language"] == "es"


def test_list_inquiries_filters(sessionmaker):
    a = submit(sessionmaker, make_inquiry("a"))
    b = submit(sessionmaker, make_inquiry("b", organization_name="Uni"), FakeDecision("wikiedu"))
    with sessionmaker.begin() as session:
        d = record_deflection(session=session, conversation_id="d", language="en")
        change_status(session=session, reference=b.reference, to_status=Status.ACCEPTED, actor="wikiedu")

    def refs(**filters):
        with sessionmaker.begin() as session:
            return [row["reference"] for row in list_inquiries(session=session, **filters)]

    assert refs() == [d.reference, b.reference, a.reference]
    assert refs(conversation_id="a") == [a.reference]
    assert refs(status="deflected") == [d.reference]
    assert refs(status=Status.ACCEPTED) == [b.reference]
    assert refs(affiliate="wm-fr") == [a.reference]
    assert refs(affiliate="wikiedu", status="routed") == []
    assert refs(limit=1, offset=1) == [b.reference]
    assert refs(conversation_id="nobody") == []
    with sessionmaker.begin() as session, pytest.raises(ValueError):
        list_inquiries(session=session, limit=0)


def test_continuity_finds_the_affiliate_that_accepted(sessionmaker):
    stored = submit(sessionmaker, make_inquiry("first"))
    with sessionmaker.begin() as session:
        assert (
            accepted_affiliate_for(
                session=session, organization_name="Musée des Beaux-Arts de Lyon", country="FR"
            )
            is None
        )  # routed, not yet accepted
        assert change_status(
            session=session, reference=stored.reference, to_status=Status.ACCEPTED, actor="wm-fr"
        )
    with sessionmaker.begin() as session:
        lookup = accepted_affiliate_for
        assert (
            lookup(session=session, organization_name="musee des beaux arts de lyon ", country="FR")
            == "wm-fr"
        )
        assert (
            lookup(session=session, organization_name="MUSÉE DES BEAUX-ARTS, DE LYON", country="FR")
            == "wm-fr"
        )
        assert lookup(session=session, organization_name="Musée des Beaux-Arts de Lyon", country="BE") is None
        assert lookup(session=session, organization_name="Another museum", country="FR") is None
        assert lookup(session=session, organization_name=None, country="FR") is None
    # A second inquiry of the same organisation reuses its row.
    submit(sessionmaker, make_inquiry("second", organization_name="musée des beaux-arts de LYON"))
    with sessionmaker.begin() as session:
        assert session.execute(select(func.count()).select_from(organizations)).scalar_one() == 1


def test_normalize_org_name():
    assert normalize_org_name("  Musée  d'Orsay! ") == "musee d orsay"
    assert normalize_org_name("Straße & Co.") == "strasse co"
    assert normalize_org_name("") == "" and normalize_org_name(None) == ""


def test_migration_upgrade_twice_is_a_noop(db_url, engine):
    assert schema.current_revision(engine) == schema.head_revision()
    before = count(engine, inquiries)
    upgrade(db_url)
    assert schema.current_revision(engine) == schema.head_revision()
    assert count(engine, inquiries) == before


def test_migration_leaves_foreign_tables_alone(db_url, engine):
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)")
        connection.exec_driver_sql("INSERT INTO events (id, sender_id) VALUES (1, 'rasa')")
    upgrade(db_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT sender_id FROM events").scalar_one() == "rasa"


def test_concurrent_submits_of_one_organisation_share_its_row(sessionmaker, engine):
    barrier = threading.Barrier(4)
    errors = []

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            submit(sessionmaker, make_inquiry(f"conv-{n}"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert count(engine, inquiries) == 4
    assert count(engine, organizations) == 1


def test_sqlite_connections_use_wal_and_a_busy_timeout(tmp_path):
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


def test_concurrent_upgrades_take_turns(db_url):
    # The Rasa server, the action server and the console may all migrate at start-up.
    barrier = threading.Barrier(3)
    errors = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            upgrade(db_url)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    engine = make_engine(db_url)
    try:
        assert schema.current_revision(engine) == schema.head_revision()
    finally:
        engine.dispose()


def test_canonical_reference():
    assert names.canonical_reference(" wmp-abcd efgo ") == "WMP-ABCDEFG0"
    assert names.canonical_reference("WMP-1I1L0O00") == "WMP-11110000"
    assert names.canonical_reference("1abc-2def") == "WMP-1ABC2DEF"
    assert names.canonical_reference("wmp wmpa bcde") == "WMP-WMPABCDE"


def test_deflected_conversation_can_still_become_an_inquiry(sessionmaker):
    with sessionmaker.begin() as session:
        deflected = record_deflection(session=session, conversation_id="later", language="en")
    stored = submit(sessionmaker, make_inquiry("later"), FakeDecision())
    assert stored.created and stored.reference == deflected.reference
    with sessionmaker.begin() as session:
        got = get_inquiry(session=session, reference=stored.reference)
        history = session.execute(
            select(status_history.c.from_status, status_history.c.to_status).order_by(status_history.c.id)
        ).all()
    assert got["status"] == "routed" and got["routing"]["affiliate_id"] == "wm-fr"
    assert got["organization"]["name"] == "Musée des Beaux-Arts de Lyon"
    assert [tuple(h) for h in history] == [(None, "deflected"), ("deflected", "routed")]
    again = submit(sessionmaker, make_inquiry("later"), FakeDecision())
    assert not again.created and again.reference == stored.reference


def test_migrations_create_exactly_the_tables_of_the_code(engine):
    """Alembic's autogenerate finds nothing to change after `upgrade` (tables, columns, indexes)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.store.tables import OWNED_TABLES, metadata

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, kind, parent: kind != "table" or name in OWNED_TABLES,
            "compare_type": False,
        })
        assert compare_metadata(context, metadata) == []
