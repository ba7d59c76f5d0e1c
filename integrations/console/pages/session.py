"""Console sessions: an encrypted cookie (Fernet) holding the user id and the CSRF token.

The cookie carries no role: the user is read from the database on every request, so that
disabling an account ends its sessions at once, whatever cookies are still out there.
"""

from __future__ import annotations

import base64
import hashlib
import time

from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from bot.settings import Settings
from bot.staff.accounts import User
from bot.store.accounts.users import get_user
from integrations.console import db
from integrations.console.pages import csrf

COOKIE_NAME = "intake_console"
#: Console pages only: the widget and the JSON API never see the cookie.
COOKIE_PATH = "/console"
#: A session lasts this long from login (the cookie's Max-Age and the Fernet token's TTL).
MAX_AGE_S = 12 * 60 * 60
#: Where the handlers find the logged-in user (set by the guard middleware).
USER = "intake.console.user"
_USER_ID = "uid"


def fernet_key(secret: str) -> bytes:
    """A Fernet key (32 bytes, url-safe base64) derived from INTAKE_SESSION_SECRET."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest())


def make_storage(settings: Settings) -> EncryptedCookieStorage:
    """The cookie storage: HttpOnly, SameSite=Lax, Secure when the console is served over https."""
    return EncryptedCookieStorage(
        Fernet(fernet_key(settings.session_secret)),
        cookie_name=COOKIE_NAME,
        path=COOKIE_PATH,
        max_age=MAX_AGE_S,
        httponly=True,
        samesite="Lax",
        secure=settings.public_url.lower().startswith("https://"),
    )


def current_user(request: web.Request) -> User | None:
    """The logged-in, enabled user of this request, or None."""
    return request.get(USER)


def viewer(request: web.Request) -> User:
    """The logged-in user of a page behind the guard (which lets no anonymous request through)."""
    user = request.get(USER)
    assert user is not None, "console pages are reached only through the guard"
    return user


async def load_user(request: web.Request) -> User | None:
    """Find the session's user in the database; a missing or disabled one ends the session."""
    session = await get_session(request)
    user_id = session.get(_USER_ID)
    if not isinstance(user_id, int):
        return None
    user = await db.read(request, get_user, user_id=user_id)
    if user is None or user.disabled:
        session.invalidate()
        return None
    request[USER] = user
    return user


async def log_in(request: web.Request, user: User) -> None:
    """Start a fresh session for `user`, with a new CSRF token (nothing survives from before)."""
    session = await new_session(request)
    session[_USER_ID] = user.id
    session["login_at"] = int(time.time())
    await csrf.token(request)
    request[USER] = user


async def log_out(request: web.Request) -> None:
    """End the session: the cookie is deleted on the response."""
    session = await get_session(request)
    session.invalidate()
    request.pop(USER, None)
