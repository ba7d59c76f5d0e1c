"""Why an inquiry was closed, and who may close it for which reason.

Pure: no database or web. The console's forms, the JSON API and the store read these.
"""
from __future__ import annotations

from enum import Enum


class CloseReason(str, Enum):
    DONE = "done"
    #: Another inquiry (named by its reference) is the same request; the original stays open.
    DUPLICATE = "duplicate"
    SPAM = "spam"
    NO_LONGER_INTERESTED = "no_longer_interested"


#: What an affiliate may close: only an inquiry it accepted, and only as handled or dropped by the
#: partner. Spam and duplicates are staff's judgement across every affiliate's inquiries.
AFFILIATE_REASONS = frozenset({CloseReason.DONE, CloseReason.NO_LONGER_INTERESTED})
#: The statuses an affiliate may close from (it holds the inquiry after accepting it).
AFFILIATE_CLOSABLE = frozenset({"accepted"})
#: Statuses nobody closes: already closed, or deflected (never became a partnership inquiry).
NOT_CLOSABLE = frozenset({"closed", "deflected"})


def parse_reason(raw: object) -> CloseReason | None:
    """The reason named by `raw` (its value, e.g. "no_longer_interested"), or None."""
    try:
        return CloseReason(str(raw or ""))
    except ValueError:
        return None


def refusal(*, status: str, reason: CloseReason, affiliate: bool, holding: bool) -> str | None:
    """Why this closing is not allowed (a key of the callers' messages), or None when it is.

    `affiliate`: the closer is an affiliate's user or token; `holding`: its affiliate holds the
    inquiry now (bot.staff.affiliate_view)."""
    if status in NOT_CLOSABLE:
        return "not_closable"
    if affiliate and not (holding and status in AFFILIATE_CLOSABLE):
        return "not_yours"
    if affiliate and reason not in AFFILIATE_REASONS:
        return "staff_reason"
    return None
