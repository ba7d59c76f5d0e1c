"""The dashboard (/console/dashboard): the funnel per week, drop-off, breakdowns, time to
acceptance, fallback rate and hand-offs to a person, as server-rendered SVG charts with the
numbers in tables too."""
from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from bot.store.console.stats import (
    assemble,
    conversation_part,
    drop_off_part,
    handoff_part,
    inquiry_part,
    window,
)
from bot.store.disabled_endpoints import list_disabled_endpoints
from integrations.console import charts, db, params
from integrations.console.keys import DASHBOARD_CACHE, DIRECTORY, SETTINGS
from integrations.console.pages.login import PREFIX
from integrations.console.pages.render import render
from integrations.console.pages.session import viewer

PATH = PREFIX + "/dashboard"
#: The numbers are kept this long per viewer scope: aggregating 500,000 events takes ~0.3 s on
#: two cores (less from the consumer's table), and a dashboard a minute old is as useful as a fresh one.
CACHE_SECONDS = 60.0
#: The ranges of the dashboard's picker, in weeks, and the one shown first.
RANGES = (4, 12, 26, 52)
DEFAULT_WEEKS = 12


def add_routes(app: web.Application) -> None:
    app[DASHBOARD_CACHE] = {}
    app.router.add_get(PATH, show)


async def _numbers(request: web.Request, scope: str | None, weeks: int) -> dict[str, Any]:
    """The parts read concurrently, each in its own thread and connection (two cores: the
    events part and the inquiries part overlap)."""
    labels, since = window(weeks)
    inquiry = db.read(request, inquiry_part, labels=labels, since=since, scope=scope)
    if scope is not None:
        return assemble(labels, False, await inquiry, None, None)
    # With RabbitMQ, the analytics consumer keeps per-conversation facts: read those rather than
    # aggregate Rasa's events (integrations/analytics/).
    tallied = bool(request.app[SETTINGS].rabbitmq_url)
    conversation = db.read(request, conversation_part, labels=labels, since=since, tallied=tallied)
    drop_off = db.read(request, drop_off_part, since=since, tallied=tallied)
    handoff = db.read(request, handoff_part, labels=labels, since=since)
    numbers, events, left, handed = await asyncio.gather(inquiry, conversation, drop_off, handoff)
    return assemble(labels, True, numbers, events, left, handed)


def duration(seconds: float | None) -> str:
    """A wait as people read it: 45 s, 3.5 min, 2.1 h; a dash for none."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def with_data(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers as shown: only the weeks in which anything happened (a copy; the cached
    numbers stay whole)."""
    weekly = [*stats["funnel"].values(), *((stats.get("handoffs") or {}).get("weeks") or {}).values()]
    kept = [i for i in range(len(stats["weeks"])) if any(values[i] for values in weekly)]
    shown = {**stats, "weeks": [stats["weeks"][i] for i in kept],
             "funnel": {name: [values[i] for i in kept] for name, values in stats["funnel"].items()}}
    if "fallback_rate" in stats:
        shown["fallback_rate"] = [stats["fallback_rate"][i] for i in kept]
    if "handoffs" in stats:
        shown["handoffs"] = {**stats["handoffs"],
                             "weeks": {name: [values[i] for i in kept] for name, values in stats["handoffs"]["weeks"].items()}}
    return shown


async def show(request: web.Request) -> web.Response:
    user = viewer(request)
    # The range picker offers RANGES; another number of weeks in a hand-made link works too.
    count = params.whole_number(request.query.get("weeks"), default=DEFAULT_WEEKS, low=1, high=max(RANGES)) \
        or DEFAULT_WEEKS
    cache = request.app[DASHBOARD_CACHE]
    key = (user.affiliate_scope, count)
    cached = cache.get(key)
    if cached and cached[0] > time.monotonic():
        stats = cached[1]
    else:
        stats = await _numbers(request, user.affiliate_scope, count)
        cache[key] = (time.monotonic() + CACHE_SECONDS, stats)
    stats = with_data(stats)
    names = {affiliate.id: affiliate.name for affiliate in request.app[DIRECTORY]}
    by_affiliate = [(names.get(a, a), n) for a, n in stats["by_affiliate"]]
    svg = {
        "funnel": charts.grouped("Funnel per week", stats["weeks"], stats["funnel"], ident="funnel"),
        "by_type": charts.bars("Inquiries by partnership type", stats["by_type"], ident="type"),
        "by_country": charts.bars("Inquiries by country (top 15)", stats["by_country"], ident="country"),
        "by_language": charts.bars("Inquiries by conversation language", stats["by_language"], ident="language"),
        "by_affiliate": charts.bars("Inquiries by affiliate", by_affiliate, ident="affiliate"),
        "time_to_accept": charts.bars("Median days to acceptance", [(names.get(a, a), d) for a, d in stats["time_to_accept"]],
                                      ident="accept", unit=" d"),
    }
    if stats["staff"]:
        svg["drop_off"] = charts.bars("Where partners left the form", stats["drop_off"], ident="drop")
        svg["fallback"] = charts.bars("Fallback rate per week", stats["fallback_rate"], ident="fallback", unit=" %")
        svg["handoffs"] = charts.grouped("Hand-offs to a person per week", stats["weeks"],
                                         stats["handoffs"]["weeks"], ident="handoffs")
    # Read fresh, never cached: staff act on it (`intake endpoints enable`).
    disabled = await db.read(request, list_disabled_endpoints) if user.is_staff else []
    return await render(request, "dashboard.html", {"section": "dashboard", "stats": stats, "svg": svg,
                                                   "by_affiliate": by_affiliate, "count": count,
                                                   "ranges": RANGES,
                                                   "disabled": disabled, "names": names,
                                                   "duration": duration})
