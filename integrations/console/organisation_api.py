"""The JSON API of institutional memory (issue 17): GET /api/organizations?q= and
GET /api/organizations/{id} with its inquiries and partnerships, scoped like the rest of the API
(an affiliate token sees the organisations routed to it; bot/store/console/organisations.py)."""
from __future__ import annotations

import re

from aiohttp import web

from bot.store.console.organisations import organization_record, search_organizations
from bot.store.queries import MAX_LIMIT
from integrations.console import db, params
from integrations.console.auth import API_SCOPE

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def add_routes(app: web.Application) -> None:
    """Register the routes (described in openapi.yml)."""
    app.router.add_get("/api/organizations", organizations_list)
    app.router.add_get("/api/organizations/{id}", organization_detail)


async def organizations_list(request: web.Request) -> web.Response:
    """GET /api/organizations?q=&country=&limit=&offset=: organisations by name, folded like names
    are (case, accents, punctuation), matching their canonical name or any alias."""
    query = request.rel_url.query
    limit = params.whole_number(query.get("limit"), default=100, low=1, high=MAX_LIMIT)
    offset = params.whole_number(query.get("offset"), default=0, low=0, high=params.MAX_OFFSET)
    if limit is None or offset is None:
        return _error(400, f"limit must be 1 to {MAX_LIMIT} and offset 0 to {params.MAX_OFFSET}")
    country = (query.get("country") or "").strip()
    if country and not _COUNTRY.match(country):
        return _error(400, "country must be an ISO 3166-1 alpha-2 code")
    q = (query.get("q") or "").strip()
    if len(q) > 300:
        return _error(400, "q must be at most 300 characters")
    total, rows = await db.read(request, search_organizations, q=q or None, country=country or None,
                                scope=request.get(API_SCOPE), limit=limit, offset=offset)
    return web.json_response({"total": total, "organizations": rows})


async def organization_detail(request: web.Request) -> web.Response:
    """GET /api/organizations/{id}: the organisation (a merged record's id gives the record it was
    merged into), its aliases, merges, inquiries and partnerships; 404 if the token's scope had
    none of its inquiries."""
    raw = request.match_info["id"]
    organization_id = params.whole_number(raw, default=0, low=1, high=2**31 - 1)
    if not organization_id:
        return _error(404, "organization not found")
    found = await db.read(request, organization_record, organization_id=organization_id,
                          scope=request.get(API_SCOPE))
    if found is None:
        return _error(404, "organization not found")
    for entry in found["inquiries"]:
        entry.pop("notes")  # notes are the console's, not the API's
    return web.json_response(found)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
