"""Query parameters read the same way everywhere in the console: numbers written in ASCII digits
within bounds, dates within a range the database can store. A value outside them is the caller's
400 with a reason, never a 500 ("²" and "①" pass `str.isdigit()` but are not numbers; a
20-digit offset or 9999-12-31 overflows the database)."""
from __future__ import annotations

from datetime import date

#: The largest page number or offset a list takes.
MAX_PAGE = 100_000
MAX_OFFSET = 1_000_000
#: Dates outside these years are no filter anyone means (and 9999-12-31 + 1 day overflows).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def whole_number(raw: str | None, *, default: int, low: int, high: int) -> int | None:
    """`raw` as an int in [low, high]; `default` when empty; None when it is not one."""
    value = (raw or "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(high)):
        return None
    number = int(value)
    return number if low <= number <= high else None


def day(raw: str | None) -> date | None:
    """An ISO date (2026-11-24) between FIRST_DAY and LAST_DAY; raises ValueError otherwise."""
    value = date.fromisoformat((raw or "").strip())
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"{value} is out of range")
    return value
