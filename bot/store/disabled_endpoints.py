"""Delivery endpoints that a receiver told to go away (HTTP 410 Gone), in the caller's transaction.

A disabled endpoint gets nothing more: the worker marks its deliveries dead without trying them,
while the affiliate's other endpoints (its e-mail) are still used. Staff see the list on the
dashboard and in `GET /api/deliveries`, and enable an endpoint again with `intake endpoints
enable`. An endpoint is known by a SHA-256 of its target, never the URL itself (it may hold a
token), and by the URL's host for people to recognise it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store.clock import as_utc, iso_utc
from bot.store.tables import disabled_endpoints

#: What is stored as the reason, and as the last error of the deliveries that are not tried.
GONE = "HTTP 410 Gone"
SKIPPED = "endpoint disabled (410 Gone)"

de = disabled_endpoints


def target_hash(channel: str, target: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) that names a delivery target: its URL, or its sorted addresses."""
    key = target.get("url") if channel == "webhook" else sorted(target.get("to") or [])
    return hashlib.sha256(json.dumps([channel, key]).encode("utf-8")).hexdigest()


def disable_endpoint(
    *,
    session: Session,
    affiliate_id: str,
    channel: str,
    target: Mapping[str, Any],
    reason: str = GONE,
    now: datetime | None = None,
) -> bool:
    """Record the endpoint as disabled; False when it already was (several deliveries to it may
    meet the 410 in one round)."""
    host = urlsplit(str(target.get("url") or "")).hostname if channel == "webhook" else None
    values = {"affiliate_id": affiliate_id, "channel": channel, "target_hash": target_hash(channel, target),
              "target_host": host, "reason": reason[:200], "disabled_at": as_utc(now)}
    # Another worker may record the same 410 at the same moment: the unique key keeps one row.
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = session.execute(upsert(de).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)


def disabled_keys(*, session: Session) -> frozenset[tuple[str, str, str]]:
    """(affiliate id, channel, target hash) of every disabled endpoint."""
    rows = session.execute(select(de.c.affiliate_id, de.c.channel, de.c.target_hash))
    return frozenset((row.affiliate_id, row.channel, row.target_hash) for row in rows)


def list_disabled_endpoints(*, session: Session) -> list[dict[str, Any]]:
    """The disabled endpoints for staff, newest first, JSON-ready."""
    rows = session.execute(select(de).order_by(de.c.disabled_at.desc(), de.c.id.desc()))
    return [
        {"affiliate_id": row.affiliate_id, "channel": row.channel, "host": row.target_host,
         "reason": row.reason, "disabled_at": iso_utc(row.disabled_at)}
        for row in rows
    ]


def enable_endpoints(*, session: Session, affiliate_id: str, channel: str | None = None) -> int:
    """Enable the affiliate's disabled endpoints again (of one channel, or all); returns how many.
    Deliveries already marked dead stay dead; new ones are sent."""
    stmt = delete(de).where(de.c.affiliate_id == affiliate_id)
    if channel is not None:
        stmt = stmt.where(de.c.channel == channel)
    return int(session.execute(stmt).rowcount or 0)
