"""The middleware in front of every console page (/console and below).

In order: no session secret, no pages (503); the session's user is looked up (a disabled or
deleted one is logged out); every POST must carry the session's CSRF token (403); anonymous
visitors are sent to the login form; every answer gets the security headers, and the session
cookie the request's session work asks for (pages/session.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from yarl import URL

from bot.store.outage import unreachable
from integrations.console.edge import RETRY_AFTER_S
from integrations.console.i18n import N_
from integrations.console.keys import SETTINGS
from integrations.console.pages import csrf
from integrations.console.pages.login import FORGOT, LOGIN, PREFIX, RESET, not_allowed
from integrations.console.pages.render import message, secure
from integrations.console.pages.session import apply_cookie, load_user

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATIC = PREFIX + "/static/"
#: Pages anyone may open: the login and forgot forms and /console (a redirect); the style sheet
#: is in STATIC, the reset links under RESET.
PUBLIC = frozenset({LOGIN, PREFIX, FORGOT})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The title of the page shown for a handler's plain-text refusal, whose text (already in the
#: page's language: render.text_for) becomes the page's text.
_ERROR_TITLES = {400: N_("Not saved"), 403: N_("Not allowed"), 404: N_("Not found")}


def is_console(path: str) -> bool:
    """Whether `path` is one of the console's pages (the widget and the API are not)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def login_url(request: web.Request) -> str:
    """The login form, coming back to this page afterwards."""
    return str(URL(LOGIN).with_query(next=str(request.rel_url)))


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Protect the console pages; everything else passes untouched."""
    if not is_console(request.path):
        return await handler(request)
    is_static = request.path.startswith(STATIC)
    try:
        response = await _guarded(request, handler, is_static)
    except web.HTTPException as exc:
        if is_static or exc.status not in _ERROR_TITLES or exc.content_type != "text/plain":
            secure(exc.headers, cache=is_static)
            apply_cookie(request, exc)
            raise
        # A person who followed a stale link (or sent a form short of something) gets a page with
        # the console's navigation and their way back, not a bare line of text.
        response = await message(request, _ERROR_TITLES[exc.status], exc.text or "", status=exc.status)
    except Exception as exc:
        # An HTML page rather than the JSON API's error; no details (they may hold personal data).
        if unreachable(exc):  # an outage, not a bug: 503, and when to try again
            log.warning("database unreachable (%s) on %s %s", type(exc).__name__, request.method, request.path)
            response = await message(request, N_("The database cannot be reached"),
                                     N_("The console cannot reach its database right now. Please try again in a moment."),
                                     status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
        else:
            log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.path)
            response = await message(request, N_("Something went wrong"), N_("Please try again later."), status=500)
    secure(response.headers, cache=is_static)
    apply_cookie(request, response)
    return response


async def _guarded(request: web.Request, handler: Handler, is_static: bool) -> web.StreamResponse:
    if not request.app[SETTINGS].session_secret:
        return await message(
            request,
            N_("Console not configured"),
            N_("The console's pages need INTAKE_SESSION_SECRET (a long random string) to protect their forms."
               " Set it and restart the console; the JSON API works without it."),
            status=503,
        )
    if is_static:
        return await handler(request)
    user = await load_user(request)
    if request.method not in _SAFE_METHODS and not await csrf.is_valid(request):
        return await not_allowed(request)
    if user is None and request.path not in PUBLIC and not request.path.startswith(RESET):
        raise (
            web.HTTPFound(login_url(request)) if request.method in _SAFE_METHODS else web.HTTPSeeOther(LOGIN)
        )
    return await handler(request)
