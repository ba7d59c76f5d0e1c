"""Which routing decision is an inquiry's current one.

An inquiry gets a decision for every affiliate it is put in front of (routing, then each
re-route or re-assignment); the one it is with now is flagged `is_current`, and the flag is
moved in the transaction that makes the new decision. Every "where is the inquiry now" read
selects through here.
"""

from __future__ import annotations

from sqlalchemy import and_

from bot.store.tables import inquiries, routing_decisions

#: A routing_decisions row is its inquiry's current decision.
IS_CURRENT = routing_decisions.c.is_current.is_(True)

#: Joins `inquiries` to the current routing decision of each (none for a deflected or unrouted
#: inquiry, so outer-join it when those rows count).
CURRENT_DECISION = and_(routing_decisions.c.inquiry_id == inquiries.c.id, IS_CURRENT)
