"""`conversation_stats`: what the staff dashboard counts of each conversation, per week, kept
from the events Rasa publishes to RabbitMQ (integrations/analytics/consumer.py) or recomputed from
Rasa's `events` table (`rebuild`, `repair`).

Delivery is at least once: a message may come twice (a consumer that stopped before its ack, a
reconnection). Every fact therefore merges idempotently: first times are minimums, the last
question asked is the one with the latest time, and partner messages are counted from the set of
their timestamps (`seen`), never by adding one per message. Merging the same events again, in
any order, leaves a row as it was.

The events come in Rasa's format (`{"event": "user", "timestamp": …, "parse_data": {"intent":
{"name": …}}}`, `{"event": "slot", "name": "requested_slot", "value": …}`); only type, time,
intent, form name and the requested slot are read.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from bot.store.console.stats import MONDAY_OFFSET, WEEK
from bot.store.rasa_events import events
from bot.store.tables import conversation_stats

FORM = "intake_form"
FALLBACK_INTENT = "nlu_fallback"
REQUESTED_SLOT = "requested_slot"
Key = tuple[str, int]


def week_of(stamp: float) -> int:
    """The Monday-based week number of a Unix time (bot/store/console/stats.py's weeks)."""
    return math.floor((stamp - MONDAY_OFFSET) / WEEK)


def week_start(week: int) -> float:
    """The Unix time at which week number `week` begins (Monday 00:00 UTC)."""
    return float(week * WEEK + MONDAY_OFFSET)


@dataclass
class Facts:
    """One conversation's facts in one week (a `conversation_stats` row)."""

    began_at: float
    form_began_at: float | None = None
    seen: dict[str, int] = field(default_factory=dict)
    requested_slot: str | None = None
    requested_slot_at: float | None = None

    def add(self, event: Mapping[str, Any], stamp: float) -> None:
        """Fold in one event of this conversation and week."""
        self.began_at = min(self.began_at, stamp)
        kind = event.get("event")
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            self.seen[repr(stamp)] = 1 if intent == FALLBACK_INTENT else 0
        elif kind == "active_loop" and event.get("name") == FORM:
            self.form_began_at = _earliest(self.form_began_at, stamp)
        elif kind == "slot" and event.get("name") == REQUESTED_SLOT:
            self._asked(event.get("value"), stamp)

    def merge(self, other: Facts) -> None:
        """Fold in another record of the same conversation and week (idempotent, commutative)."""
        self.began_at = min(self.began_at, other.began_at)
        self.form_began_at = _earliest(self.form_began_at, other.form_began_at)
        self.seen = {**other.seen, **self.seen}
        if other.requested_slot_at is not None:
            self._asked(other.requested_slot, other.requested_slot_at)

    def _asked(self, value: Any, stamp: float) -> None:
        # The later setting wins; at the same instant the larger value, so that the outcome
        # does not depend on the order two records are merged in.
        slot = None if value is None else str(value)[:100]
        if self.requested_slot_at is None or (stamp, slot or "") > (self.requested_slot_at, self.requested_slot or ""):
            self.requested_slot, self.requested_slot_at = slot, stamp

    def values(self) -> dict[str, Any]:
        """The row's columns, in the table's order."""
        return {"began_at": self.began_at, "form_began_at": self.form_began_at, "user_messages": len(self.seen),
                "fallbacks": sum(self.seen.values()), "seen": self.seen, "requested_slot": self.requested_slot,
                "requested_slot_at": self.requested_slot_at}


def _earliest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def fold(conversation_events: Iterable[tuple[str, Mapping[str, Any]]],
         into: dict[Key, Facts] | None = None) -> dict[Key, Facts]:
    """The facts of (conversation id, event) pairs, by conversation and week; events without a
    time are skipped."""
    facts: dict[Key, Facts] = {} if into is None else into
    for conversation_id, event in conversation_events:
        stamp = event.get("timestamp")
        if not isinstance(stamp, (int, float)) or isinstance(stamp, bool) or not math.isfinite(stamp):
            continue
        key = (conversation_id, week_of(float(stamp)))
        row = facts.get(key)
        if row is None:
            row = facts[key] = Facts(began_at=float(stamp))
        row.add(event, float(stamp))
    return facts


def record(*, session: Session, facts: Mapping[Key, Facts]) -> None:
    """Merge `facts` into the table (the consumer's write, one transaction per batch).

    The rows are created if missing (a no-op for those another writer just made) and then read
    locked (PostgreSQL: FOR UPDATE; SQLite: the write lock of BEGIN IMMEDIATE), so that two
    consumers never lose each other's merge; three statements per batch, whatever its size."""
    if not facts:
        return
    keys = sorted(facts)  # one lock order for every writer: no deadlock between two consumers
    session.execute(_insert_if_missing(session), [{"conversation_id": c, "week": w, **facts[(c, w)].values()}
                                                   for c, w in keys])
    changed = []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows = session.execute(select(conversation_stats).where(
            tuple_(conversation_stats.c.conversation_id, conversation_stats.c.week).in_(chunk))
            .order_by(conversation_stats.c.conversation_id, conversation_stats.c.week).with_for_update())
        for row in rows:
            stored = Facts(began_at=row.began_at, form_began_at=row.form_began_at, seen=_seen(row.seen),
                           requested_slot=row.requested_slot, requested_slot_at=row.requested_slot_at)
            before = stored.values()
            stored.merge(facts[(row.conversation_id, row.week)])
            if stored.values() != before:
                changed.append({"key_conversation": row.conversation_id, "key_week": row.week, **stored.values()})
    if changed:
        session.execute(update(conversation_stats).where(
            conversation_stats.c.conversation_id == bindparam("key_conversation"),
            conversation_stats.c.week == bindparam("key_week")), changed)


def _insert_if_missing(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    return dialect_insert(conversation_stats).on_conflict_do_nothing()


def _seen(raw: Any) -> dict[str, int]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return {str(k): int(v) for k, v in (value or {}).items()}


def forget(*, session: Session, conversation_id: str) -> int:
    """Delete one conversation's rows (erasure, bot/store/erasure.py); how many there were."""
    return session.execute(
        delete(conversation_stats).where(conversation_stats.c.conversation_id == conversation_id)).rowcount or 0


# --- recomputing from Rasa's events table ------------------------------------------------------

def _stored_events(session: Session, *conditions: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(conversation id, event) from the `events` table, in Rasa's format as far as the facts
    need it: the JSON is read only for form and slot events (their name and value)."""
    needs_data = events.c.type_name.in_(("active_loop", "slot"))
    rows = session.execute(
        select(events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.intent_name,
               case((needs_data, events.c.data)))
        .where(*conditions).execution_options(yield_per=5000))
    for sender_id, kind, stamp, intent, data in rows:
        event: dict[str, Any] = {"event": kind, "timestamp": stamp}
        if kind == "user":
            event["parse_data"] = {"intent": {"name": intent}}
        elif data:
            try:
                stored = json.loads(data)
            except ValueError:
                stored = {}
            event["name"], event["value"] = stored.get("name"), stored.get("value")
        yield sender_id, event


def _replace(session: Session, facts: Mapping[Key, Facts]) -> int:
    rows = [{"conversation_id": c, "week": w, **f.values()} for (c, w), f in facts.items()]
    for start in range(0, len(rows), 1000):
        session.execute(insert(conversation_stats), rows[start:start + 1000])
    return len(rows)


def rebuild(*, session: Session, since_week: int | None = None) -> int:
    """Recompute the table from the events (all weeks, or from week number `since_week` on):
    the first deployment, or after events were lost; rows written."""
    if since_week is None:
        session.execute(delete(conversation_stats))
        return _replace(session, fold(_stored_events(session)))
    session.execute(delete(conversation_stats).where(conversation_stats.c.week >= since_week))
    return _replace(session, fold(_stored_events(session, events.c.timestamp >= week_start(since_week))))


def repair(*, session: Session, conversation_ids: Iterable[str]) -> int:
    """Recompute the rows of these conversations from their events; rows written."""
    written = 0
    ids = sorted(set(conversation_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        session.execute(delete(conversation_stats).where(conversation_stats.c.conversation_id.in_(chunk)))
        written += _replace(session, fold(_stored_events(session, events.c.sender_id.in_(chunk))))
    return written


def active_since(*, session: Session, stamp: float) -> list[str]:
    """The conversations with events from Unix time `stamp` on.

    `events.timestamp` has no index (Rasa's table); the ids grow with time, so the first id at or
    after `stamp` is found by bisection over the primary key (a few dozen index lookups) and only
    the rows from there are read. Ids are assigned at commit, within a second or so of the event's
    time across servers: callers give a margin."""
    low, high = session.execute(select(func.min(events.c.id), func.max(events.c.id))).one()
    if low is None:
        return []
    while low < high:
        middle = (low + high) // 2
        at = session.execute(select(events.c.timestamp).where(events.c.id >= middle)
                             .order_by(events.c.id).limit(1)).scalar()
        if at is not None and at >= stamp:
            high = middle
        else:
            low = middle + 1
    return list(session.scalars(select(events.c.sender_id).distinct()
                                .where(events.c.id >= low, events.c.timestamp >= stamp)))
