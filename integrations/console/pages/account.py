"""The viewer's own account (/console/account): their open sessions, each of which they may
end, and a password change that needs the current password and ends every other session.

The current password is checked behind the login throttle, so that a stolen session cannot be
used to guess it faster than the login form allows.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from babel import Locale

from bot.i18n.catalog import supported_languages
from bot.staff.accounts import DIGESTS
from bot.staff.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_new_password,
    hash_password,
    verify_password,
)
from bot.store.accounts.console_sessions import list_sessions, revoke_session
from bot.store.accounts.users import credentials_by_email, set_digest, set_language, set_password
from integrations.console import db, edge
from integrations.console.i18n import N_, translate
from integrations.console.keys import SETTINGS
from integrations.console.pages import devices, throttle
from integrations.console.pages.login import LOGIN, PREFIX
from integrations.console.pages.render import locale_of, render
from integrations.console.pages.session import current_session, idle_timeout, log_out, viewer
from integrations.delivery.digests import DIGEST_HOUR_UTC

ACCOUNT = PREFIX + "/account"
END_SESSION = ACCOUNT + "/sessions/end"
PASSWORD = ACCOUNT + "/password"
DIGEST = ACCOUNT + "/digest"
LANGUAGE = ACCOUNT + "/language"
#: The outcome shown after a form, by the `done` query parameter of the redirect.
DONE = {"ended": N_("The session was ended."),
        "password": N_("Your password was changed; your other sessions have ended."),
        "digest": N_("Your e-mail digest setting was saved."),
        "language": N_("Your language was saved.")}


def add_routes(app: web.Application) -> None:
    """The account page and its two forms."""
    app.router.add_get(ACCOUNT, show)
    app.router.add_post(END_SESSION, end_session)
    app.router.add_post(PASSWORD, change_password)
    app.router.add_post(DIGEST, change_digest)
    app.router.add_post(LANGUAGE, change_language)


async def show(request: web.Request, *, error: str | None = None, status: int = 200,
               headers: dict[str, str] | None = None, values: dict[str, int] | None = None) -> web.Response:
    """The sessions (created, last used, device, network), the language and the password form.
    `error` is an English text marked with N_ (shown translated, `values` filling its %(name)d)."""
    user = viewer(request)
    locale = locale_of(request)
    done = DONE.get(request.query.get("done", ""))
    sessions = await db.read(request, list_sessions, user_id=user.id, idle=idle_timeout(request.app[SETTINGS]))
    here = current_session(request)
    context: dict[str, Any] = {
        "section": "account",
        "sessions": sessions,
        "devices": {s.id: devices.shown(s.user_agent, locale) for s in sessions},
        "current": here.id if here else None,
        "done": translate(locale, done) if done else None,
        "error": translate(locale, error) % (values or {}) if error else None,
        "digest_hour": DIGEST_HOUR_UTC,
        "languages": [(code, Locale.parse(code).get_display_name(code)) for code in supported_languages()],
    }
    return await render(request, "account.html", context, status=status, headers=headers)


async def end_session(request: web.Request) -> web.Response:
    """End one of the viewer's sessions; ending the current one logs out."""
    form = await edge.form_of(request)
    target = str(form.get("session") or "")
    here = current_session(request)
    if here is not None and target == here.id:
        await log_out(request)
        raise web.HTTPSeeOther(LOGIN)
    # Only the viewer's own sessions: any other id changes nothing, and says the same.
    await db.write(request, revoke_session, id=target, user_id=viewer(request).id)
    raise web.HTTPSeeOther(ACCOUNT + "?done=ended")


async def change_password(request: web.Request) -> web.Response:
    """Check the current password, store the new one, end every other session of the viewer."""
    user = viewer(request)
    form = await edge.form_of(request)
    current, new, repeat = (str(form.get(name) or "") for name in ("current", "new", "repeat"))
    if not current or not new:
        return await show(request, error=N_("Enter your current password and a new one."), status=400)
    if new != repeat:
        return await show(request, error=N_("The new password and its repetition differ."), status=400)
    try:
        check_new_password(new)
    except ValueError:
        # check_new_password refuses only on length: say so in the viewer's language.
        return await show(request, error=N_("Not changed: a password has %(low)d to %(high)d characters."),
                          values={"low": MIN_PASSWORD_LENGTH, "high": MAX_PASSWORD_LENGTH}, status=400)
    reservation = await throttle.reserve(request, user.email)
    if reservation.attempt_id is None:
        return await show(request, error=throttle.too_many(reservation.retry_after, locale_of(request)), status=429,
                          headers={"Retry-After": str(reservation.retry_after)})
    found = await db.read(request, credentials_by_email, email=user.email)
    verdict = await asyncio.to_thread(verify_password, found.password_hash if found else None, current)
    if found is None or not verdict.ok:
        return await show(request, error=N_("Your current password is not right."), status=401)
    password_hash = await asyncio.to_thread(hash_password, new)
    here = current_session(request)
    await db.write(request, set_password, user_id=user.id, password_hash=password_hash,
                   keep_session=here.id if here else None)
    await throttle.succeeded(request, user.email, reservation.attempt_id)
    raise web.HTTPSeeOther(ACCOUNT + "?done=password")


async def change_digest(request: web.Request) -> web.Response:
    """An affiliate user's digest of new and waiting inquiries (daily or off), and its language
    when the form sends one (empty: the affiliate's own language; absent: unchanged)."""
    user = viewer(request)
    if user.is_staff:
        return await show(request, error=N_("The digest is for affiliates' users: staff have the home page."),
                          status=400)
    form = await edge.form_of(request)
    digest = str(form.get("digest") or "")
    language = str(form.get("language") or "") if "language" in form else (user.language or "")
    if digest not in DIGESTS or (language and language not in supported_languages()):
        return await show(request, error=N_("Choose daily or off, and one of the languages offered."), status=400)
    await db.write(request, set_digest, user_id=user.id, digest=digest, language=language or None)
    raise web.HTTPSeeOther(ACCOUNT + "?done=digest")


async def change_language(request: web.Request) -> web.Response:
    """The viewer's language: the console's (empty: the browser's) and their digest's (empty:
    the affiliate's)."""
    form = await edge.form_of(request)
    language = str(form.get("language") or "")
    if language and language not in supported_languages():
        return await show(request, error=N_("Choose one of the languages offered."), status=400)
    await db.write(request, set_language, user_id=viewer(request).id, language=language or None)
    raise web.HTTPSeeOther(ACCOUNT + "?done=language")
