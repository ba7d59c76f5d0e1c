"""One inquiry (/console/inquiries/{reference}): everything about it, notes, and what the viewer
may do with it — staff re-assign it, the affiliate holding it accepts or declines it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.delivery.handover import accept, move_on, reassign
from bot.delivery.lifecycle import after_decline
from bot.i18n.wording import Refusal
from bot.intake.closing import refusal
from bot.routing.directory import Directory
from bot.staff.accounts import User
from bot.store.console.inquiries import NOTE_VISIBILITIES, add_note, inquiry_detail
from bot.store.partnerships import OUTCOME_FIELDS, Outcome, PartnershipStatus, save_partnership
from integrations.console import closing, db, edge, labels, recorded
from integrations.console.i18n import N_
from integrations.console.keys import DIRECTORY, ENDPOINTS
from integrations.console.pages.affiliate_choice import reassign_choices, resolve
from integrations.console.pages.inquiries import LIST
from integrations.console.pages.render import locale_of, message, render, text_for
from integrations.console.pages.session import viewer

MAX_TEXT = 2000
#: The outcome shown after a form, by the `done` query parameter of the redirect (shown translated).
DONE = {"note": N_("Note added."), "reassigned": N_("Re-assigned."), "accepted": N_("Accepted."),
        "declined": N_("Declined."), "closed": N_("Closed."), "partnership": N_("Partnership saved.")}
#: What a form says when its text field (`note` or `reason`) is left empty.
REQUIRED = {"note": N_("Please write the note."), "reason": N_("Please give a reason.")}
#: Why a handover (re-assigning) was refused, by its error code.
HANDOVER_REFUSALS = {"closed": N_("A deflected or closed inquiry cannot be re-assigned."),
                     "same_affiliate": N_("The inquiry is already with this affiliate.")}


def add_routes(app: web.Application) -> None:
    app.router.add_get(LIST + "/{reference}", show)
    app.router.add_post(LIST + "/{reference}/notes", note)
    app.router.add_post(LIST + "/{reference}/reassign", reassign_form)
    app.router.add_post(LIST + "/{reference}/accept", accept_form)
    app.router.add_post(LIST + "/{reference}/decline", decline_form)
    app.router.add_post(LIST + "/{reference}/close", close_form)
    app.router.add_post(LIST + "/{reference}/partnership", partnership_form)


async def _load(request: web.Request) -> dict[str, Any]:
    """The inquiry if the viewer may see it; a 404 page (the same as for no such inquiry) if not."""
    found = await db.read(request, inquiry_detail, reference=request.match_info["reference"],
                          scope=viewer(request).affiliate_scope)
    if found is None:
        raise web.HTTPNotFound(text=text_for(request, N_("No such inquiry.")))
    return found


def _holds(user: User, inquiry: dict[str, Any]) -> bool:
    """Whether `user` is of the affiliate that currently holds this routed inquiry (`holding` is
    in the affiliate's view, bot.staff.affiliate_view)."""
    return not user.is_staff and bool(inquiry.get("holding")) and inquiry["status"] == "routed"


async def show(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    names = {affiliate.id: affiliate.name for affiliate in request.app[DIRECTORY]}
    declined = None
    if not user.is_staff and user.affiliate_id and not inquiry.get("holding") and inquiry["status"] == "declined":
        declined = declined_to(inquiry, user.affiliate_id, request.app[DIRECTORY])
    shown = recorded_for(request, inquiry)
    return await render(request, "inquiry.html", {
        "declined": declined, "shown": shown,
        "alternatives": [names.get(a, a) for a in (inquiry.get("routing") or {}).get("alternatives") or []],
        "section": "inquiries", "inquiry": inquiry, "names": names,
        "choices": reassign_choices(request.app[DIRECTORY], alternatives=(inquiry.get("routing") or {}).get(
            "alternatives") or [], current=(inquiry.get("routing") or {}).get("affiliate_id")) if user.is_staff else [],
        "staff": user.is_staff, "holds": _holds(user, inquiry), "records_partnership": _records(user, inquiry),
        "partnership_statuses": [status.value for status in PartnershipStatus], "done": DONE.get(request.query.get("done", "")),
        "base": f"{LIST}/{inquiry['reference']}", "close_reasons": _close_reasons(user, inquiry),
        "reason_labels": {reason.value: label for reason, label in closing.REASON_LABELS.items()},
    })


def recorded_for(request: web.Request, inquiry: dict[str, Any]) -> Callable[[str | None], str]:
    """The sentences the product stored about `inquiry` (its reasons), as the page shows them:
    in the viewer's language where the console knows their shape (integrations/console/recorded.py)."""
    locale = locale_of(request)
    seen = recorded.viewer_of(request, inquiry, locale)
    return lambda text: recorded.shown(text, locale, seen)


def _close_reasons(user: User, inquiry: dict[str, Any]) -> dict[str, str]:
    """The reasons the viewer may close this inquiry for (none: no close form)."""
    return {reason.value: label for reason, label in closing.REASON_LABELS.items()
            if not refusal(status=inquiry["status"], reason=reason, affiliate=not user.is_staff,
                           holding=bool(inquiry.get("holding")))}


async def close_form(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    form = await edge.form_of(request)
    actor = f"staff:{user.email}" if user.is_staff else f"affiliate:{user.affiliate_id}:{user.email}"
    try:
        await closing.close(request, reference=inquiry["reference"], scope=user.affiliate_scope, actor=actor,
                            reason=form.get("reason"), duplicate_of=form.get("duplicate_of"), note=form.get("note"))
    except closing.Refused as refused:
        return await message(request, N_("Not closed"), refused.text, status=refused.status)
    raise _back(inquiry, "closed")


async def _text(request: web.Request, name: str, *, required: bool) -> str:
    form = await edge.form_of(request)
    text = str(form.get(name) or "").strip()
    if required and not text:
        raise web.HTTPBadRequest(text=text_for(request, REQUIRED[name]))
    if len(text) > MAX_TEXT:
        raise web.HTTPBadRequest(text=text_for(request, N_("The text is longer than %(max)s characters."), max=MAX_TEXT))
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
        raise web.HTTPBadRequest(text=text_for(request, N_("A note is staff-only or shared with the affiliate.")))
    return chosen


async def reassign_form(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    if not user.is_staff:
        return await message(request, N_("Not allowed"), N_("Only staff re-assign inquiries."), status=403)
    form = await edge.form_of(request)
    target = resolve(request.app[DIRECTORY], str(form.get("affiliate") or ""))
    if target is None:
        return await message(request, N_("Not re-assigned"), N_("Choose an affiliate from the list (type part of its name)."),
                             status=400)
    reason = await _text(request, "reason", required=True)
    if form.get("confirm") != "yes":
        # Nothing changes until staff have seen whom they chose: the confirmation names it.
        current = (inquiry.get("routing") or {}).get("affiliate_id")
        names = {affiliate.id: affiliate.name for affiliate in request.app[DIRECTORY]}
        return await render(request, "reassign_confirm.html", {
            "section": "inquiries", "inquiry": inquiry, "target": target, "reason": reason,
            "current": names.get(current, current) if current else None, "base": f"{LIST}/{inquiry['reference']}",
        })
    handover = await db.write(request, reassign, endpoints=request.app[ENDPOINTS], reference=inquiry["reference"],
                              affiliate_id=target.id, actor=f"staff:{user.email}", reason=reason)
    if handover.error:
        return await message(request, N_("Not re-assigned"), HANDOVER_REFUSALS.get(handover.error, handover.error),
                             status=409)
    raise _back(inquiry, "reassigned")


async def accept_form(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    if not _holds(user, inquiry):
        return await message(request, N_("Cannot accept"), N_("Only the affiliate holding a routed inquiry accepts it."),
                             status=409)
    form = await edge.form_of(request)
    if form.get("confirm") != "yes":
        return await _confirm_answer(request, inquiry, "accept")
    done = await db.write(request, accept, reference=inquiry["reference"], affiliate_id=user.affiliate_id,
                          actor=f"affiliate:{user.affiliate_id}:{user.email}")
    if not done:
        return await message(request, N_("Cannot accept"), N_("The inquiry has moved on in the meantime."), status=409)
    raise _back(inquiry, "accepted")


async def decline_form(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    if not _holds(user, inquiry):
        return await message(request, N_("Cannot decline"), N_("Only the affiliate holding a routed inquiry declines it."),
                             status=409)
    reason = await _text(request, "reason", required=True)
    form = await edge.form_of(request)
    if form.get("confirm") != "yes":
        return await _confirm_answer(request, inquiry, "decline", reason=reason)
    handover = await db.write(request, move_on, endpoints=request.app[ENDPOINTS], reference=inquiry["reference"],
                              actor=f"affiliate:{user.affiliate_id}:{user.email}", reason=reason)
    if handover.error:
        return await message(request, N_("Cannot decline"), N_("The inquiry has moved on in the meantime."), status=409)
    raise _back(inquiry, "declined")


async def _confirm_answer(request: web.Request, inquiry: dict[str, Any], action: str, reason: str = "") -> web.Response:
    """The page that asks an affiliate to confirm its answer and says what happens next."""
    user = viewer(request)
    assert user.affiliate_id is not None  # only the holding affiliate's users answer
    where, name = declined_to(inquiry, user.affiliate_id, request.app[DIRECTORY])
    return await render(request, "answer_confirm.html", {
        "section": "inquiries", "inquiry": inquiry, "action": action, "reason": reason, "next_kind": where,
        "next_name": name, "base": f"{LIST}/{inquiry['reference']}",
        "tells_partner": bool(inquiry.get("consent") and (inquiry.get("contact") or {}).get("email")),
    })


def declined_to(inquiry: dict[str, Any], affiliate_id: str, directory: Directory) -> tuple[str, str | None]:
    """Where `affiliate_id`'s decline sends (or sent) the inquiry, from the decisions it sees
    (bot.delivery.lifecycle.after_decline), the affiliate named."""
    kind, going = after_decline(inquiry.get("decisions") or [], affiliate_id)
    return kind, None if going is None else labels.affiliate(directory, going)


def _records(user: User, inquiry: dict[str, Any]) -> bool:
    """Whether `user` may record this inquiry's partnership: staff, or the affiliate that accepted
    it (and still holds it), once it was accepted."""
    owner = inquiry.get("partnership_owner")
    return owner is not None and (user.is_staff or user.affiliate_id == owner)


async def partnership_form(request: web.Request) -> web.Response:
    inquiry = await _load(request)
    user = viewer(request)
    if not _records(user, inquiry):
        return await message(request, N_("Not allowed"), N_("Only the affiliate that accepted the inquiry, and staff, "
                                                                "record its partnership."), status=403)
    form = await edge.form_of(request)
    try:
        outcome = Outcome.parse({name: str(form.get(name) or "") for name in OUTCOME_FIELDS})
    except Refusal as refused:  # the store's reason, said in the page's language
        return await message(request, N_("Not saved"), refused, status=400)
    actor = f"staff:{user.email}" if user.is_staff else f"affiliate:{user.affiliate_id}:{user.email}"
    try:
        await db.write(request, save_partnership, inquiry_id=inquiry["id"], outcome=outcome, actor=actor)
    except Refusal as refused:  # moved on since the page was loaded
        return await message(request, N_("Not saved"), refused, status=409)
    raise _back(inquiry, "partnership")
