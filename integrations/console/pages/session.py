"""Console sessions, kept on the server (bot/store/accounts/console_sessions.py).

The cookie holds a random token and nothing else. A logged-in browser's token names a stored
session; an anonymous visitor's token names none and only anchors the CSRF token of the forms
they see (the login, forgot and reset forms), so that no row is written for a mere visit.

Logging in always starts a new token (a token presented before is never promoted: no session
fixation); logging out revokes the stored session, so a copy of the cookie is worthless from
then on. A session ends after `INTAKE_CONSOLE_SESSION_HOURS` from login or
`INTAKE_CONSOLE_IDLE_MINUTES` without use, and when its user is disabled, changes or resets
their password, or ends it from their account page. The user is read from the database on
every request, so a disabled account is out at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from sqlalchemy.orm import Session

from bot.settings import Settings
from bot.staff.accounts import User
from bot.staff.login_throttle import client_network
from bot.store.accounts.console_sessions import (
    SessionInfo,
    find_session,
    new_token,
    revoke_session,
    start_session,
    touch_session,
)
from bot.store.accounts.users import get_user
from bot.store.clock import utcnow
from integrations.console import db
from integrations.console.keys import SETTINGS
from integrations.console.pages.devices import device_summary

COOKIE_NAME = "intake_console"
#: Console pages only: the widget and the JSON API never see the cookie.
COOKIE_PATH = "/console"
#: Where the handlers find the logged-in user (set by the guard middleware).
USER = "intake.console.user"
#: A session's last use is written at most this often (else every page view would be a write).
TOUCH_EVERY = timedelta(minutes=1)
_STATE = "intake.console.session"
#: What new_token makes; any other cookie value is ignored as if there were none.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass
class _Cookie:
    """This request's session cookie: what came in, and what the response must do with it."""

    token: str | None
    info: SessionInfo | None = None
    send: bool = False
    drop: bool = False
    max_age: int | None = None


def lifetime(settings: Settings) -> timedelta:
    """How long a session lasts from login."""
    return timedelta(hours=settings.console_session_hours)


def idle_timeout(settings: Settings) -> timedelta:
    """How long a session may go unused."""
    return timedelta(minutes=settings.console_idle_minutes)


def current_user(request: web.Request) -> User | None:
    """The logged-in, enabled user of this request, or None."""
    return request.get(USER)


def viewer(request: web.Request) -> User:
    """The logged-in user of a page behind the guard (which lets no anonymous request through)."""
    user = request.get(USER)
    assert user is not None, "console pages are reached only through the guard"
    return user


def current_session(request: web.Request) -> SessionInfo | None:
    """The stored session of this request, when logged in."""
    return _cookie(request).info


def browser_token(request: web.Request) -> str:
    """The token of this browser's cookie, made (and sent with the response) when there is none."""
    cookie = _cookie(request)
    if cookie.token is None:
        cookie.token, cookie.send, cookie.max_age = new_token(), True, None
    return cookie.token


def presented_token(request: web.Request) -> str | None:
    """The token the browser sent (or was just given), without making one."""
    return _cookie(request).token


async def load_user(request: web.Request) -> User | None:
    """Find the session's user; an ended session, or a disabled user, ends the cookie too."""
    cookie = _cookie(request)
    if cookie.token is None:
        return None
    found = await db.read(request, _session_and_user, token=cookie.token)
    if found is None:
        return None  # an anonymous visitor's token
    info, user = found
    now = utcnow()
    if user is None or user.disabled or not info.is_active(now=now, idle=idle_timeout(request.app[SETTINGS])):
        if info.revoked_at is None:
            await db.write(request, revoke_session, id=info.id)
        cookie.token, cookie.drop = None, True
        return None
    if now - info.last_seen_at >= TOUCH_EVERY:
        await db.write(request, touch_session, id=info.id)
    cookie.info = info
    request[USER] = user
    return user


async def still_signed_in(request: web.Request) -> bool:
    """Whether the session the guard let this request in with still holds (for a response that
    stays open: the live stream). Reading it is not using it: an open page alone does not keep
    an idle session alive."""
    cookie = _cookie(request)
    if cookie.token is None:
        return False
    found = await db.read(request, _session_and_user, token=cookie.token)
    if found is None:
        return False
    info, user = found
    return user is not None and not user.disabled and info.is_active(
        now=utcnow(), idle=idle_timeout(request.app[SETTINGS]))


async def log_in(request: web.Request, user: User) -> None:
    """Start a new session for `user` under a new token; a session this browser had ends."""
    cookie = _cookie(request)
    settings = request.app[SETTINGS]
    token = new_token()
    cookie.info = await db.write(
        request,
        _replace_session,
        previous=cookie.info.id if cookie.info else None,
        token=token,
        user_id=user.id,
        lifetime=lifetime(settings),
        user_agent=device_summary(request.headers.get("User-Agent")),
        client=client_network(request.remote or ""),
    )
    cookie.token, cookie.send, cookie.drop = token, True, False
    cookie.max_age = int(lifetime(settings).total_seconds())
    request[USER] = user


async def log_out(request: web.Request) -> None:
    """End the session: revoked in the database, the cookie deleted on the response."""
    cookie = _cookie(request)
    if cookie.info is not None:
        await db.write(request, revoke_session, id=cookie.info.id)
    cookie.token, cookie.info, cookie.send, cookie.drop = None, None, False, True
    request.pop(USER, None)


def apply_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Set or delete the cookie on `response` as this request's session work asks.

    HttpOnly, SameSite=Lax, on /console only, Secure when the console is served over https.
    """
    cookie = request.get(_STATE)
    if cookie is None:
        return
    if cookie.send and cookie.token:
        response.set_cookie(
            COOKIE_NAME,
            cookie.token,
            path=COOKIE_PATH,
            max_age=cookie.max_age,
            httponly=True,
            samesite="Lax",
            secure=request.app[SETTINGS].public_url.lower().startswith("https://"),
        )
    elif cookie.drop:
        response.del_cookie(COOKIE_NAME, path=COOKIE_PATH)


def _cookie(request: web.Request) -> _Cookie:
    cookie = request.get(_STATE)
    if cookie is None:
        raw = request.cookies.get(COOKIE_NAME, "")
        cookie = _Cookie(token=raw if _TOKEN.fullmatch(raw) else None)
        request[_STATE] = cookie
    return cookie


def _session_and_user(*, session: Session, token: str) -> tuple[SessionInfo, User | None] | None:
    info = find_session(session=session, token=token)
    return None if info is None else (info, get_user(session=session, user_id=info.user_id))


def _replace_session(*, session: Session, previous: str | None, token: str, **values: object) -> SessionInfo:
    if previous is not None:
        revoke_session(session=session, id=previous)
    return start_session(session=session, token=token, **values)  # type: ignore[arg-type]
