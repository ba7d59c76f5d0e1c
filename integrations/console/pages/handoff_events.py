"""The hand-off inbox live (GET /console/handoffs/events): a Server-Sent Events stream.

About every second the stream looks at the database for what the viewer may see and sends what
changed since it last looked:

- `list`: {"rows": [...], "waiting": n}, the open hand-offs as the inbox shows them, when they
  changed (pages/handoff_views.row_view; the wait is shown to the minute, so at most once a
  minute when nothing else changes);
- for the conversation open on the page (`?conversation=<id>`): `turn`, each new turn of its
  transcript after the last events.id sent ({id, from, text, at, ...}, the SSE id is the
  events.id, so a reconnecting EventSource resumes where it was with Last-Event-ID), and
  `status` when its hand-off changes (claimed, handed back, closed).

The database is the one place that knows: a partner's message written by any Rasa server and a
reply sent from any console process show up the same way. Every 15 s the viewer's heartbeat is
recorded (they count as available while an inbox is open) and their session is checked again;
when their last stream in this process ends they are counted out (`leave`).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot.staff.transcript import turns
from bot.store.clock import utcnow
from bot.store.console.handoff_inbox import InboxChanges, inbox_changes, visible_handoff
from bot.store.handoffs import Answerer, HandoffStatus, heartbeat, leave
from integrations.console import db
from integrations.console.i18n import N_
from integrations.console.keys import HANDOFF_STREAMS
from integrations.console.pages.handoff_views import (
    SHOWN_TURNS,
    answerer_of,
    claimed_by,
    row_view,
    status_label,
    turn_view,
)
from integrations.console.pages.login import PREFIX
from integrations.console.pages.render import locale_of, secure, text_for
from integrations.console.pages.session import still_signed_in, viewer
from integrations.console.streams import Streams

log = logging.getLogger(__name__)

EVENTS = PREFIX + "/handoffs/events"
#: How often the stream looks at the database.
CHECK_SECONDS = 1.0
#: How often the viewer's presence is recorded (bot/store/handoffs.py counts a heartbeat for
#: PRESENCE_SECONDS, three times this) and their session checked.
HEARTBEAT_SECONDS = 15.0
#: How long a browser waits before reconnecting after the stream broke (the `retry` field).
RETRY_MILLISECONDS = 3000


def add_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_streams)
    app.on_shutdown.append(_end_streams)  # type: ignore[arg-type]  # aiohttp 3.9 mistypes its signals
    app.router.add_get(EVENTS, stream)


async def _streams(app: web.Application) -> AsyncIterator[None]:
    app[HANDOFF_STREAMS] = Streams()
    yield


async def _end_streams(app: web.Application) -> None:
    app[HANDOFF_STREAMS].closing.set()


def _after(request: web.Request) -> int:
    """The last events.id the page has: Last-Event-ID when the browser reconnects, else `after`."""
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    return int(raw) if raw.isdigit() and len(raw) < 19 else 0


def _status_view(handoff: dict[str, Any] | None, locale: str) -> dict[str, Any] | None:
    if handoff is None:
        return None
    return {"status": handoff["status"], "status_label": status_label(handoff["status"], locale),
            "open": handoff["status"] in (HandoffStatus.WAITING.value, HandoffStatus.WITH_PERSON.value),
            "claimed_by": claimed_by(handoff)}


async def stream(request: web.Request) -> web.StreamResponse:
    user = viewer(request)
    who = answerer_of(user)
    conversation_id = request.query.get("conversation") or None
    if conversation_id is not None and await db.read(
            request, visible_handoff, conversation_id=conversation_id, who=who) is None:
        raise web.HTTPNotFound(text=text_for(request, N_("No such hand-off.")))
    streams = request.app[HANDOFF_STREAMS]
    response = web.StreamResponse(headers={"X-Accel-Buffering": "no"})  # no proxy buffering
    response.content_type = "text/event-stream"
    secure(response.headers)  # the guard's headers come too late for a response already sent
    await response.prepare(request)
    streams.opened(user.id)
    try:
        await _send(response, f"retry: {RETRY_MILLISECONDS}\n\n")
        await _run(request, response, streams, who=who, user_id=user.id, conversation_id=conversation_id)
    except ConnectionResetError:
        pass  # the page was closed or left
    finally:
        if streams.closed(user.id):
            with contextlib.suppress(Exception):  # the database may be what failed
                await asyncio.shield(db.write(request, leave, user_id=user.id))
    return response


async def _run(request: web.Request, response: web.StreamResponse, streams: Streams, *, who: Answerer, user_id: int,
               conversation_id: str | None) -> None:
    after = _after(request)
    locale = locale_of(request)  # the stream's rows and turns read like the page's
    sent_rows: list[dict[str, Any]] | None = None
    sent_status: dict[str, Any] | None = None
    next_beat = 0.0
    while not streams.closing.is_set() and not _gone(request):
        if time.monotonic() >= next_beat:
            if not await still_signed_in(request):
                await _send(response, _event("signed_out", {}))
                return
            await db.write(request, heartbeat, user_id=user_id, now=utcnow())
            await _send(response, ": still here\n\n")  # also finds a closed connection
            next_beat = time.monotonic() + HEARTBEAT_SECONDS
        changes: InboxChanges = await db.read(request, inbox_changes, who=who, conversation_id=conversation_id,
                                              after_id=after)
        now = utcnow()
        rows = [row_view(row, now=now, locale=locale) for row in changes.handoffs]
        if rows != sent_rows:
            waiting = sum(1 for row in rows if row["status"] == HandoffStatus.WAITING.value)
            await _send(response, _event("list", {"rows": rows, "waiting": waiting}))
            sent_rows = rows
        if conversation_id is not None:
            for turn in turns(changes.new_events, show_contacts=False):
                if turn.kind in SHOWN_TURNS:
                    await _send(response, _event("turn", turn_view(turn, locale), event_id=turn.event_id))
            if changes.new_events:
                after = changes.new_events[-1][0]
            status = _status_view(changes.current, locale)
            if status != sent_status:
                await _send(response, _event("status", status or {"status": "gone", "open": False}))
                sent_status = status
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(streams.closing.wait(), timeout=CHECK_SECONDS)


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _event(name: str, data: Any, *, event_id: int | None = None) -> str:
    # json.dumps escapes line breaks, so the data is one `data:` line.
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _send(response: web.StreamResponse, text: str) -> None:
    await response.write(text.encode("utf-8"))
