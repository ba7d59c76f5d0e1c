"""Bearer-token authentication of the console's JSON API (`/api/*`)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The challenge sent with every 401.
WWW_AUTHENTICATE = 'Bearer realm="intake"'


def is_protected(path: str) -> bool:
    """Whether `path` needs the token: the JSON API does, /health and the rest do not."""
    return path == "/api" or path.startswith("/api/")


def bearer_auth_middleware(token: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """A middleware demanding `Authorization: Bearer <token>` on /api/*.

    With an empty token the API is closed (503) rather than open to anyone.
    """
    expected = token.encode("utf-8")

    @web.middleware
    async def bearer_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_protected(request.path):
            return await handler(request)
        if not expected:
            return web.json_response({"error": "API token not configured"}, status=503)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("utf-8"), expected):
            return web.json_response(
                {"error": "missing or invalid bearer token"},
                status=401,
                headers={"WWW-Authenticate": WWW_AUTHENTICATE},
            )
        return await handler(request)

    return bearer_auth
