"""Bearer-token authentication of the console's JSON API (`/api/*`).

INTAKE_API_TOKEN gives full access; tokens made with `intake tokens add` (hashed in the
`api_tokens` table) give full access or, with `--affiliate`, access scoped to the inquiries ever
routed to that affiliate. The scope is in `request[API_SCOPE]` (None: everything).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.store.api_tokens import token_scope, touch_token

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The challenge sent with every 401.
WWW_AUTHENTICATE = 'Bearer realm="intake"'
#: Where handlers find the caller's scope: None (all inquiries) or an affiliate id.
API_SCOPE = "intake.api.scope"
#: last_used_at is written at most this often per token (one write per request would be wasteful).
TOUCH_EVERY_S = 60.0


def is_protected(path: str) -> bool:
    """Whether `path` needs the token: the JSON API does, /health and the rest do not."""
    return path == "/api" or path.startswith("/api/")


def bearer_auth_middleware(
    token: str, *, sessions: Callable[[web.Request], Any] | None = None
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """A middleware demanding `Authorization: Bearer <token>` on /api/*: INTAKE_API_TOKEN, or a
    token of the `api_tokens` table when `sessions(request)` gives a session factory.

    With neither configured the API is closed (503) rather than open to anyone.
    """
    expected = token.encode("utf-8")
    touched: dict[int, float] = {}

    async def scope_of(request: web.Request, given: str) -> tuple[bool, str | None]:
        if expected and hmac.compare_digest(given.encode("utf-8"), expected):
            return True, None
        factory = sessions(request) if sessions and given else None
        if factory is None:
            return False, None

        def lookup() -> tuple[int, str | None] | None:
            with factory.begin() as session:
                found = token_scope(session=session, raw=given)
                if found and time.monotonic() - touched.get(found[0], -TOUCH_EVERY_S) >= TOUCH_EVERY_S:
                    touched[found[0]] = time.monotonic()
                    touch_token(session=session, token_id=found[0])
                return found

        found = await asyncio.to_thread(lookup)
        return (True, found[1]) if found else (False, None)

    @web.middleware
    async def bearer_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_protected(request.path):
            return await handler(request)
        if not expected and sessions is None:
            return web.json_response({"error": "API token not configured"}, status=503)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        ok, scope = await scope_of(request, given.strip()) if scheme.lower() == "bearer" else (False, None)
        if not ok:
            return web.json_response(
                {"error": "missing or invalid bearer token"},
                status=401,
                headers={"WWW-Authenticate": WWW_AUTHENTICATE},
            )
        request[API_SCOPE] = scope
        return await handler(request)

    return bearer_auth
