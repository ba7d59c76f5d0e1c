"""Handlers of the console: /health and the JSON API (DESIGN.md, "JSON API")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.intake.model import Status
from bot.routing.directory import Affiliate
from bot.staff.transcript import CONVERSATION_OUTCOMES, CONVERSATION_STATUSES
from bot.store import dead_letters, get_inquiry, list_inquiries, outbox_stats
from bot.store.console.transcripts import conversation_ids, conversation_view
from bot.store.disabled_endpoints import list_disabled_endpoints
from bot.store.handoffs import Answerer
from bot.store.needs_action import NEEDS
from bot.store.outage import unreachable
from bot.store.queries import MAX_LIMIT
from integrations.console import closing, db, handoffs, openapi
from integrations.console.auth import API_SCOPE, Handler
from integrations.console.edge import DATABASE_UNAVAILABLE, RETRY_AFTER_S
from integrations.console.keys import DIRECTORY, ENGINE
from integrations.console.params import MAX_OFFSET

log = logging.getLogger(__name__)

STATUSES = tuple(status.value for status in Status)


class BadRequest(ValueError):
    """A query parameter the API cannot use; becomes a 400 JSON error."""


def add_routes(app: web.Application) -> None:
    """Register the console's routes on `app` (each one described in openapi.yml)."""
    app.router.add_get("/health", health)
    openapi.add_route(app)
    app.router.add_get("/api/inquiries", inquiries_list)
    app.router.add_get("/api/inquiries/{reference}", inquiry_detail)
    app.router.add_post("/api/inquiries/{reference}/close", inquiry_close)
    app.router.add_get("/api/affiliates", affiliates)
    app.router.add_get("/api/deliveries", deliveries)
    app.router.add_get("/api/conversations", conversations_list)
    app.router.add_get("/api/conversations/{conversation_id}", conversation_detail)
    app.router.add_post("/api/conversations/{conversation_id}/messages", conversation_message)
    app.router.add_post("/api/conversations/{conversation_id}/release", conversation_release)
    app.router.add_post("/api/conversations/{conversation_id}/close", conversation_close)


async def health(request: web.Request) -> web.Response:
    """200 {"status": "ok", "checks": {"database": "ok"}}, or 503 {"status": "unavailable",
    "checks": {"database": "unavailable"}} when the database cannot be reached. The answer never
    says why beyond that (the log has the exception's class): no URL, host or password."""
    try:
        await asyncio.to_thread(_ping, request.app[ENGINE])
    except Exception as exc:  # any failure to reach the database means "not healthy"
        log.warning("health check: database unavailable (%s)", type(exc).__name__)
        return web.json_response({"status": "unavailable", "checks": {"database": "unavailable"}}, status=503)
    return web.json_response({"status": "ok", "checks": {"database": "ok"}})


async def inquiries_list(request: web.Request) -> web.Response:
    """GET /api/inquiries?conversation_id=&status=&affiliate=&needs=&limit=&offset="""
    query = request.rel_url.query
    try:
        filters = {
            "conversation_id": query.get("conversation_id") or None,
            "status": _status(query.get("status")),
            "affiliate": query.get("affiliate") or None,
            "needs": _needs(query.get("needs")),
            "limit": _integer(query, "limit", 100, 1, MAX_LIMIT),
            "offset": _integer(query, "offset", 0, 0, MAX_OFFSET),
            "scope": request.get(API_SCOPE),
        }
    except BadRequest as exc:
        return _error(400, str(exc))
    rows = await db.read(request, list_inquiries, **filters)
    return web.json_response(rows)


async def inquiry_detail(request: web.Request) -> web.Response:
    """GET /api/inquiries/{reference}: one inquiry, or 404."""
    reference = request.match_info["reference"]
    found = await db.read(request, get_inquiry, reference=reference, scope=request.get(API_SCOPE))
    if found is None:
        return _error(404, "inquiry not found")
    return web.json_response(found)


async def inquiry_close(request: web.Request) -> web.Response:
    """POST /api/inquiries/{reference}/close {"reason", "duplicate_of"?, "note"?}: close the
    inquiry (integrations/console/closing.py); 200 with the inquiry as it now stands."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _error(400, 'the body must be a JSON object with a "reason"')
    scope = request.get(API_SCOPE)
    reference = request.match_info["reference"]
    try:
        await closing.close(request, reference=reference, scope=scope, actor=f"API ({scope})" if scope else "API",
                            reason=body.get("reason"), duplicate_of=body.get("duplicate_of"), note=body.get("note"))
    except web.HTTPNotFound:
        return _error(404, "inquiry not found")
    except closing.Refused as refused:
        return _error(refused.status, refused.text)
    found = await db.read(request, get_inquiry, reference=reference, scope=scope)
    return web.json_response(found)


async def conversations_list(request: web.Request) -> web.Response:
    """GET /api/conversations?status=&outcome=&flags=&limit=&offset=: newest first; `status=waiting`
    (or `with_person`) lists the hand-offs this token may answer, most recently requested first."""
    query = request.rel_url.query
    status = query.get("status") or None
    if status is not None and status not in CONVERSATION_STATUSES:
        return _error(400, f"status must be one of: {', '.join(CONVERSATION_STATUSES)}")
    outcome = query.get("outcome") or None
    if outcome is not None and outcome not in CONVERSATION_OUTCOMES:
        return _error(400, f"outcome must be one of: {', '.join(CONVERSATION_OUTCOMES)}")
    try:
        limit = _integer(query, "limit", 100, 1, MAX_LIMIT)
        offset = _integer(query, "offset", 0, 0, MAX_OFFSET)
    except BadRequest as exc:
        return _error(400, str(exc))
    flags = query.get("flags") or None
    if flags is not None and flags != "unexported":
        return _error(400, "flags must be: unexported")
    if flags and request.get(API_SCOPE) is not None:
        return _error(403, "flagged messages are staff's: an affiliate token cannot filter by them")
    rows = await db.read(request, conversation_ids, status=status, outcome=outcome, scope=request.get(API_SCOPE),
                         limit=limit, offset=offset, unexported_flags=bool(flags))
    return web.json_response(rows)


def api_answerer(request: web.Request) -> Answerer:
    """Who answers through the API: the token's affiliate (None: staff), named for the transcript."""
    scope = request.get(API_SCOPE)
    return Answerer(name=f"API ({scope})" if scope else "API", affiliate_id=scope)


async def conversation_message(request: web.Request) -> web.Response:
    """POST /api/conversations/{conversation_id}/messages {"text": ...}: a person's reply to the
    partner (claims a waiting hand-off). 200, 400 bad body, 409 no open hand-off this token may
    answer, 503 the conversation cannot be reached."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return _error(400, 'the body must be a JSON object with a non-empty "text"')
    return await _handoff_call(request, handoffs.reply, text=text)


async def conversation_release(request: web.Request) -> web.Response:
    """POST /api/conversations/{conversation_id}/release: hand the conversation back to the
    assistant, which asks again the question it had paused."""
    return await _handoff_call(request, handoffs.release)


async def conversation_close(request: web.Request) -> web.Response:
    """POST /api/conversations/{conversation_id}/close: end the hand-off; the assistant thanks the
    partner and listens again."""
    return await _handoff_call(request, handoffs.close)


async def _handoff_call(request: web.Request, call: Any, **kwargs: Any) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    try:
        await call(request, conversation_id=conversation_id, who=api_answerer(request), **kwargs)
    except ValueError as exc:  # HandoffConflict is one: 409; a bad reply 400
        if isinstance(exc, handoffs.HandoffConflict):
            return _error(409, str(exc))
        return _error(400, str(exc))
    except handoffs.RasaUnavailable as exc:
        log.warning("a hand-off message could not reach the conversation: %s", exc)
        return _error(503, "the conversation cannot be reached right now; try again")
    found = await db.read(request, conversation_view, conversation_id=conversation_id, scope=request.get(API_SCOPE))
    return web.json_response(found or {"conversation_id": conversation_id})


async def conversation_detail(request: web.Request) -> web.Response:
    """GET /api/conversations/{conversation_id}: where the conversation stands (DESIGN.md), or 404.
    The id is the one derived from the partner's session key (REST replies' `recipient_id`);
    affiliate tokens see only conversations whose inquiry is routed to them."""
    found = await db.read(request, conversation_view, conversation_id=request.match_info["conversation_id"],
                          scope=request.get(API_SCOPE))
    if found is None:
        return _error(404, "conversation not found")
    return web.json_response(found)


async def affiliates(request: web.Request) -> web.Response:
    """GET /api/affiliates: the affiliate directory (data/affiliates.csv)."""
    return web.json_response([affiliate_json(affiliate) for affiliate in request.app[DIRECTORY]])


def affiliate_json(affiliate: Affiliate) -> dict[str, Any]:
    """An affiliate as /api/affiliates publishes it: the columns of affiliates.csv but its notes,
    multi-valued ones as lists, no website as null."""
    return {
        "id": affiliate.id,
        "name": affiliate.name,
        "kind": affiliate.kind.value,
        "countries": list(affiliate.countries),
        "subdivisions": list(affiliate.subdivisions),
        "languages": list(affiliate.languages),
        "topics": list(affiliate.topics),
        "website": affiliate.website or None,
    }


async def deliveries(request: web.Request) -> web.Response:
    """GET /api/deliveries: outbox counts per status, the dead letters with their last error, and
    the endpoints disabled after a 410 Gone (staff only: the outbox spans every affiliate)."""
    if request.get(API_SCOPE) is not None:
        return _error(403, "an affiliate token cannot read the outbox")
    try:
        limit = _integer(request.rel_url.query, "limit", 100, 1, MAX_LIMIT)
    except BadRequest as exc:
        return _error(400, str(exc))
    stats = await db.read(request, outbox_stats)
    dead = await db.read(request, dead_letters, limit=limit)
    disabled = await db.read(request, list_disabled_endpoints)
    return web.json_response({"counts": stats, "dead_letters": dead, "disabled_endpoints": disabled})


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer errors under /api (unknown route, wrong method, crash) in JSON, without details; an
    unreachable database (bot/store/outage.py) is a 503 with Retry-After, not a 500."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith("/api") or exc.status < 400:
            raise
        return web.json_response({"error": exc.reason}, status=exc.status, headers=_allow(exc))
    except Exception as exc:
        if unreachable(exc):  # an outage, not a bug: the client may try again
            log.warning("database unreachable (%s) on %s %s", type(exc).__name__, request.method, request.path)
            return web.json_response({"error": DATABASE_UNAVAILABLE}, status=503,
                                     headers={"Retry-After": str(RETRY_AFTER_S)})
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.path)
        return _error(500, "internal error")


def _allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _status(raw: str | None) -> str | None:
    if not raw:
        return None
    if raw not in STATUSES:
        raise BadRequest(f"status must be one of: {', '.join(STATUSES)}")
    return raw


def _needs(raw: str | None) -> str | None:
    if not raw:
        return None
    if raw not in NEEDS:
        raise BadRequest(f"needs must be one of: {', '.join(NEEDS)}")
    return raw


def _integer(query: Any, name: str, default: int, low: int, high: int | None) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None
    if high is not None and not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    if value < low:
        raise BadRequest(f"{name} must be at least {low}")
    return value


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
