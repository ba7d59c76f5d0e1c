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
from integrations.console import charts, db, labels, params
from integrations.console.i18n import N_, translate
from integrations.console.keys import DASHBOARD_CACHE, DIRECTORY, SETTINGS
from integrations.console.pages.login import PREFIX
from integrations.console.pages.render import locale_of, render
from integrations.console.pages.session import viewer

PATH = PREFIX + "/dashboard"
#: The numbers are kept this long per viewer scope: aggregating 500,000 events takes ~0.3 s on
#: two cores (less from the consumer's table), and a dashboard a minute old is as useful as a fresh one.
CACHE_SECONDS = 60.0
#: The ranges of the dashboard's picker, in weeks, and the one shown first.
RANGES = (4, 12, 26, 52)
DEFAULT_WEEKS = 12
#: The funnel's stages and the hand-offs' weekly series (keys of bot.store.console.stats) as the
#: dashboard names them (shown translated).
SERIES_NAMES = {"conversations": N_("Conversations"), "intake started": N_("Intake started"),
                "completed": N_("Form completed"), "routed": N_("Routed"), "accepted": N_("Accepted"),
                "requested": N_("Requested"), "answered": N_("Answered by a person")}


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


def duration(seconds: float | None, locale: str = labels.DEFAULT_LOCALE) -> str:
    """A wait as people read it in `locale`: 45 s, 3.5 min, 2.1 h (3,5 min in French); a dash for none."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return translate(locale, N_("%(num)s s")) % {"num": labels.number(round(seconds), locale)}
    if seconds < 90 * 60:
        return translate(locale, N_("%(num)s min")) % {"num": labels.tenths(seconds / 60, locale)}
    return translate(locale, N_("%(num)s h")) % {"num": labels.tenths(seconds / 3600, locale)}


def named(series: dict[str, Any], locale: str) -> dict[str, Any]:
    """Weekly series keyed by their names in `locale` rather than by their codes."""
    return {translate(locale, SERIES_NAMES.get(key, key)): values for key, values in series.items()}


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
    locale = locale_of(request)
    # Codes by their names in the viewer's language (labels.py); the cached numbers keep the codes.
    by_affiliate = [(names.get(a, a), n) for a, n in stats["by_affiliate"]]
    by_type = [(labels.text("partnership_type", code, locale), n) for code, n in stats["by_type"]]
    by_country = [(labels.country(code, locale), n) for code, n in stats["by_country"]]
    by_language = [(labels.language(code, locale), n) for code, n in stats["by_language"]]
    drop_off = [(labels.question(slot, locale), n) for slot, n in stats.get("drop_off") or []]
    time_to_accept = [(names.get(a, a), d) for a, d in stats["time_to_accept"]]
    funnel = named(stats["funnel"], locale)
    handoff_weeks = named(stats["handoffs"]["weeks"], locale) if stats["staff"] else {}
    weeks = [labels.week(week, locale) for week in stats["weeks"]]  # "Nov 30 – Dec 6", not "2026-W49"

    def title(text: str) -> str:
        return translate(locale, text)

    svg = {
        "funnel": charts.grouped(title(N_("Funnel per week")), weeks, funnel, ident="funnel", locale=locale),
        "by_type": charts.bars(title(N_("Inquiries by partnership type")), by_type, ident="type", locale=locale),
        "by_country": charts.bars(title(N_("Inquiries by country (top 15)")), by_country, ident="country",
                                  locale=locale),
        "by_language": charts.bars(title(N_("Inquiries by conversation language")), by_language, ident="language",
                                   locale=locale),
        "by_affiliate": charts.bars(title(N_("Inquiries by affiliate")), by_affiliate, ident="affiliate", locale=locale),
        "time_to_accept": charts.bars(title(N_("Median days to acceptance")), time_to_accept, ident="accept",
                                      unit=title(N_(" d")), locale=locale),
    }
    if stats["staff"]:
        svg["drop_off"] = charts.bars(title(N_("Where partners left the form")), drop_off, ident="drop",
                                      locale=locale)
        svg["fallback"] = charts.bars(title(N_("Fallback rate per week")),
                                      [(labels.week(week, locale), rate) for week, rate in stats["fallback_rate"]],
                                      ident="fallback", unit=" %", locale=locale)
        svg["handoffs"] = charts.grouped(title(N_("Hand-offs to a person per week")), weeks, handoff_weeks,
                                         ident="handoffs", locale=locale)
    # Read fresh, never cached: staff act on it (`intake endpoints enable`).
    disabled = await db.read(request, list_disabled_endpoints) if user.is_staff else []
    return await render(request, "dashboard.html", {"section": "dashboard", "stats": stats, "svg": svg,
                                                   "by_affiliate": by_affiliate, "count": count,
                                                   "by_type": by_type, "by_country": by_country,
                                                   "by_language": by_language, "time_to_accept": time_to_accept,
                                                   "drop_off": drop_off,
                                                   "funnel": funnel, "handoff_weeks": handoff_weeks,
                                                   "ranges": RANGES,
                                                   "disabled": disabled, "names": names,
                                                   "duration": duration})
