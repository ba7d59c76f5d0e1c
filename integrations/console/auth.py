"""Bearer-token authentication of the console's JSON API (`/api/*`).

INTAKE_API_TOKEN gives full access; tokens made with `intake tokens add` (hashed in the
`api_tokens` table) give full access or, with `--affiliate`, access scoped to the inquiries ever
routed to that affiliate. The scope is in `request[API_SCOPE]` (None: everything).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.orm import Session

from bot.store.accounts.api_tokens import token_scope, touch_token
from integrations.console import db
from integrations.console.openapi import PATH as OPENAPI_PATH

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The challenge sent with every 401.
WWW_AUTHENTICATE = 'Bearer realm="intake"'
#: Where handlers find the caller's scope: None (all inquiries) or an affiliate id.
API_SCOPE = "intake.api.scope"
#: last_used_at is written at most this often per token (one write per request would be wasteful).
TOUCH_EVERY_S = 60.0


#: The Prometheus exposition (observed.py): not the API, but no more public than it.
METRICS_PATH = "/metrics"


def is_protected(path: str) -> bool:
    """Whether `path` needs the token: the JSON API does, but its OpenAPI document (which holds
    no data), and so does /metrics; /health and the rest do not."""
    if path == OPENAPI_PATH:
        return False
    return path == METRICS_PATH or path == "/api" or path.startswith("/api/")


def bearer_auth_middleware(
    token: str, *, token_table: bool = False
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """A middleware demanding `Authorization: Bearer <token>` on /api/*: INTAKE_API_TOKEN, or
    (with `token_table`) a token of the `api_tokens` table, read through `integrations.console.db`.

    With neither configured the API is closed (503) rather than open to anyone.
    """
    expected = token.encode("utf-8")
    touched: dict[int, float] = {}

    def lookup(*, session: Session, raw: str) -> tuple[int, str | None] | None:
        return token_scope(session=session, raw=raw)

    async def scope_of(request: web.Request, given: str) -> tuple[bool, str | None]:
        if expected and hmac.compare_digest(given.encode("utf-8"), expected):
            return True, None
        if not token_table or not given:
            return False, None
        found = await db.read(request, lookup, raw=given)
        if found and time.monotonic() - touched.get(found[0], -TOUCH_EVERY_S) >= TOUCH_EVERY_S:
            touched[found[0]] = time.monotonic()
            # Its own write transaction, never the read's upgraded: on SQLite a read transaction
            # that turns into a write after another connection committed fails at once ("database
            # is locked", no busy wait), which answered a valid request 503 under concurrent writes.
            # last_used_at is a hint for staff, so a touch that fails is not the request's failure.
            try:
                await db.write(request, touch_token, token_id=found[0])
            except Exception as error:  # noqa: BLE001 - best effort, logged without the token
                log.warning("could not record a token's last use (%s)", type(error).__name__)
        return (True, found[1]) if found else (False, None)

    @web.middleware
    async def bearer_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_protected(request.path):
            return await handler(request)
        if not expected and not token_table:
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
