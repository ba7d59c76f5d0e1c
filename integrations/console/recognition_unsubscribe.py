"""The unsubscribe link of the partners' recognition reports (bot/delivery/recognition.py): no
login, a signed token naming the partnership (INTAKE_LINK_SECRET), valid for STOP_LINK_DAYS.

GET shows a confirmation button (mail scanners that prefetch links must not unsubscribe anyone);
POST stops the reports, and is also what mail programs send for the e-mail's one-click
List-Unsubscribe (RFC 8058). Pages are in the partner's language (their inquiry's); a link that
names no partnership is answered in the browser's (Accept-Language).
"""
from __future__ import annotations

import logging
import time

from aiohttp import web

from bot.delivery.recognition import RTL, STOP_PATH, stop_claim, texts
from bot.store.clock import utcnow
from bot.store.recognition_reports import report_language, stop_reports
from integrations.console import db, edge, i18n
from integrations.console.keys import SETTINGS
from integrations.console.pages.render import render_bare

log = logging.getLogger(__name__)

#: The URL is a credential for one partnership's reports: neither cached nor sent on as a referrer.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def add_routes(app: web.Application) -> None:
    app.router.add_get(STOP_PATH + "{token}", show)
    app.router.add_post(STOP_PATH + "{token}", stop)


def _partnership(request: web.Request) -> int | None:
    return stop_claim(request.match_info["token"], request.app[SETTINGS].link_secret, now=int(time.time()))


def _page(request: web.Request, language: str | None, title: str, text: str = "", button: str = "",
          status: int = 200) -> web.Response:
    code = language if language else "en"
    context = {"language": code, "direction": "rtl" if code in RTL else "ltr", "title": title, "text": text,
               "button": button}
    return render_bare(request, "recognition_stop.html", context, status=status, headers=HEADERS)


def _invalid(request: web.Request) -> web.Response:
    """A link that is not valid (or no longer names a partnership): the browser's language."""
    language = i18n.request_locale(request)
    return _page(request, language, texts(language)["invalid_title"], status=410)


def _unavailable(request: web.Request) -> web.Response:
    """The database cannot be reached: the browser's language (the partner's is in the database)."""
    language = i18n.request_locale(request)
    t = texts(language)
    return _page(request, language, t["unavailable_title"], t["unavailable_text"], status=503)


@edge.outage_page(_unavailable)
async def show(request: web.Request) -> web.Response:
    partnership_id = _partnership(request)
    language = None if partnership_id is None else await db.read(request, report_language,
                                                                 partnership_id=partnership_id)
    if language is None:
        return _invalid(request)
    t = texts(language)
    return _page(request, language, t["stop_title"], t["stop_text"], t["stop_button"])


@edge.outage_page(_unavailable)
async def stop(request: web.Request) -> web.Response:
    partnership_id = _partnership(request)
    if partnership_id is None:
        return _invalid(request)
    language = await db.read(request, report_language, partnership_id=partnership_id)
    if language is None or not await db.write(request, stop_reports, partnership_id=partnership_id, now=utcnow()):
        return _invalid(request)
    log.info("recognition reports of partnership %s stopped by the partner", partnership_id)
    t = texts(language)
    return _page(request, language, t["stopped_title"], t["stopped_text"])
