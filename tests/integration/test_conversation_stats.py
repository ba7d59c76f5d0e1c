"""conversation_stats (the analytics consumer's table) against Rasa's events: the dashboard's
conversation numbers are the same from both, merging is idempotent in any order, erasure removes
a conversation's rows, and the outage repair finds the conversations it must recompute."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from analytics_world import EXPECTED, TODAY, add_inquiry, at, conversations, published
from rasa_events import create_events_table, write_events
from sqlalchemy import select

from bot.store.console.stats import dashboard, week_label, weeks_until
from bot.store.conversation_stats import Facts, active_since, fold, rebuild, record, repair
from bot.store.erasure import erase_conversation, find_conversations
from bot.store.tables import conversation_stats
from integrations.analytics.broker import analytics_event


@pytest.fixture
def world(engine, sessionmaker):
    create_events_table(engine)
    for conversation, steps in conversations().items():
        write_events(engine, conversation, steps)
    add_inquiry(sessionmaker)


def table(sessionmaker) -> list[tuple]:
    with sessionmaker() as session:
        return [tuple(row) for row in session.execute(
            select(conversation_stats).order_by(conversation_stats.c.conversation_id, conversation_stats.c.week))]


def by_weeks_ago(values: list) -> dict[int, object]:
    labels = weeks_until(TODAY, 12)
    return {len(labels) - 1 - i: v for i, v in enumerate(values) if v}


def test_the_table_and_the_events_give_the_same_dashboard(world, sessionmaker):
    with sessionmaker.begin() as session:
        assert rebuild(session=session) == 10  # one row per conversation and week it had events in
    with sessionmaker() as session:
        from_events = dashboard(session=session, scope=None, today=TODAY)
        from_table = dashboard(session=session, scope=None, today=TODAY, tallied=True)
    assert from_table == from_events
    assert by_weeks_ago(from_table["funnel"]["conversations"]) == EXPECTED["conversations"]
    assert by_weeks_ago(from_table["funnel"]["intake started"]) == EXPECTED["intake started"]
    assert from_table["drop_off"] == EXPECTED["drop_off"]
    rates = dict(from_table["fallback_rate"])
    assert [rates[week_label(TODAY)], rates[weeks_until(TODAY, 2)[0]], rates[weeks_until(TODAY, 3)[0]]] == [
        14.3, 20.0, 50.0]


def test_published_events_merged_twice_in_any_order_equal_the_rebuild(world, sessionmaker):
    """At-least-once delivery: every event published twice, batches in a random order."""
    rng = random.Random(15)
    pairs = [(c, analytics_event(c, e)) for c, e in published(rng)] * 2
    rng.shuffle(pairs)
    for start in range(0, len(pairs), 7):
        with sessionmaker.begin() as session:
            record(session=session, facts=fold(pairs[start:start + 7]))
    merged = table(sessionmaker)
    with sessionmaker.begin() as session:
        rebuild(session=session)
    assert merged == table(sessionmaker)
    back = {(row[0], row[1]): row for row in merged}[("w-back", (int(at(0)) - 4 * 86400) // (7 * 86400))]
    assert back[4:6] == (1, 0)  # one partner message this week, understood, counted once


def test_facts_merge_commutatively():
    a = fold([("c", {"event": "slot", "name": "requested_slot", "value": "country", "timestamp": 10.0})])
    b = fold([("c", {"event": "slot", "name": "requested_slot", "value": "email", "timestamp": 10.0}),
              ("c", {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}, "timestamp": 9.0})])
    ab, ba = Facts(**vars(next(iter(a.values())))), Facts(**vars(next(iter(b.values()))))
    ab.merge(next(iter(b.values())))
    ba.merge(next(iter(a.values())))
    assert ab.values() == ba.values() and ab.values()["fallbacks"] == 1 and ab.began_at == 9.0


def test_erasure_removes_a_conversations_rows(world, sessionmaker):
    with sessionmaker.begin() as session:
        rebuild(session=session)
    with sessionmaker.begin() as session:
        counts, _ = erase_conversation(session=session, conversation_id="w-two-weeks")
    assert counts["conversation_stats"] == 2
    assert "w-two-weeks" not in {row[0] for row in table(sessionmaker)}
    # A conversation known only to the table (its events purged) is still found by its id.
    with sessionmaker.begin() as session:
        record(session=session, facts=fold([("only-here", {"event": "session_started", "timestamp": at(0)})]))
    with sessionmaker() as session:
        assert find_conversations(session=session, selector="conversation", value="only-here") == ["only-here"]


def test_repair_recomputes_the_conversations_active_since_an_instant(world, sessionmaker):
    with sessionmaker() as session:
        assert sorted(active_since(session=session, stamp=at(0, 150))) == ["w-old", "w-two-weeks"]
        assert active_since(session=session, stamp=at(-1)) == []
        assert len(active_since(session=session, stamp=0)) == len(conversations())
    with sessionmaker.begin() as session:
        rebuild(session=session)
    expected = table(sessionmaker)
    with sessionmaker.begin() as session:  # as if the events of an outage never reached the consumer
        session.execute(conversation_stats.delete().where(conversation_stats.c.conversation_id == "w-old"))
        session.execute(conversation_stats.update().values(user_messages=0, seen={}))
    with sessionmaker.begin() as session:
        repair(session=session, conversation_ids=[row[0] for row in expected])
    assert table(sessionmaker) == expected


def test_the_rebuild_command_recomputes_all_weeks_or_the_last_ones(world, sessionmaker, db_url, monkeypatch, capsys):
    from integrations.analytics.consumer import main

    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    monkeypatch.delenv("INTAKE_RABBITMQ_URL", raising=False)
    assert main(["--rebuild"]) == 0
    assert "conversation_stats rebuilt: 10 rows" in capsys.readouterr().out
    full = table(sessionmaker)
    with sessionmaker.begin() as session:  # every week's counts spoiled
        session.execute(conversation_stats.update().values(user_messages=99))
    # TODAY is the last Wednesday: on a Monday or a Tuesday that is last week, which "--weeks 1"
    # (the current week only) would leave alone.
    weeks = 1 + (date.today() - timedelta(days=date.today().weekday()) - (TODAY - timedelta(days=2))).days // 7
    assert main(["--rebuild", "--weeks", str(weeks)]) == 0
    this_week = max(row[1] for row in full)
    rows = table(sessionmaker)
    assert [r for r in rows if r[1] == this_week] == [r for r in full if r[1] == this_week]
    assert all(r[4] == 99 for r in rows if r[1] < this_week)  # older weeks left as they were
    assert main([]) == 2 and "INTAKE_RABBITMQ_URL is not set" in capsys.readouterr().err
