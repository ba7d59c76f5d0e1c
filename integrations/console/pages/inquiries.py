"""The inquiry list (/console/inquiries) and its CSV export, filtered by query parameters and
scoped to what the viewer may see."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from aiohttp import web
from yarl import URL

from bot.intake.model import PartnershipType, Status, Tier
from bot.routing.directory import Directory
from bot.store.console.inquiries import PAGE_SIZE, SORTS, InquiryFilters, export_inquiries, search_inquiries
from bot.store.needs_action import NEEDS
from integrations.console import db, labels, params
from integrations.console.i18n import N_
from integrations.console.keys import DIRECTORY
from integrations.console.pages.login import PREFIX
from integrations.console.pages.render import locale_of, message, paging, render
from integrations.console.pages.session import viewer

LIST = PREFIX + "/inquiries"
CSV_EXPORT = PREFIX + "/inquiries.csv"
CSV_COLUMNS = ("reference", "created_at", "status", "organization_name", "organization_type", "partnership_type",
               "country", "region", "language", "content_language", "licence", "tier", "affiliate_id", "rule",
               "description", "contact_name", "contact_email")


#: The `needs` filter's choices as the list names them.
NEEDS_LABELS = {"answer": N_("waiting for the affiliate's answer"), "overdue": N_("unanswered past the response window"),
                "delivery": N_("delivery failing or given up")}


#: The sort keys as the list's caption names them.
SORT_NAMES = {"created": N_("creation date"), "organisation": N_("organisation"), "country": N_("country"),
              "status": N_("status"), "affiliate": N_("affiliate")}


class BadFilter(ValueError):
    """A query parameter the list cannot use: shown as a 400 page saying which. `text` is English
    (marked with N_, shown in the page's language) with %(name)s filled from `values`."""

    def __init__(self, text: str, **values: object) -> None:
        super().__init__(text % values)
        self.text = text
        self.values = values


def add_routes(app: web.Application) -> None:
    app.router.add_get(LIST, inquiry_list)
    app.router.add_get(CSV_EXPORT, inquiry_csv)


def parse_filters(query: Mapping[str, str], *, directory: Directory, unknown: dict[str, str],
                  locale: str = labels.DEFAULT_LOCALE) -> InquiryFilters:
    """Filters from the query string, each checked; BadFilter names the first bad one. Country,
    language and affiliate take a code or a name: a name the console does not know goes into
    `unknown` (parameter -> what was typed) and that filter is left out."""
    def choice(name: str, allowed: set[str]) -> str | None:
        value = (query.get(name) or "").strip()
        if value and value not in allowed:
            raise BadFilter(N_("Unknown %(parameter)s: “%(value)s”."), parameter=name, value=value)
        return value or None

    def day(name: str) -> date | None:
        value = (query.get(name) or "").strip()
        try:
            return params.day(value) if value else None
        except ValueError:
            raise BadFilter(N_("“%(parameter)s” must be a date like 2026-11-24 (between %(first)s and %(last)s)."),
                            parameter=name, first=params.FIRST_DAY.year, last=params.LAST_DAY.year) from None

    def named(name: str, lookup: Callable[[str], str]) -> str | None:
        """A code typed as a code or a name; an unknown one is noted and not filtered by."""
        value = (query.get(name) or "").strip()[:200]
        if not value:
            return None
        try:
            return lookup(value)
        except labels.UnknownName:
            unknown[name] = value
            return None

    page = params.whole_number(query.get("page"), default=1, low=1, high=params.MAX_PAGE)
    if page is None:
        raise BadFilter(N_("Page must be a number from 1 to %(last)s."), last=params.MAX_PAGE)
    sort = query.get("sort") or "created"
    if sort not in SORTS:
        raise BadFilter(N_("Unknown sort: “%(value)s”."), value=sort)
    return InquiryFilters(
        status=choice("status", {s.value for s in Status}),
        partnership_type=choice("partnership_type", {p.value for p in PartnershipType}),
        affiliate=named("affiliate", lambda typed: labels.affiliate_id(directory, typed)),
        country=named("country", lambda typed: labels.country_code(typed, locale)),
        language=named("language", lambda typed: labels.language_code(typed, locale)),
        tier=choice("tier", {t.value for t in Tier}),
        created_from=day("created_from"), created_to=day("created_to"),
        q=(query.get("q") or "").strip()[:200] or None,
        needs=choice("needs", set(NEEDS)),
        sort=sort, descending=(query.get("order") or "desc") != "asc", page=page,
    )


async def _filters(request: web.Request, unknown: dict[str, str] | None = None) -> InquiryFilters:
    filters = parse_filters(request.query, directory=request.app[DIRECTORY], unknown={} if unknown is None else unknown,
                            locale=locale_of(request))
    if viewer(request).affiliate_scope is not None:
        filters = replace(filters, affiliate=None)  # an affiliate's list is theirs already
    return filters


async def inquiry_list(request: web.Request) -> web.Response:
    """The filtered list, 50 a page."""
    unknown: dict[str, str] = {}
    try:
        filters = await _filters(request, unknown)
    except BadFilter as error:
        return await message(request, N_("Cannot filter like that"), error.text, values=error.values, status=400)
    total, rows = await db.read(request, search_inquiries, filters=filters, scope=viewer(request).affiliate_scope)
    pager = paging(request, LIST, page=filters.page, total=total, page_size=PAGE_SIZE)
    here = pager["here"]
    return await render(request, "inquiries.html", {
        "section": "inquiries", "rows": rows, "total": total, "filters": filters, "query": request.query, **pager,
        "csv_url": str(URL(CSV_EXPORT).with_query(dict(here.query))),
        "sort_url": lambda key: str(here.update_query(sort=key, order="asc" if filters.sort == key and filters.descending else "desc")),
        "statuses": [s.value for s in Status], "types": [p.value for p in PartnershipType],
        "tiers": [t.value for t in Tier], "affiliates": request.app[DIRECTORY].affiliates,
        "staff": viewer(request).affiliate_scope is None, "unknown": unknown,
        "directory": request.app[DIRECTORY], "needs": NEEDS_LABELS, "sort_names": SORT_NAMES,
    })


def csv_cell(value: Any) -> str:
    """A cell that spreadsheets show as text: formulas (= + - @, tab, CR) get a leading quote."""
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def inquiry_csv(request: web.Request) -> web.Response:
    """The filtered list as CSV (UTF-8 with BOM for spreadsheets); contacts only with consent."""
    try:
        filters = await _filters(request)
    except BadFilter as error:
        return await message(request, N_("Cannot filter like that"), error.text, values=error.values, status=400)
    rows = await db.read(request, export_inquiries, filters=filters, scope=viewer(request).affiliate_scope)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        if not row.get("consent"):
            row = {**row, "contact_name": None, "contact_email": None}
        writer.writerow([csv_cell(row.get(column)) for column in CSV_COLUMNS])
    return web.Response(
        body=out.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="inquiries.csv"'},
    )
