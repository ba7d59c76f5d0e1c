"""CSRF protection of the console's forms: one token per session, in a hidden field.

The token is derived from the session's cookie token with an HMAC under INTAKE_SESSION_SECRET,
so it needs no storage, changes whenever the session does (at login), and cannot be computed
by someone who does not hold the cookie. SameSite=Lax cookies already keep most cross-site
POSTs out; the token also covers browsers without SameSite and same-site attackers (another
site on a sibling subdomain).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from aiohttp import web

from integrations.console import edge
from integrations.console.keys import SETTINGS
from integrations.console.pages.session import browser_token, presented_token

#: The form field every console form carries (base.html and login.html put it there).
FIELD = "csrf_token"


def derive(secret: str, session_token: str) -> str:
    """The CSRF token of the session whose cookie holds `session_token`."""
    digest = hmac.new(secret.encode("utf-8"), b"csrf:" + session_token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token(request: web.Request) -> str:
    """This session's token (a cookie is started for a visitor who has none)."""
    return derive(request.app[SETTINGS].session_secret, browser_token(request))


async def is_valid(request: web.Request) -> bool:
    """Whether the form posted with `request` carries this session's token."""
    session_token = presented_token(request)
    given = (await edge.form_of(request)).get(FIELD)
    if session_token is None or not isinstance(given, str):
        return False
    expected = derive(request.app[SETTINGS].session_secret, session_token)
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
