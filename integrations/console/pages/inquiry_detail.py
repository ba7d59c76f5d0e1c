"""One inquiry (/console/inquiries/{reference}): everything about it, notes, and what the viewer
may do with it — staff re-assign it, the affiliate holding it accepts or declines it."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.delivery.handover import accept, move_on, reassign
from bot.staff.accounts import User
from bot.store.console.inquiries import NOTE_VISIBILITIES, add_note, inquiry_detail
from integrations.console import db, edge
from integrations.console.keys import DIRECTORY, ENDPOINTS
from integrations.console.pages.inquiries import LIST
from integrations.console.pages.render import message, render
from integrations.console.pages.session import viewer

MAX_TEXT = 2000
#: The outcome shown after a form, by the `done` query parameter of the redirect.
DONE = {"note": "Note added.", "reassigned": "Re-assigned.", "accepted": "Accepted.", "declined": "Declined."}


def add_routes(app: web.Application) -> None:
    app.router.add_get(LIST + "/{reference}", show)
    app.router.add_post(LIST + "/{reference}/notes", note)
    app.router.add_post(LIST + "/{reference}/reassign", reassign_form)
    app.router.add_post(LIST + "/{reference}/accept", accept_form)
    app.router.add_post(LIST + "/{reference}/decline", decline_form)


async def _load(request: web.Request) -> dict[str, Any]:
    """The inquiry if the viewer may see it; a 404 page (the same as for no such inquiry) if not."""
    found = await db.read(request, inquiry_detail, reference=request.match_info["reference"],
                          scope=viewer(request).affiliate_scope)
    if found is None:
        raise web.HTTPNotFound(text="No such inquiry.")
    return found


def _holds(user: User, inquiry: dict[str, Any]) -> bool:
    """Whether `user` is of the affiliate that currently holds this routed inquiry (`holding` is
    in the affiliate's view, bot.staff.affiliate_view)."""
    return not user.is_staff and bool(inquiry.get("holding")) and inquiry["status"] == "routed"


async def show(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    names = {affiliate.id: affiliate.name for affiliate in request.app[DIRECTORY]}
    return await render(request, "inquiry.html", {
        "section": "inquiries", "inquiry": inquiry, "names": names, "affiliates": request.app[DIRECTORY].affiliates,
        "staff": user.is_staff, "holds": _holds(user, inquiry), "done": DONE.get(request.query.get("done", "")),
        "base": f"{LIST}/{inquiry['reference']}",
    })


async def _text(request: web.Request, name: str, *, required: bool) -> str:
    form = await edge.form_of(request)
    text = str(form.get(name) or "").strip()
    if required and not text:
        raise web.HTTPBadRequest(text=f"Please fill in the {name}.")
    if len(text) > MAX_TEXT:
        raise web.HTTPBadRequest(text=f"The {name} is longer than {MAX_TEXT} characters.")
    return text


def _back(inquiry: dict[str, Any], done: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{LIST}/{inquiry['reference']}?done={done}")


async def note(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    body = await _text(request, "note", required=True)
    user = viewer(request)
    await db.write(request, add_note, inquiry_id=inquiry["id"], user_id=user.id, author=user.email, body=body,
                   visibility=await _visibility(request, user))
    raise _back(inquiry, "note")


async def _visibility(request: web.Request, user: User) -> str:
    """Who reads the note: affiliate users write only shared notes; staff choose, staff-only unless
    they say otherwise."""
    if not user.is_staff:
        return "shared"
    chosen = str((await edge.form_of(request)).get("visibility") or "staff")
    if chosen not in NOTE_VISIBILITIES:
        raise web.HTTPBadRequest(text="A note is staff-only or shared with the affiliate.")
    return chosen


async def reassign_form(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    if not user.is_staff:
        return await message(request, "Not allowed", "Only staff re-assign inquiries.", status=403)
    form = await edge.form_of(request)
    target = str(form.get("affiliate") or "")
    if target not in request.app[DIRECTORY]:
        raise web.HTTPBadRequest(text="Choose an affiliate of the directory.")
    reason = await _text(request, "reason", required=True)
    handover = await db.write(request, reassign, endpoints=request.app[ENDPOINTS], reference=inquiry["reference"],
                              affiliate_id=target, actor=f"staff:{user.email}", reason=reason)
    if handover.error:
        text = {"closed": "A deflected or closed inquiry cannot be re-assigned.",
                "same_affiliate": "The inquiry is already with this affiliate."}.get(handover.error, handover.error)
        return await message(request, "Not re-assigned", text, status=409)
    raise _back(inquiry, "reassigned")


async def accept_form(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    if not _holds(user, inquiry):
        return await message(request, "Cannot accept", "Only the affiliate holding a routed inquiry accepts it.", status=409)
    done = await db.write(request, accept, reference=inquiry["reference"], affiliate_id=user.affiliate_id,
                          actor=f"affiliate:{user.affiliate_id}:{user.email}")
    if not done:
        return await message(request, "Cannot accept", "The inquiry has moved on in the meantime.", status=409)
    raise _back(inquiry, "accepted")


async def decline_form(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    if not _holds(user, inquiry):
        return await message(request, "Cannot decline", "Only the affiliate holding a routed inquiry declines it.", status=409)
    reason = await _text(request, "reason", required=True)
    handover = await db.write(request, move_on, endpoints=request.app[ENDPOINTS], reference=inquiry["reference"],
                              actor=f"affiliate:{user.affiliate_id}:{user.email}", reason=reason)
    if handover.error:
        return await message(request, "Cannot decline", "The inquiry has moved on in the meantime.", status=409)
    raise _back(inquiry, "declined")
