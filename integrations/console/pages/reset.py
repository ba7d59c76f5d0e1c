"""Password reset by e-mailed single-use link: /console/forgot asks for an address, the e-mail
carries `$INTAKE_PUBLIC_URL/console/reset/<token>`, and that page sets a new password.

The forgot form answers the same whatever the address (an account, none, a disabled one), and
the e-mail is sent after the answer, so neither the words nor the time tell whether an account
exists. Requests are counted per client address by the login throttle. A link works once, for
INTAKE_PASSWORD_RESET_MINUTES, and only while it is the newest; using it ends every session of
the account. The token is a credential: the access log cuts it (integrations/console/edge.py).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from email.message import EmailMessage

from aiohttp import web
from sqlalchemy.orm import Session

from bot.staff.accounts import MAX_EMAIL_LENGTH, normalize_email
from bot.staff.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, check_new_password, hash_password
from bot.staff.reset_email import reset_email
from bot.store.accounts.password_resets import consume_reset, create_reset, recent_reset_exists, reset_user_id
from bot.store.accounts.users import set_password, user_by_email
from integrations.console import db, edge
from integrations.console.i18n import N_, translate
from integrations.console.keys import BACKGROUND, MAILER, SETTINGS
from integrations.console.pages import throttle
from integrations.console.pages.login import FORGOT, LOGIN, RESET
from integrations.console.pages.render import locale_of, message, render
from integrations.delivery.senders import DeliveryError

log = logging.getLogger(__name__)

#: What the forgot form always answers.
SENT = N_(
    "If an account exists for that address, we have sent it an e-mail with a link to choose a new"
    " password. The link works once, for a limited time."
)
#: A second link to the same account within this time is not sent (nobody floods an inbox).
RESEND_AFTER = timedelta(minutes=1)


def add_routes(app: web.Application) -> None:
    """The forgot form and the reset links."""
    app.router.add_get(FORGOT, forgot_form)
    app.router.add_post(FORGOT, forgot)
    app.router.add_get(RESET + "{token}", reset_form)
    app.router.add_post(RESET + "{token}", reset)


async def forgot_form(request: web.Request) -> web.Response:
    """Ask for the account's e-mail address."""
    return await render(request, "forgot.html", {"error": None})


async def forgot(request: web.Request) -> web.Response:
    """Send a reset link when the address is an enabled account's; answer the same in every case."""
    form = await edge.form_of(request)
    email = normalize_email(str(form.get("email") or ""))[:MAX_EMAIL_LENGTH]
    if not email:
        return await render(request, "forgot.html", {"error": N_("Enter your e-mail address.")}, status=400)
    reservation = await throttle.reserve_reset_request(request)
    if reservation.attempt_id is None:
        wait = reservation.retry_after
        return await render(request, "forgot.html", {"error": throttle.too_many(wait, locale_of(request))}, status=429,
                            headers={"Retry-After": str(wait)})
    settings = request.app[SETTINGS]
    token = await db.write(request, _new_link, email=email,
                           lifetime=timedelta(minutes=settings.password_reset_minutes))
    if token is not None:
        link = settings.public_url.rstrip("/") + RESET + token
        mail = reset_email(to=email, link=link, minutes=settings.password_reset_minutes,
                           sender=settings.smtp.mail_from)
        task = asyncio.create_task(_send(request.app, mail))
        request.app[BACKGROUND].add(task)
        task.add_done_callback(request.app[BACKGROUND].discard)
    return await message(request, N_("Check your e-mail"), SENT, status=200)


async def reset_form(request: web.Request) -> web.Response:
    """The new-password form of a valid link; a used, expired or unknown one says so."""
    if await db.read(request, reset_user_id, token=request.match_info["token"]) is None:
        return await _expired(request)
    return await render(request, "reset.html", {"action": request.path, "error": None})


async def reset(request: web.Request) -> web.Response:
    """Set the new password, use the link up and end every session of the account."""
    form = await edge.form_of(request)
    new, repeat = str(form.get("new") or ""), str(form.get("repeat") or "")
    error = None
    if new != repeat:
        error = N_("The new password and its repetition differ.")
    else:
        try:
            check_new_password(new)
        except ValueError:  # refused only on length
            error = translate(locale_of(request), "Not changed: a password has %(low)d to %(high)d characters.") % {
                "low": MIN_PASSWORD_LENGTH, "high": MAX_PASSWORD_LENGTH}
    if error:
        return await render(request, "reset.html", {"action": request.path, "error": error}, status=400)
    # A dead link is refused before any hashing: posting to made-up links must cost the server nothing.
    if await db.read(request, reset_user_id, token=request.match_info["token"]) is None:
        return await _expired(request)
    password_hash = await asyncio.to_thread(hash_password, new)
    done = await db.write(request, _use_link, token=request.match_info["token"], password_hash=password_hash)
    if not done:
        return await _expired(request)
    return await message(request, N_("Password changed"),
                         N_("Your new password is set and every session of your account has ended. Log in at "
                            "%(login)s."), values={"login": LOGIN}, status=200)


def _new_link(*, session: Session, email: str, lifetime: timedelta) -> str | None:
    user = user_by_email(session=session, email=email)
    if user is None or user.disabled or recent_reset_exists(session=session, user_id=user.id, within=RESEND_AFTER):
        return None
    return create_reset(session=session, user_id=user.id, lifetime=lifetime)


def _use_link(*, session: Session, token: str, password_hash: str) -> bool:
    user_id = consume_reset(session=session, token=token)
    if user_id is None:
        return False
    set_password(session=session, user_id=user_id, password_hash=password_hash)
    return True


async def _send(app: web.Application, mail: EmailMessage) -> None:
    try:
        await app[MAILER].send(mail)
    except DeliveryError as error:  # names the SMTP host and the error type, never the address
        log.warning("password reset e-mail not sent: %s", error)


async def _expired(request: web.Request) -> web.Response:
    return await message(
        request,
        N_("This link no longer works"),
        N_("Reset links work once, for a limited time, and only the newest one. Ask for a new one at %(forgot)s."),
        values={"forgot": FORGOT},
        status=410,
    )
