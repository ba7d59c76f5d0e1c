"""`intake erase` and `intake purge` against real databases: after an erasure no table holds the
person's e-mail or name, the statistics row stays, other people's data is untouched, dry runs
change nothing, and the audit rows hold counts and references only."""
from __future__ import annotations

import asyncio
import io
import json
import warnings
from datetime import datetime, timedelta, timezone

import pytest
from rasa_events import bot, create_events_table, slot, user, write_events
from sqlalchemy import MetaData, Table, func, inspect, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SAWarning

from bot.cli import main
from bot.delivery.handover import accept
from bot.intake.model import Status
from bot.intake.service import submit
from bot.routing import default_router
from bot.store import change_status
from bot.store.console.inquiries import add_note
from bot.store.rasa_events import events
from bot.store.retention import RetentionPolicy
from bot.store.review import flag_message, mark_exported
from bot.store.tables import deliveries, erasures, inquiries, inquiry_notes, review_flags

NAME, EMAIL = "Camille Lefèvre", "camille.lefevre@example.org"
OTHER_NAME, OTHER_EMAIL = "Jonas Weber", "jonas.weber@example.net"
NOW = datetime.now(timezone.utc)
SLOTS = {
    "language": "fr", "partnership_type": "content_donation", "organization_name": "Musée de Lyon",
    "organization_type": "museum", "country": "FR", "content_language": "fr", "licence": "cc_by_sa",
    "project_description": f"2 000 photos ; écrivez à {EMAIL}", "consent": True,
}


def intake(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def conversation(engine: Engine, conversation_id: str, name: str, email: str, *, t: float) -> None:
    """What Rasa stores of a conversation in which the partner gave their name and address."""
    write_events(engine, conversation_id, [
        user(f"Bonjour, je suis {name} ({email})", "greet", t=t),
        bot("Bonjour ! De quoi s'agit-il ?", t=t + 1),
        slot("contact_name", name, t=t + 2),
        slot("contact_email", email, t=t + 3),
        bot(f"Résumé : {name}, {email}", t=t + 4),
    ])


def submitted(sessionmaker, conversation_id: str, name: str, email: str):
    return submit(sessionmaker=sessionmaker, router=default_router(), conversation_id=conversation_id,
                  slots=dict(SLOTS, contact_name=name, contact_email=email, opening=f"Je suis {name}",
                             project_description=f"2 000 photos ; écrivez à {email}"))


@pytest.fixture
def world(db_url, engine, sessionmaker, monkeypatch):
    """Camille's inquiry (with a flagged, exported message, an accept e-mail to her, notes and a
    status reason naming her) and an earlier conversation of hers that became nothing; Jonas's
    inquiry, whose note mentions Camille's address."""
    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    create_events_table(engine)
    t = NOW.timestamp() - 3600
    conversation(engine, "conv-camille", NAME, EMAIL.upper(), t=t)
    conversation(engine, "conv-camille-earlier", NAME, EMAIL, t=t - 600)
    conversation(engine, "conv-jonas", OTHER_NAME, OTHER_EMAIL, t=t)
    camille = submitted(sessionmaker, "conv-camille", NAME, EMAIL)
    jonas = submitted(sessionmaker, "conv-jonas", OTHER_NAME, OTHER_EMAIL)
    with sessionmaker.begin() as session:
        first = session.scalars(select(events.c.id).where(events.c.sender_id == "conv-camille")
                                .order_by(events.c.id)).first()
        flag_message(session=session, event_id=first, conversation_id="conv-camille",
                     text=f"Bonjour, je suis {NAME} ({EMAIL})", language="fr", predicted_intent="greet",
                     correct_intent="inform", entities=[], user_id=None)
        mark_exported(session=session, ids=list(session.scalars(select(review_flags.c.id))))
        assert accept(session=session, reference=camille.reference, affiliate_id=camille.affiliate_id, actor="test")
        ids = dict(session.execute(select(inquiries.c.reference, inquiries.c.id)).all())
        add_note(session=session, inquiry_id=ids[camille.reference], user_id=None, author="staff@example.org",
                 body=f"Appelé {NAME.upper()} ; elle préfère {EMAIL}. Also fine.", visibility="staff")
        add_note(session=session, inquiry_id=ids[jonas.reference], user_id=None, author="staff@example.org",
                 body=f"Same museum as {EMAIL}; {OTHER_NAME} is the curator.", visibility="shared")
        change_status(session=session, reference=camille.reference, to_status=Status.CLOSED, actor="staff",
                      reason=f"done after a call with {NAME}")
    return {"camille": camille.reference, "jonas": jonas.reference}


def reflect(connection, name: str) -> Table:
    with warnings.catch_warnings():  # an expression index SQLAlchemy cannot reflect; columns are what we read
        warnings.simplefilter("ignore", SAWarning)
        return Table(name, MetaData(), autoload_with=connection)


def leaks(engine: Engine, *needles: str) -> list[tuple[str, str]]:
    """(table, column) of every value in the database that contains one of `needles` (any case;
    also as JSON escapes them, the way Rasa stores event data)."""
    forms = {form.casefold() for n in needles for form in (n, json.dumps(n)[1:-1])}
    found = []
    with engine.connect() as connection:
        for name in inspect(connection).get_table_names():
            table = reflect(connection, name)
            for row in connection.execute(select(table)):
                for column, value in row._mapping.items():
                    text = (value if isinstance(value, str) else json.dumps(value, default=str)).casefold()
                    if any(form in text for form in forms):
                        found.append((name, column))
    return sorted(set(found))


def counts_in(out: str) -> dict[str, int]:
    """The per-table counts an `intake erase` or `purge` printed."""
    pairs = (line.split() for line in out.splitlines())
    return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}


def snapshot(engine: Engine) -> dict[str, list]:
    with engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
        return {n: sorted(map(repr, connection.execute(select(reflect(connection, n)))))
                for n in names}


def audit_rows(sessionmaker) -> list[dict]:
    with sessionmaker.begin() as session:
        return [dict(r._mapping) for r in session.execute(select(erasures).order_by(erasures.c.id))]


def test_erase_by_email_leaves_the_address_and_name_nowhere(world, engine, sessionmaker, capsys):
    assert leaks(engine, EMAIL)  # the search finds what is there before the erasure
    code, out = intake("erase", "--email", "  Camille.LEFEVRE@example.org ")
    assert code == 0
    assert leaks(engine, EMAIL, NAME) == []
    printed = (out + capsys.readouterr().err).casefold()
    assert EMAIL not in printed and "lefèvre" not in printed and "conv-camille" not in printed
    assert world["camille"] in out and world["jonas"] not in out
    counts = counts_in(out)
    assert counts["conversations"] == 2 and counts["events"] == 10 and counts["review_flags_exported"] == 1
    assert counts["deliveries_cancelled"] == 1 and counts["inquiry_notes"] == 2 and counts["status_history"] == 1

    with sessionmaker.begin() as session:
        kept = session.execute(select(inquiries).where(inquiries.c.reference == world["camille"])).one()
        jonas = session.execute(select(inquiries).where(inquiries.c.reference == world["jonas"])).one()
        partner_mail = session.execute(select(deliveries.c.status, deliveries.c.target)
                                       .where(deliveries.c.channel == "partner_email")).one()
        notes = list(session.scalars(select(inquiry_notes.c.body).order_by(inquiry_notes.c.id)))
    # The statistics row stays, without the person.
    assert (kept.status, kept.partnership_type, kept.country) == ("closed", "content_donation", "FR")
    assert (kept.contact_name, kept.contact_email, kept.consent) == (None, None, False)
    assert (kept.description, kept.opening) == ("[erased]", "[erased]") and kept.erased_at is not None
    assert partner_mail.status == "cancelled" and partner_mail.target == {"to": ["[erased]"]}
    assert notes == ["Appelé [erased] ; elle préfère [erased]. Also fine.",
                     f"Same museum as [erased]; {OTHER_NAME} is the curator."]
    # Someone else's data is untouched.
    assert (jonas.contact_name, jonas.contact_email, jonas.erased_at) == (OTHER_NAME, OTHER_EMAIL, None)
    assert leaks(engine, OTHER_EMAIL) != []
    (audit,) = audit_rows(sessionmaker)
    assert (audit["kind"], audit["selector"], audit["inquiry_references"]) == ("erase", "email", [world["camille"]])
    assert audit["counts"]["events"] == 10 and audit["actor"].startswith("cli")
    assert "conv-" not in json.dumps(audit, default=str)  # nor the conversation ids


def test_erase_by_reference_takes_that_inquirys_conversation_only(world, engine, sessionmaker):
    code, out = intake("erase", "--reference", world["camille"].lower())
    assert code == 0 and world["camille"] in out
    with sessionmaker.begin() as session:
        senders = set(session.scalars(select(events.c.sender_id)))
        kept = session.execute(select(inquiries.c.contact_email, inquiries.c.description)
                               .where(inquiries.c.reference == world["camille"])).one()
    assert senders == {"conv-camille-earlier", "conv-jonas"}  # the reference names one conversation
    assert tuple(kept) == (None, "[erased]")
    # What the erased conversation held about her is gone from its inquiry's rows.
    assert [t for t, _ in leaks(engine, EMAIL, NAME)] == ["events", "inquiry_notes"]
    (audit,) = audit_rows(sessionmaker)
    assert audit["selector"] == "reference" and audit["counts"]["conversations"] == 1


def test_erase_by_conversation_deletes_an_abandoned_transcript(world, engine, sessionmaker):
    code, out = intake("erase", "--conversation", "conv-camille-earlier")
    assert code == 0 and counts_in(out) == {"conversations": 1, "events": 5} and "inquiries:" not in out
    with sessionmaker.begin() as session:
        assert session.scalar(select(func.count()).select_from(events)
                              .where(events.c.sender_id == "conv-camille-earlier")) == 0
        assert session.scalar(select(func.count()).select_from(events)) == 10


def test_nothing_to_erase_is_exit_0_and_still_audited(world, engine, sessionmaker):
    before = snapshot(engine)
    assert intake("erase", "--email", "nobody@example.org") == (0, "nothing to erase\n")
    after = snapshot(engine)
    assert after.pop("erasures") != before.pop("erasures") and after == before
    (audit,) = audit_rows(sessionmaker)
    assert audit["counts"] == {} and audit["inquiry_references"] == []


def test_dry_run_prints_the_real_counts_and_changes_nothing(world, engine, sessionmaker):
    before = snapshot(engine)
    code, dry = intake("erase", "--email", EMAIL, "--dry-run")
    assert code == 0 and dry.startswith("dry run: nothing was changed\n")
    assert snapshot(engine) == before and audit_rows(sessionmaker) == []
    code, real = intake("erase", "--email", EMAIL)
    assert real == dry.removeprefix("dry run: nothing was changed\n")


@pytest.mark.parametrize("argv", [
    ["erase"],
    ["erase", "--email", EMAIL, "--reference", "WMP-00000000"],
    ["erase", "--email", f"not an address {EMAIL[:8]}"],
    ["erase", "--conversation", "bad id with spaces"],
])
def test_erase_needs_exactly_one_well_formed_selector(world, argv, capsys):
    assert intake(*argv) == (2, "")
    err = capsys.readouterr().err
    assert err.startswith("intake") and err.count("\n") == 1 and EMAIL[:8] not in err


def test_purge_applies_both_retention_periods(world, engine, sessionmaker, monkeypatch):
    old = (NOW - timedelta(days=40)).timestamp()
    conversation(engine, "conv-old-abandoned", "Ana Lima", "ana@example.org", t=old)
    with engine.begin() as connection:  # Jonas's inquiry was made 400 days ago
        connection.execute(update(inquiries).where(inquiries.c.reference == world["jonas"])
                           .values(created_at=NOW - timedelta(days=400)))
    monkeypatch.setenv("INTAKE_RETENTION_DAYS_ABANDONED", "30")
    monkeypatch.setenv("INTAKE_RETENTION_DAYS", "365")

    before = snapshot(engine)
    code, dry = intake("purge", "--dry-run")
    assert code == 0 and snapshot(engine) == before
    code, out = intake("purge")
    assert code == 0 and out == dry.replace("dry run: nothing was changed\n", "")
    assert "30 days" in out and "365 days" in out and world["jonas"] in out and world["camille"] not in out
    assert leaks(engine, "ana@example.org", "Ana Lima", OTHER_EMAIL, OTHER_NAME) == []
    with sessionmaker.begin() as session:
        senders = set(session.scalars(select(events.c.sender_id)))
        camille = session.execute(select(inquiries.c.contact_email, inquiries.c.erased_at)
                                  .where(inquiries.c.reference == world["camille"])).one()
    # Recent conversations and Camille's recent inquiry are kept.
    assert senders == {"conv-camille", "conv-camille-earlier"} and tuple(camille) == (EMAIL, None)
    (audit,) = audit_rows(sessionmaker)
    assert (audit["kind"], audit["selector"], audit["inquiry_references"]) == ("purge", "retention", [world["jonas"]])
    assert audit["counts"]["conversations_abandoned"] == 1 and audit["counts"]["inquiries_expired"] == 1

    assert intake("purge")[1].endswith("nothing to purge\n")  # what was purged is not purged again


def test_the_default_periods_keep_recent_data(world, engine):
    before = snapshot(engine)
    code, out = intake("purge")
    assert code == 0 and "90 days" in out and "730 days" in out and out.endswith("nothing to purge\n")
    after = snapshot(engine)
    assert after.pop("erasures") != before.pop("erasures") and after == before


def test_the_worker_purges_at_start_in_batches_and_logs_counts_only(world, engine, sessionmaker, caplog):
    from integrations.delivery.links import LinkMaker
    from integrations.delivery.worker import Worker

    for i in range(5):
        conversation(engine, f"conv-stale-{i}", "Ana Lima", f"ana{i}@example.org",
                     t=(NOW - timedelta(days=100)).timestamp())
    worker = Worker(sessionmaker=sessionmaker, endpoints=None, webhook=None, smtp=None,
                    links=LinkMaker("http://console.test", "l" * 32), affiliate_names={}, mail_from="x@example.org",
                    retention=RetentionPolicy(), purge_batch=2, poll_seconds=0.05)

    async def until_purged() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            for _ in range(400):  # the worker purges when it starts; wait for it, not for a time
                if len(audit_rows(sessionmaker)) == 3:
                    break
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await task

    caplog.set_level("INFO", logger="intake.delivery")
    asyncio.run(until_purged())
    rows = audit_rows(sessionmaker)
    # Five stale conversations in batches of two: three transactions, three audit rows.
    assert [r["counts"]["conversations_abandoned"] for r in rows] == [2, 2, 1]
    assert {r["actor"] for r in rows} == {"delivery-worker"}
    assert leaks(engine, "Ana Lima", "ana0@example.org", "ana4@example.org") == []
    assert "retention purge: conversations_abandoned 5, events 25" in caplog.text
    assert "ana lima" not in caplog.text.lower() and "@example.org" not in caplog.text
    assert "conv-stale" not in caplog.text
    assert asyncio.run(worker.purge()) == {}  # nothing left: no log line, no empty audit row
    assert len(audit_rows(sessionmaker)) == 3


def test_before_rasa_has_made_its_table_there_is_simply_less_to_erase(db_url, sessionmaker, monkeypatch):
    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    reference = submitted(sessionmaker, "conv-camille", NAME, EMAIL).reference
    assert intake("purge")[0] == 0
    code, out = intake("erase", "--email", EMAIL)
    assert code == 0 and reference in out and counts_in(out)["inquiries"] == 1
    with sessionmaker.begin() as session:
        assert session.scalar(select(inquiries.c.contact_email)) is None
