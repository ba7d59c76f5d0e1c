"""The dashboard's numbers: the weekly funnel, where partners drop off, breakdowns, time to
acceptance, the fallback rate and the hand-offs to a person. Aggregated in SQL (portable between SQLite and PostgreSQL:
weeks are computed from Unix seconds or from dates in Python), scoped like the inquiry list.
"""
from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, select, true
from sqlalchemy.orm import Session

from bot.intake.model import Status
from bot.store.clock import as_utc, start_of_day, utcnow
from bot.store.decisions import CURRENT_DECISION
from bot.store.handoffs import HandoffStatus
from bot.store.queries import visible_to
from bot.store.rasa_events import events
from bot.store.tables import conversation_stats, handoffs, inquiries, routing_decisions, status_history

WEEK = 7 * 24 * 3600
#: 1970-01-01 was a Thursday; ISO weeks start on Monday, four days later.
MONDAY_OFFSET = 4 * 24 * 3600
DEFLECTED, ACCEPTED = Status.DEFLECTED.value, Status.ACCEPTED.value


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_until(today: date, count: int) -> list[str]:
    monday = today - timedelta(days=today.weekday())
    return [week_label(monday - timedelta(weeks=i)) for i in reversed(range(count))]


def _event_week(ts_column: Any) -> Any:
    """The Monday-based week number of a Unix time, by integer division (SQLite and PostgreSQL)."""
    return (cast(ts_column, Integer) - MONDAY_OFFSET) / WEEK


def _week_of_index(index: float) -> str:
    day = datetime.fromtimestamp(int(index) * WEEK + MONDAY_OFFSET, tz=timezone.utc).date()
    return week_label(day)


def window(weeks: int, today: date | None = None) -> tuple[list[str], datetime]:
    """The week labels shown and the instant the first of them starts."""
    today = today or utcnow().date()
    since = start_of_day(today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1))
    return weeks_until(today, weeks), since


def conversation_part(*, session: Session, labels: list[str], since: datetime, tallied: bool = False) -> dict[str, Any]:
    """Staff-only numbers of the conversations: conversations and form starts per week, fallback
    rate; from Rasa's events, or from the analytics consumer's `conversation_stats` when
    `tallied` (INTAKE_RABBITMQ_URL is set). Both give the same numbers for the same events."""
    read = _tallied_weeks if tallied else _conversation_weeks
    conversations, started, fallback = read(session, since)
    return {
        "conversations": [conversations.get(w, 0) for w in labels],
        "intake started": [started.get(w, 0) for w in labels],
        "fallback_rate": [(w, round(100 * fallback[w][1] / fallback[w][0], 1) if fallback[w][0] else 0.0)
                          for w in labels],
    }


def drop_off_part(*, session: Session, since: datetime, tallied: bool = False) -> list[tuple[str, int]]:
    """Where partners who started the form stopped (see conversation_part for `tallied`)."""
    counts = _tallied_drop_off(session, since) if tallied else _drop_off(session, since)
    # Largest first, ties by name: the same order whichever source counted them.
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def inquiry_part(*, session: Session, labels: list[str], since: datetime, scope: str | None) -> dict[str, Any]:
    """Numbers from the inquiries the scope may see."""
    completed, routed, accepted = _inquiry_weeks(session, since, scope)
    out: dict[str, Any] = {"completed": [completed.get(w, 0) for w in labels],
                           "routed": [routed.get(w, 0) for w in labels],
                           "accepted": [accepted.get(w, 0) for w in labels]}
    for name, column in (("by_type", inquiries.c.partnership_type), ("by_country", inquiries.c.country),
                         ("by_language", inquiries.c.language), ("by_affiliate", routing_decisions.c.affiliate_id)):
        out[name] = _breakdown(session, column, since, scope, limit=15)
    out["time_to_accept"] = _time_to_accept(session, since, scope)
    return out


def handoff_part(*, session: Session, labels: list[str], since: datetime) -> dict[str, Any]:
    """Staff-only numbers of the hand-offs asked for in the window: per week how many were
    requested and answered (a person replied), the time to the first human reply (median and
    90th percentile, seconds, over the answered ones), the share answered among those someone
    was available for, and how many found nobody available (`missed`, counted apart)."""
    requested: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    waits: list[float] = []
    missed = 0
    for asked, replied, status in session.execute(
        select(handoffs.c.requested_at, handoffs.c.first_reply_at, handoffs.c.status)
        .where(handoffs.c.requested_at >= since)
    ):
        week = week_label(as_utc(asked).date())
        requested[week] += 1
        if status == HandoffStatus.MISSED.value:
            missed += 1
        elif replied is not None:
            answered[week] += 1
            waits.append(max((as_utc(replied) - as_utc(asked)).total_seconds(), 0.0))
    available = sum(requested.values()) - missed
    return {
        "weeks": {"requested": [requested.get(w, 0) for w in labels], "answered": [answered.get(w, 0) for w in labels]},
        "requested": sum(requested.values()),
        "answered": len(waits),
        "missed": missed,
        # Of the hand-offs someone was available for (waiting when asked, then claimed,
        # released or closed), the share a person replied to; None without any.
        "share_answered": round(100 * len(waits) / available, 1) if available else None,
        "median_seconds": round(statistics.median(waits), 1) if waits else None,
        "p90_seconds": round(_nearest_rank(waits, 0.9), 1) if waits else None,
    }


def _nearest_rank(values: list[float], fraction: float) -> float:
    """The `fraction` percentile of `values` by the nearest-rank method (a value that occurred)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def assemble(labels: list[str], staff: bool, inquiry: dict[str, Any], conversation: dict[str, Any] | None,
             drop_off: list[tuple[str, int]] | None, handoff: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dashboard's numbers from its parts (which the console reads concurrently); the
    hand-off numbers (`handoffs`) only when given (staff)."""
    funnel: dict[str, list[int]] = {}
    out: dict[str, Any] = {"weeks": labels, "staff": staff}
    if conversation is not None:
        funnel["conversations"] = conversation["conversations"]
        funnel["intake started"] = conversation["intake started"]
        out["fallback_rate"] = conversation["fallback_rate"]
        out["drop_off"] = drop_off or []
    for stage in ("completed", "routed", "accepted"):
        funnel[stage] = inquiry[stage]
    out["funnel"] = funnel
    for name in ("by_type", "by_country", "by_language", "by_affiliate", "time_to_accept"):
        out[name] = inquiry[name]
    if handoff is not None:
        out["handoffs"] = handoff
    return out


def dashboard(*, session: Session, scope: str | None, weeks: int = 12, today: date | None = None,
              tallied: bool = False) -> dict[str, Any]:
    """Everything the dashboard shows; conversation-level numbers only for staff (scope None)."""
    labels, since = window(weeks, today)
    staff = scope is None
    return assemble(labels, staff, inquiry_part(session=session, labels=labels, since=since, scope=scope),
                    conversation_part(session=session, labels=labels, since=since, tallied=tallied) if staff else None,
                    drop_off_part(session=session, since=since, tallied=tallied) if staff else None,
                    handoff_part(session=session, labels=labels, since=since) if staff else None)


def _conversation_weeks(session: Session, since: datetime) -> tuple[Counter, Counter, dict[str, list[int]]]:
    floor = since.timestamp()
    # One pass over the events for both: when each conversation began, and when its form did.
    form = case((and_(events.c.type_name == "active_loop", events.c.data.like('%"intake_form"%')), events.c.timestamp))
    # Events before the window are not read: a conversation that began just before it and went
    # on inside it counts in the window's first week (sessions last minutes, so these are few).
    per_conversation = session.execute(
        select(func.min(events.c.timestamp), func.min(form)).where(events.c.timestamp >= floor)
        .group_by(events.c.sender_id))
    conversations: Counter[str] = Counter()
    started: Counter[str] = Counter()
    for began, form_began in per_conversation:
        conversations[_week_of_stamp(began)] += 1
        if form_began is not None:
            started[_week_of_stamp(form_began)] += 1
    fallback: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    week = _event_week(events.c.timestamp)
    for w, total, missed in session.execute(
        select(week, func.count(), func.sum(case((events.c.intent_name == "nlu_fallback", 1), else_=0)))
        .where(events.c.type_name == "user", events.c.timestamp >= floor).group_by(week)
    ):
        fallback[_week_of_index(w)] = [int(total), int(missed or 0)]
    return conversations, started, fallback


def _week_of_stamp(stamp: float) -> str:
    return week_label(datetime.fromtimestamp(float(stamp), tz=timezone.utc).date())


def _drop_off(session: Session, since: datetime) -> Counter[str]:
    """Conversations that started the form and never became an inquiry, by their last question."""
    # IN + NOT EXISTS rather than joins: PostgreSQL misjudged the join's size and nested-looped
    # over 500,000 events for minutes; this plans as a hash semi-join and an index anti-join.
    last = (select(func.max(events.c.id))
            .where(events.c.type_name == "slot", events.c.timestamp >= since.timestamp(),
                   events.c.data.like('%"requested_slot"%'))
            .group_by(events.c.sender_id))
    has_inquiry = select(inquiries.c.id).where(inquiries.c.conversation_id == events.c.sender_id).exists()
    rows = session.execute(select(events.c.data).where(events.c.id.in_(last), ~has_inquiry))
    counts: Counter = Counter()
    for (data,) in rows:
        try:
            value = json.loads(data).get("value")
        except ValueError:
            continue
        if value:
            counts[value] += 1
    return counts


def _window_week(since: datetime) -> int:
    return int((int(since.timestamp()) - MONDAY_OFFSET) // WEEK)


def _tallied_weeks(session: Session, since: datetime) -> tuple[Counter, Counter, dict[str, list[int]]]:
    """_conversation_weeks from `conversation_stats` (one row per conversation and week): a
    conversation counts in the week of its first row in the window, its form in the week of its
    first row in the window with a form start; index lookups on the primary key, not the events."""
    rows, earlier = conversation_stats, conversation_stats.alias("earlier")
    first = _window_week(since)

    def firsts(condition: Callable[[Any], Any]) -> Counter[str]:
        before = (select(earlier.c.week).where(earlier.c.conversation_id == rows.c.conversation_id,
                                                earlier.c.week >= first, earlier.c.week < rows.c.week,
                                                condition(earlier)).exists())
        return Counter({_week_of_index(w): int(n) for w, n in session.execute(
            select(rows.c.week, func.count()).where(rows.c.week >= first, condition(rows), ~before)
            .group_by(rows.c.week))})

    conversations = firsts(lambda table: true())
    started = firsts(lambda table: table.c.form_began_at.is_not(None))
    fallback: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for w, total, missed in session.execute(
        select(rows.c.week, func.sum(rows.c.user_messages), func.sum(rows.c.fallbacks))
        .where(rows.c.week >= first).group_by(rows.c.week)
    ):
        fallback[_week_of_index(w)] = [int(total or 0), int(missed or 0)]
    return conversations, started, fallback


def _tallied_drop_off(session: Session, since: datetime) -> Counter[str]:
    """_drop_off from `conversation_stats`: each conversation's last question asked in the window
    (its latest week that asked one), for those without an inquiry."""
    rows, later = conversation_stats, conversation_stats.alias("later")
    asked_later = (select(later.c.week).where(later.c.conversation_id == rows.c.conversation_id,
                                              later.c.week > rows.c.week, later.c.requested_slot_at.is_not(None))
                   .exists())
    has_inquiry = select(inquiries.c.id).where(inquiries.c.conversation_id == rows.c.conversation_id).exists()
    return Counter({value: int(n) for value, n in session.execute(
        select(rows.c.requested_slot, func.count())
        .where(rows.c.week >= _window_week(since), rows.c.requested_slot_at.is_not(None),
               rows.c.requested_slot.is_not(None), rows.c.requested_slot != "", ~asked_later, ~has_inquiry)
        .group_by(rows.c.requested_slot))})


def _inquiry_weeks(session: Session, since: datetime, scope: str | None) -> tuple[Counter, Counter, Counter]:
    day = func.date(inquiries.c.created_at)
    completed: Counter[str] = Counter()
    routed: Counter[str] = Counter()
    for raw, total, with_decision in session.execute(
        select(day, func.count(), func.count(routing_decisions.c.id))
        .select_from(inquiries.outerjoin(routing_decisions, CURRENT_DECISION))
        .where(inquiries.c.created_at >= since, inquiries.c.status != DEFLECTED, visible_to(scope)).group_by(day)
    ):
        label = week_label(_as_date(raw))
        completed[label] += int(total)
        routed[label] += int(with_decision)
    accepted: Counter[str] = Counter()
    accepted_day = func.date(status_history.c.created_at)
    for raw, total in session.execute(
        select(accepted_day, func.count(func.distinct(status_history.c.inquiry_id)))
        .select_from(status_history.join(inquiries, inquiries.c.id == status_history.c.inquiry_id)
                     .join(routing_decisions, CURRENT_DECISION))
        .where(status_history.c.to_status == ACCEPTED, status_history.c.created_at >= since, visible_to(scope),
               _its_own(scope))
        .group_by(accepted_day)
    ):
        accepted[week_label(_as_date(raw))] += int(total)
    return completed, routed, accepted


def _as_date(raw: Any) -> date:
    return raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])


def _its_own(scope: str | None) -> Any:
    """For an affiliate, only what its own decision decided (an acceptance by the affiliate the
    inquiry went to after a decline is not its business; bot.staff.affiliate_view)."""
    return true() if scope is None else routing_decisions.c.affiliate_id == scope


def _breakdown(session: Session, column: Any, since: datetime, scope: str | None, *, limit: int) -> list[tuple[str, int]]:
    if scope is not None and column is routing_decisions.c.affiliate_id:
        # Every inquiry an affiliate sees is its own in its view, wherever it went afterwards.
        count = session.scalar(select(func.count()).select_from(inquiries).where(
            inquiries.c.created_at >= since, inquiries.c.status != DEFLECTED, visible_to(scope)))
        return [(scope, int(count))] if count else []
    rows = session.execute(
        select(column, func.count()).select_from(inquiries.outerjoin(routing_decisions, CURRENT_DECISION))
        .where(inquiries.c.created_at >= since, inquiries.c.status != DEFLECTED, visible_to(scope))
        .group_by(column).order_by(func.count().desc()).limit(limit))
    return [(str(value or "—"), int(count)) for value, count in rows]


def _time_to_accept(session: Session, since: datetime, scope: str | None) -> list[tuple[str, float]]:
    """Median days from creation to acceptance, per accepting affiliate."""
    rows = session.execute(
        select(routing_decisions.c.affiliate_id, inquiries.c.created_at, status_history.c.created_at)
        .select_from(status_history.join(inquiries, inquiries.c.id == status_history.c.inquiry_id)
                     .join(routing_decisions, CURRENT_DECISION))
        .where(status_history.c.to_status == ACCEPTED, inquiries.c.created_at >= since, visible_to(scope),
               _its_own(scope)))
    days: dict[str, list[float]] = defaultdict(list)
    for affiliate, created, accepted in rows:
        days[affiliate].append((accepted - created).total_seconds() / 86400)
    return sorted(((a, round(statistics.median(v), 1)) for a, v in days.items()), key=lambda item: item[1])
