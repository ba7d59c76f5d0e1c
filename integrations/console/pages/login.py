"""Logging in and out, and the console's home page.

A failed login says the same whether the address exists or not, and takes as long (a dummy
hash is checked); the throttle reserves the attempt before any password is checked.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from aiohttp import web

from bot.staff.accounts import MAX_EMAIL_LENGTH, normalize_email
from bot.staff.passwords import verify_password
from bot.store.accounts.users import credentials_by_email, record_login
from integrations.console import db, edge
from integrations.console.i18n import N_
from integrations.console.pages import throttle
from integrations.console.pages.render import locale_of, message, render
from integrations.console.pages.session import current_user, log_in, log_out

PREFIX = "/console"
HOME = PREFIX + "/"
LOGIN = PREFIX + "/login"
LOGOUT = PREFIX + "/logout"
#: The password reset pages (pages/reset.py): the form asking for a link, and the links.
FORGOT = PREFIX + "/forgot"
RESET = PREFIX + "/reset/"
WRONG = N_("Wrong e-mail address or password.")
DISABLED = N_("This account is disabled. Ask the partnerships team to enable it again.")


def add_routes(app: web.Application) -> None:
    """The login, logout and home routes."""
    app.router.add_get(PREFIX, to_home)
    app.router.add_get(LOGIN, login_form)
    app.router.add_post(LOGIN, login)
    app.router.add_post(LOGOUT, logout)


def safe_next(raw: object) -> str:
    """Where to go after logging in: a console path of this site, else the home page.

    Anything that could leave the site (`//host`, `/\\host`, a scheme, control characters) or
    loop back to the login is replaced by the home page.
    """
    if not isinstance(raw, str) or not raw.startswith(HOME) or len(raw) > 2000:
        return HOME
    if "\\" in raw or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in raw):
        return HOME
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path in (LOGIN, LOGOUT, FORGOT) or parts.path.startswith(RESET):
        return HOME
    return raw


async def to_home(request: web.Request) -> web.Response:
    """/console without the slash: the home page."""
    raise _redirect(HOME)


async def login_form(request: web.Request) -> web.Response:
    """The login form; someone logged in already goes on to `next`."""
    next_url = safe_next(request.query.get("next"))
    if current_user(request) is not None:
        raise _redirect(next_url)
    return await render(request, "login.html", {"next": next_url, "email": "", "error": None})


async def login(request: web.Request) -> web.Response:
    """Reserve the attempt with the throttle, then check the password; start a new session and go
    on to `next`. A refused attempt is a 429 with Retry-After and no password is checked."""
    form = await edge.form_of(request)
    email = normalize_email(str(form.get("email") or ""))[:MAX_EMAIL_LENGTH]
    password = str(form.get("password") or "")
    next_url = safe_next(form.get("next"))
    context = {"next": next_url, "email": email}
    if not email or not password:
        return await render(
            request, "login.html", {**context, "error": N_("Enter your e-mail address and password.")}, status=400
        )
    reservation = await throttle.reserve(request, email)
    if reservation.attempt_id is None:
        wait = reservation.retry_after
        return await render(
            request, "login.html", {**context, "error": throttle.too_many(wait, locale_of(request))}, status=429,
            headers={"Retry-After": str(wait)},
        )
    found = await db.read(request, credentials_by_email, email=email)
    verdict = await asyncio.to_thread(verify_password, found.password_hash if found else None, password)
    if found is None or not verdict.ok or found.user.disabled:
        # The reservation stays: it is now a failure the throttle counts.
        error = DISABLED if found is not None and verdict.ok else WRONG
        return await render(request, "login.html", {**context, "error": error}, status=401)
    await db.write(request, record_login, user_id=found.user.id, new_password_hash=verdict.new_hash)
    await throttle.succeeded(request, email, reservation.attempt_id)
    await log_in(request, found.user)
    raise _redirect(next_url)


async def logout(request: web.Request) -> web.Response:
    """End the session (the guard has checked the CSRF token) and show the login form."""
    await log_out(request)
    raise _redirect(LOGIN)


def _redirect(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


async def not_allowed(request: web.Request) -> web.Response:
    """A page for a refused form (CSRF token missing or wrong)."""
    return await message(
        request,
        N_("This form has expired"),
        N_("The page was open too long or came from elsewhere. Go back, reload it and try again."),
        status=403,
    )
