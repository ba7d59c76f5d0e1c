"""The one clock: aware UTC.

Every instant the intake makes, stores or compares is an aware UTC datetime, and every day is a
UTC day. Values may come back naive: SQLite keeps no zone (what it stores is UTC by
construction), and callers may pass a naive `now`; `as_utc` reads naive as UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime:
    """`value` as an aware UTC datetime (naive counts as UTC); the current time for None."""
    if value is None:
        return utcnow()
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def start_of_day(day: date) -> datetime:
    """The instant a UTC day begins."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second: 2024-11-24T03:45:12Z."""
    return as_utc(value).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
