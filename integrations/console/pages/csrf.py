"""CSRF protection of the console's forms: one random token per session, in a hidden field.

SameSite=Lax cookies already keep most cross-site POSTs out; the token also covers browsers
without SameSite and same-site attackers (another site on a sibling subdomain).
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from aiohttp_session import get_session

from integrations.console import edge

#: The form field every console form carries (base.html and login.html put it there).
FIELD = "csrf_token"
#: Where the token lives in the session.
SESSION_KEY = "csrf"


async def token(request: web.Request) -> str:
    """This session's token, made on first use."""
    session = await get_session(request)
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


async def is_valid(request: web.Request) -> bool:
    """Whether the form posted with `request` carries this session's token."""
    session = await get_session(request)
    expected = session.get(SESSION_KEY)
    given = (await edge.form_of(request)).get(FIELD)
    if not isinstance(expected, str) or not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
