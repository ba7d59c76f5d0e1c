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
from integrations.console.keys import DIRECTORY
from integrations.console.pages.login import HOME, PREFIX
from integrations.console.pages.render import render
from integrations.console.pages.session import viewer

INQUIRIES = PREFIX + "/inquiries"
#: Each count of the home page: its key, what it counts, and the list that shows those.
Items = tuple[tuple[str, str, str], ...]
STAFF_ITEMS: Items = (
    ("review", "inquiries waiting for routing review", INQUIRIES + "?status=needs_review"),
    ("delivery", "inquiries whose delivery is failing or was given up", INQUIRIES + "?needs=delivery"),
    ("overdue", "inquiries unanswered past their response window", INQUIRIES + "?needs=overdue"),
    ("handoffs", "partners waiting for a person", PREFIX + "/handoffs"),
    ("flags", "flagged messages not yet exported for training", PREFIX + "/conversations?flags=unexported"),
)
AFFILIATE_ITEMS: Items = (
    ("answer", "inquiries waiting for your answer", INQUIRIES + "?needs=answer"),
    ("overdue", "of them past their response window", INQUIRIES + "?needs=overdue"),
    ("handoffs", "partners waiting for a person", PREFIX + "/handoffs"),
)


def add_routes(app: web.Application) -> None:
    app.router.add_get(HOME, show)


async def show(request: web.Request) -> web.Response:
    user = viewer(request)
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
        context["waiting"] = [{**row, "left": time_left(row["response_due_at"], now)}
                              for row in await db.read(request, waiting_for_answer, scope=user.affiliate_scope)]
    context["items"] = [{"key": key, "count": counts[key], "label": label, "url": url} for key, label, url in items]
    context["nothing"] = not any(counts.values())
    return await render(request, "home.html", context)


def time_left(due: datetime | None, now: datetime) -> str:
    """How long until an answer is due, as a person says it: "3 days", "5 hours", "overdue by 2 days";
    "no deadline" when the affiliate has no response window."""
    if due is None:
        return "no deadline"
    left = due - now
    late = left < timedelta(0)
    span = abs(left)
    if span >= timedelta(days=1):
        amount, unit = span.days, "day"
    elif span >= timedelta(hours=1):
        amount, unit = span.seconds // 3600, "hour"
    else:
        amount, unit = max(1, span.seconds // 60), "minute"
    words = f"{amount} {unit}{'' if amount == 1 else 's'}"
    return f"overdue by {words}" if late else f"{words} left"
