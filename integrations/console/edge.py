"""What every console response gets and every request is checked for, whatever the handler:

- a NUL character anywhere in the path or the query is a 400 (PostgreSQL refuses it in a string
  literal, which used to surface as a 500);
- security headers on every response: `nosniff`, no framing, no referrer leaving the site, a
  Content-Security-Policy that allows nothing for JSON, and HSTS when the console is served over
  https (INTAKE_PUBLIC_URL);
- a body the handler did not read (a refused token, a form posted to a page that takes none) is
  consumed when it has all arrived, else the answer says `Connection: close`: left unread, past
  ~128 KB it stops aiohttp reading the socket, and the next request on that kept-alive connection
  hung;
- a database that cannot be reached (bot/store/outage.py) is a 503 with Retry-After, not a 500
  (`database_outage` for the pages; api.json_errors answers the same in JSON under /api);
- an access log that names the route, never a token, a conversation id or a query string (the
  respond and password reset links are credentials; conversation ids and searches are personal
  data), with the request's id (observed.py).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from bot.store.outage import unreachable
from integrations.console.i18n import N_
from integrations.console.keys import SETTINGS
from integrations.console.observed import REQUEST_ID

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
#: JSON loads nothing and is never framed.
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
#: What a request that needed the unreachable database is told, and when to try again.
DATABASE_UNAVAILABLE = "the database cannot be reached right now: try again in a moment"
RETRY_AFTER_S = 10
#: Path segments that identify a person's conversation or grant a right: logged as "…".
_SECRET_SEGMENTS = re.compile(
    r"^/(respond|reports/stop|api/conversations|console/conversations|console/reset|console/handoffs(?!/events$))/[^/]+")


def redacted_path(path: str) -> str:
    """The request path as the access log may show it."""
    return _SECRET_SEGMENTS.sub(lambda m: f"/{m.group(1)}/…", path)


def _has_nul(request: web.Request) -> bool:
    return "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.query.items())


def _secure(headers: MutableMapping[str, str], *, json: bool, https: bool) -> None:
    for name, value in BASE_HEADERS.items():
        headers.setdefault(name, value)
    if json:
        headers.setdefault("Content-Security-Policy", JSON_POLICY)
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)


@web.middleware
async def hardened(request: web.Request, handler: Handler) -> web.StreamResponse:
    https = request.app[SETTINGS].public_url.startswith("https://")
    if _has_nul(request):
        failure = web.json_response({"error": "the request contains a NUL character"}, status=400)
        _secure(failure.headers, json=True, https=https)
        await _finish_body(request, failure)
        return failure
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _secure(exc.headers, json=(exc.content_type or "").endswith("json"), https=https)
        await _finish_body(request, exc)
        raise
    _secure(response.headers, json=(response.content_type or "").endswith("json"), https=https)
    await _finish_body(request, response)
    return response


@web.middleware
async def database_outage(request: web.Request, handler: Handler) -> web.StreamResponse:
    """503 (not 500) for a page that needed the database while it cannot be reached."""
    return await _answering_outage(request, handler, lambda _: web.Response(
        text=f"Service unavailable: {DATABASE_UNAVAILABLE}."))


def outage_page(page: Callable[[web.Request], web.StreamResponse]) -> Callable[[Handler], Handler]:
    """For a page people open from an e-mail, outside the console (an affiliate's answer link, a
    partner's unsubscribe link): during a database outage, `page(request)` (a page in their
    language) with Retry-After instead of database_outage's line of English."""
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            return await _answering_outage(request, handler, page)
        return guarded
    return wrap


async def _answering_outage(request: web.Request, handler: Handler,
                            page: Callable[[web.Request], web.StreamResponse]) -> web.StreamResponse:
    """`handler`'s response, or `page(request)` as a 503 with Retry-After when the database could
    not be reached; any other error goes on."""
    try:
        return await handler(request)
    except Exception as exc:
        if isinstance(exc, web.HTTPException) or not unreachable(exc):
            raise
        log.warning("database unreachable (%s) on %s %s", type(exc).__name__, request.method,
                    redacted_path(request.path))
        response = page(request)
        response.set_status(503)
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response


async def _finish_body(request: web.Request, response: web.StreamResponse) -> None:
    """Past 128 KB of unread body aiohttp stops reading the socket until the body is consumed, so a
    body the handler left unread is consumed here when it has all arrived (it is in memory
    already) and otherwise answered with `Connection: close`, rather than read from the client."""
    if not request.body_exists or request.content.at_eof() or response.prepared:
        return
    if request.content.is_eof():
        await request.content.read()
    else:
        response.force_close()


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, route (secrets left out), status, time. No client address,
    no query string, no user agent."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        # Written once the handler's context is gone: the request id travels with the record.
        request_id = request.get(REQUEST_ID) if isinstance(request, MutableMapping) else None
        self.logger.info("%s %s %s %.0f ms", request.method, redacted_path(request.path), response.status,
                         time * 1000, extra={"request_id": request_id})



async def form_of(request: web.Request) -> MultiDictProxy[str | bytes | FileField]:
    """The request's form, or a 400 when the body cannot be read as one (a truncated multipart
    body, a bad encoding) instead of a 500."""
    try:
        return await request.post()
    except (ValueError, AssertionError, UnicodeDecodeError, asyncio.IncompleteReadError):
        # Marked for the catalogues: a console page says it in the viewer's language (pages.guard).
        raise web.HTTPBadRequest(text=N_("The form could not be read.")) from None
