"""The console's home (/console/): what needs the viewer's action, each a count linking to the
list it counts. Staff: inquiries in routing review, deliveries failing or given up, inquiries
unanswered past their window, partners waiting for a person, flagged messages not yet exported.
An affiliate's user: its inquiries waiting for its answer, with the time left."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.store.clock import utcnow
from bot.store.console.home import affiliate_counts, staff_counts, waiting_for_answer
from integrations.console import db
from integrations.console.i18n import N_, translate, translate_plural
from integrations.console.keys import DIRECTORY
from integrations.console.pages.login import HOME, PREFIX
from integrations.console.pages.render import locale_of, render
from integrations.console.pages.session import viewer

INQUIRIES = PREFIX + "/inquiries"
#: Each count of the home page: its key, what it counts, and the list that shows those.
Items = tuple[tuple[str, str, str], ...]
STAFF_ITEMS: Items = (
    ("review", N_("inquiries waiting for routing review"), INQUIRIES + "?status=needs_review"),
    ("delivery", N_("inquiries whose delivery is failing or was given up"), INQUIRIES + "?needs=delivery"),
    ("overdue", N_("inquiries unanswered past their response window"), INQUIRIES + "?needs=overdue"),
    ("handoffs", N_("partners waiting for a person"), PREFIX + "/handoffs"),
    ("flags", N_("flagged messages not yet exported for training"), PREFIX + "/conversations?flags=unexported"),
)
AFFILIATE_ITEMS: Items = (
    ("answer", N_("inquiries waiting for your answer"), INQUIRIES + "?needs=answer"),
    ("overdue", N_("of them past their response window"), INQUIRIES + "?needs=overdue"),
    ("handoffs", N_("partners waiting for a person"), PREFIX + "/handoffs"),
)


def add_routes(app: web.Application) -> None:
    app.router.add_get(HOME, show)


async def show(request: web.Request) -> web.Response:
    user = viewer(request)
    locale = locale_of(request)
    now = utcnow()
    context: dict[str, Any] = {"affiliate_name": None, "waiting": []}
    if user.affiliate_scope is None:
        counts = await db.read(request, staff_counts, now=now)
        items = STAFF_ITEMS
    else:
        names = {affiliate.id: affiliate.name for affiliate in request.app[DIRECTORY]}
        context["affiliate_name"] = names.get(user.affiliate_scope, user.affiliate_scope)
        counts = await db.read(request, affiliate_counts, scope=user.affiliate_scope, now=now)
        items = AFFILIATE_ITEMS
        context["waiting"] = [{**row, "left": time_left(row["response_due_at"], now, locale),
                                "late": row["response_due_at"] is not None and row["response_due_at"] < now}
                              for row in await db.read(request, waiting_for_answer, scope=user.affiliate_scope)]
    context["items"] = [{"key": key, "count": counts[key], "label": translate(locale, label), "url": url}
                        for key, label, url in items]
    context["nothing"] = not any(counts.values())
    return await render(request, "home.html", context)


def time_left(due: datetime | None, now: datetime, locale: str = "en") -> str:
    """How long until an answer is due, as a person says it in `locale`: "3 days left", "5 hours
    left", "overdue by 2 days"; "no deadline" when the affiliate has no response window."""
    if due is None:
        return translate(locale, "no deadline")
    left = due - now
    span = abs(left)
    if span >= timedelta(days=1):
        amount, unit = span.days, "day"
    elif span >= timedelta(hours=1):
        amount, unit = span.seconds // 3600, "hour"
    else:
        amount, unit = max(1, span.seconds // 60), "minute"
    # Whole sentences per unit: languages agree the words with the number in their own ways.
    if left < timedelta(0):
        forms = {"day": translate_plural(locale, "overdue by %(num)d day", "overdue by %(num)d days", amount),
                 "hour": translate_plural(locale, "overdue by %(num)d hour", "overdue by %(num)d hours", amount),
                 "minute": translate_plural(locale, "overdue by %(num)d minute", "overdue by %(num)d minutes", amount)}
    else:
        forms = {"day": translate_plural(locale, "%(num)d day left", "%(num)d days left", amount),
                 "hour": translate_plural(locale, "%(num)d hour left", "%(num)d hours left", amount),
                 "minute": translate_plural(locale, "%(num)d minute left", "%(num)d minutes left", amount)}
    return forms[unit] % {"num": amount}
