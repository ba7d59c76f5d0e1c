"""Partnership history (issue 17, item 4): /console/organisations (search by name or alias,
country filter, 50 a page), /console/organisations/{id} (the record and every inquiry of it across
affiliates), and staff's curation: merge with confirmation, split from the merge history, the open
proposals (/console/organisations/proposals) to merge or reject.

Affiliates see the organisations routed to them, scoped by bot/store/console/organisations.py;
curation is staff's.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.i18n.wording import Refusal
from bot.store.console.organisations import (
    PAGE_SIZE,
    open_proposals,
    organization_record,
    search_organizations,
)
from bot.store.organization import merge_organizations, merge_proposal, reject_proposal, split_organizations
from integrations.console import db, edge, labels, params
from integrations.console.i18n import N_
from integrations.console.keys import DIRECTORY
from integrations.console.pages.login import PREFIX
from integrations.console.pages.render import locale_of, message, paging, render, text_for
from integrations.console.pages.session import viewer

LIST = PREFIX + "/organisations"
PROPOSALS = LIST + "/proposals"
#: The outcome shown after a form, by the `done` query parameter of the redirect (shown translated).
DONE = {"merged": N_("Merged."), "split": N_("Split: the records are separate again."),
        "rejected": N_("Marked as different.")}


def add_routes(app: web.Application) -> None:
    app.router.add_get(LIST, organisation_list)
    app.router.add_get(PROPOSALS, proposal_list)
    app.router.add_post(PROPOSALS + "/{id}/merge", proposal_merge)
    app.router.add_post(PROPOSALS + "/{id}/reject", proposal_reject)
    app.router.add_get(LIST + "/{id}", show)
    app.router.add_post(LIST + "/{id}/merge", merge_form)
    app.router.add_post(LIST + "/{id}/split", split_form)


def _id(request: web.Request, raw: str | None) -> int:
    number = params.whole_number(raw, default=0, low=1, high=2**31 - 1)
    if not number:
        raise web.HTTPNotFound(text=text_for(request, N_("No such organisation.")))
    return number


async def organisation_list(request: web.Request) -> web.Response:
    query = request.query
    page = params.whole_number(query.get("page"), default=1, low=1, high=params.MAX_PAGE)
    if page is None:
        return await message(request, N_("Cannot list like that"), N_("Page must be a number from 1 to %(last)s."),
                             values={"last": params.MAX_PAGE}, status=400)
    country, unknown = None, None
    typed = (query.get("country") or "").strip()[:200]
    if typed:
        try:
            country = labels.country_code(typed, locale_of(request))
        except labels.UnknownName:
            unknown = typed
    q = (query.get("q") or "").strip()[:300]
    total, rows = await db.read(request, search_organizations, q=q or None, country=country,
                                scope=viewer(request).affiliate_scope, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return await render(request, "organisations.html", {
        "section": "organisations", "rows": rows, "total": total, "query": query, "unknown_country": unknown,
        "staff": viewer(request).is_staff,
        **paging(request, LIST, page=page, total=total, page_size=PAGE_SIZE),
    })


async def _record(request: web.Request, organization_id: int) -> dict[str, Any]:
    found = await db.read(request, organization_record, organization_id=organization_id,
                          scope=viewer(request).affiliate_scope)
    if found is None:
        raise web.HTTPNotFound(text=text_for(request, N_("No such organisation.")))
    return found


async def show(request: web.Request) -> web.Response:
    organization_id = _id(request, request.match_info["id"])
    record = await _record(request, organization_id)
    if record["id"] != organization_id:  # a merged record's address shows the record it went into
        raise web.HTTPSeeOther(f"{LIST}/{record['id']}")
    return await render(request, "organisation.html", {
        "section": "organisations", "org": record, "staff": viewer(request).is_staff,
        "names": {a.id: a.name for a in request.app[DIRECTORY]},
        "done": DONE.get(request.query.get("done", "")), "base": f"{LIST}/{record['id']}",
    })


def _staff_only(request: web.Request) -> None:
    if not viewer(request).is_staff:
        raise web.HTTPForbidden(text=text_for(request, N_("Only staff curate organisations.")))


def _actor(request: web.Request) -> str:
    return f"staff:{viewer(request).email}"


async def merge_form(request: web.Request) -> web.Response:
    """Merge another organisation into this one; the first post shows both and asks to confirm."""
    _staff_only(request)
    record = await _record(request, _id(request, request.match_info["id"]))
    form = await edge.form_of(request)
    other_id = params.whole_number(str(form.get("other") or ""), default=0, low=1, high=2**31 - 1)
    other = await db.read(request, organization_record, organization_id=other_id) if other_id else None
    if other is None or other["id"] == record["id"]:
        return await message(request, N_("Not merged"), N_("Give the number of another organisation (from its address)."),
                             status=400)
    if form.get("confirm") != "yes":
        return await render(request, "organisation_merge_confirm.html", {
            "section": "organisations", "org": record, "other": other, "base": f"{LIST}/{record['id']}",
        })
    try:
        await db.write(request, merge_organizations, source_id=other["id"], target_id=record["id"],
                       actor=_actor(request))
    except Refusal as refused:
        return await message(request, N_("Not merged"), refused, status=409)
    raise web.HTTPSeeOther(f"{LIST}/{record['id']}?done=merged")


async def split_form(request: web.Request) -> web.Response:
    """Undo one merge of this organisation's history (the merge's id in the form)."""
    _staff_only(request)
    record = await _record(request, _id(request, request.match_info["id"]))
    form = await edge.form_of(request)
    merge_id = params.whole_number(str(form.get("merge") or ""), default=0, low=1, high=2**31 - 1)
    if not merge_id or merge_id not in {m["id"] for m in record["merges"]}:
        return await message(request, N_("Not split"), N_("Choose a merge from this organisation's history."), status=400)
    try:
        await db.write(request, split_organizations, merge_id=merge_id, actor=_actor(request))
    except Refusal as refused:
        return await message(request, N_("Not split"), refused, status=409)
    raise web.HTTPSeeOther(f"{LIST}/{record['id']}?done=split")


async def proposal_list(request: web.Request) -> web.Response:
    _staff_only(request)
    rows = await db.read(request, open_proposals)
    return await render(request, "organisation_proposals.html", {
        "section": "organisations", "rows": rows, "done": DONE.get(request.query.get("done", "")),
    })


async def proposal_merge(request: web.Request) -> web.Response:
    """Accept a proposal: the newer record goes into the older (the button says so)."""
    _staff_only(request)
    try:
        await db.write(request, merge_proposal, proposal_id=_id(request, request.match_info["id"]), actor=_actor(request))
    except Refusal as refused:
        return await message(request, N_("Not merged"), refused, status=409)
    raise web.HTTPSeeOther(f"{PROPOSALS}?done=merged")


async def proposal_reject(request: web.Request) -> web.Response:
    _staff_only(request)
    if not await db.write(request, reject_proposal, proposal_id=_id(request, request.match_info["id"]), actor=_actor(request)):
        return await message(request, N_("Not changed"), N_("This proposal was decided already."), status=409)
    raise web.HTTPSeeOther(f"{PROPOSALS}?done=rejected")
