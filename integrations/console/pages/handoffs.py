"""The hand-off inbox (/console/handoffs, issue 14): partners waiting for a person and those a
person has, one conversation with its transcript and answers so far, and the person's actions
on it: claim, reply, hand back to the assistant, close. Also the user's availability switch.

The actions are integrations/console/handoffs.py's, shared with the JSON API. Their refusals
(someone else claimed it, it has ended, Rasa cannot be reached, an empty reply) are answered on
the page, never as a server error. The reply form is posted by handoffs.js with fetch, which
asks for JSON; without the script it is an ordinary form (303 back to the page). The page keeps
itself current through the live stream of pages/handoff_events.py.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.i18n.wording import Refusal
from bot.staff.transcript import turns
from bot.store.clock import utcnow
from bot.store.console.handoff_inbox import handoff_page, visible_handoff
from bot.store.handoffs import (
    OPEN,
    Answerer,
    HandoffStatus,
    heartbeat,
    list_handoffs,
    presence_of,
    switch_availability,
)
from integrations.console import db, edge, handoffs, labels
from integrations.console.i18n import N_, translate
from integrations.console.pages import handoff_events
from integrations.console.pages.handoff_views import (
    SHOWN_TURNS,
    answerer_of,
    answers,
    claimed_by,
    claimed_by_someone_else,
    row_view,
    status_label,
    turn_view,
    waited,
)
from integrations.console.pages.login import PREFIX
from integrations.console.pages.render import locale_of, render, text_for
from integrations.console.pages.session import viewer

INBOX = PREFIX + "/handoffs"
AVAILABILITY = INBOX + "/availability"
#: The hours a user can switch themselves on for from the inbox (0: off).
HOURS = (1, 2, 4, 8)
#: What the page says after an action that worked, by the redirect's `done` parameter.
DONE = {"claimed": N_("You have the conversation: the partner was told a person has joined."),
        "sent": N_("Sent."), "released": N_("Handed back to the assistant: it asks its question again."),
        "closed": N_("Closed: the partner was thanked."), "available": N_("Saved.")}
UNREACHABLE = N_("Could not reach the conversation; nothing was sent. Please try again.")


def add_routes(app: web.Application) -> None:
    # The stream's path first: /console/handoffs/events is not a conversation.
    handoff_events.add_routes(app)
    app.router.add_get(INBOX, inbox)
    app.router.add_post(AVAILABILITY, availability)
    app.router.add_get(INBOX + "/{conversation_id}", show)
    app.router.add_post(INBOX + "/{conversation_id}/claim", claim_form)
    app.router.add_post(INBOX + "/{conversation_id}/reply", reply_form)
    app.router.add_post(INBOX + "/{conversation_id}/release", release_form)
    app.router.add_post(INBOX + "/{conversation_id}/close", close_form)


def _open_and_present(*, session: Any, who: Answerer, user_id: int, now: datetime) -> tuple[list[dict[str, Any]], dict]:
    # Opening the inbox counts as being present (the live stream keeps it up while the page is open).
    heartbeat(session, user_id=user_id, now=now)
    return list_handoffs(session, scope=who.scope), presence_of(session, user_id=user_id, now=now)


async def inbox(request: web.Request) -> web.Response:
    user = viewer(request)
    now = utcnow()
    rows, presence = await db.write(request, _open_and_present, who=answerer_of(user), user_id=user.id, now=now)
    return await render(request, "handoffs.html", {
        "section": "handoffs", "rows": [row_view(row, now=now, locale=locale_of(request)) for row in rows],
        "presence": presence,
        "hours": HOURS, "done": DONE.get(request.query.get("done", "")),
    })


async def availability(request: web.Request) -> web.Response:
    """"I'm available for the next N hours" / "Not available"."""
    form = await edge.form_of(request)
    raw = str(form.get("hours") or "")
    if raw not in {"0", *map(str, HOURS)}:
        raise web.HTTPBadRequest(text=text_for(request, N_("Choose how many hours you are available for.")))
    await db.write(request, switch_availability, user_id=viewer(request).id, hours=float(raw), now=utcnow())
    raise web.HTTPSeeOther(f"{INBOX}?done=available")


def _page_and_present(*, session: Any, conversation_id: str, who: Answerer, user_id: int, now: datetime) -> Any:
    heartbeat(session, user_id=user_id, now=now)
    return handoff_page(session=session, conversation_id=conversation_id, who=who)


async def show(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    """One hand-off; another affiliate's (or none) is a 404, as if it did not exist."""
    user = viewer(request)
    who, now = answerer_of(user), utcnow()
    conversation_id = request.match_info["conversation_id"]
    found = await db.write(request, _page_and_present, conversation_id=conversation_id, who=who, user_id=user.id,
                           now=now)
    if found is None:
        raise web.HTTPNotFound(text=text_for(request, N_("No such hand-off.")))
    shown = turns(found.events, show_contacts=found.show_contacts)
    handoff = found.handoff
    locale = locale_of(request)
    return await render(request, "handoff.html", {
        "section": "handoffs", "conversation_id": conversation_id, "handoff": handoff,
        "row": row_view(handoff, now=now, locale=locale), "status_label": status_label(handoff["status"], locale),
        "is_open": handoff["status"] in OPEN, "waiting": handoff["status"] == HandoffStatus.WAITING.value,
        "mine": handoff.get("claimed_by") == user.id, "taken": claimed_by_someone_else(handoff, who),
        "claimed_by": claimed_by(handoff), "waited": waited(handoff, now=now, locale=locale),
        "turns": [turn_view(t, locale) for t in shown if t.kind in SHOWN_TURNS],
        "after": found.events[-1][0] if found.events else 0,
        "answers": answers(shown, locale), "max_reply": handoffs.MAX_REPLY_CHARS,
        "error": error, "done": DONE.get(request.query.get("done", "")),
    }, status=status)


# --- actions ---------------------------------------------------------------------------------

class Refused(Exception):
    """An action the page answers with a message (and this HTTP status) instead of doing it."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


async def _not_taken(request: web.Request, who: Answerer) -> None:
    """The hand-off must be open and not someone else's: two people never answer at once."""
    handoff = await db.read(request, visible_handoff, conversation_id=request.match_info["conversation_id"], who=who)
    if handoff is None:
        raise web.HTTPNotFound(text=text_for(request, N_("No such hand-off.")))
    if handoff["status"] not in OPEN:
        raise Refused(text_for(request, N_("This hand-off has ended (%(status)s)."),
                               status=status_label(handoff["status"], locale_of(request))), 409)
    if claimed_by_someone_else(handoff, who):
        raise Refused(text_for(request, N_("%(who)s has just claimed this conversation."),
                               who=claimed_by(handoff) or translate(locale_of(request), N_("Someone else"))), 409)


async def _conflict(request: web.Request, who: Answerer) -> Refused:
    """Why the store refused: the hand-off ended, or someone else claimed it first."""
    try:
        await _not_taken(request, who)
    except Refused as refused:
        return refused
    return Refused(text_for(request, N_("Someone else has just claimed this conversation, or it has ended.")), 409)


async def _act(request: web.Request, done: str, call: Any, *, check_taken: bool, **kwargs: Any) -> web.StreamResponse:
    who = answerer_of(viewer(request))
    conversation_id = request.match_info["conversation_id"]
    try:
        if check_taken:
            await _not_taken(request, who)
        else:  # handing back or closing: anyone who may answer it, e.g. for a colleague gone home
            await _visible_or_404(request, who)
        try:
            await call(request, conversation_id=conversation_id, who=who, **kwargs)
        except handoffs.HandoffConflict:
            raise await _conflict(request, who) from None
        except handoffs.RasaUnavailable:
            raise Refused(text_for(request, UNREACHABLE), 503) from None
        except Refusal as refused:  # a reply that cannot be sent (empty, too long)
            raise Refused(labels.refusal(refused, locale_of(request)), 400) from None
    except Refused as refused:
        if _wants_json(request):
            return web.json_response({"error": refused.message}, status=refused.status)
        return await show(request, error=refused.message, status=refused.status)
    if _wants_json(request):
        return web.json_response({"ok": True, "done": text_for(request, DONE[done])})
    raise web.HTTPSeeOther(f"{INBOX}/{conversation_id}?done={done}")


async def _visible_or_404(request: web.Request, who: Answerer) -> None:
    if await db.read(request, visible_handoff, conversation_id=request.match_info["conversation_id"], who=who) is None:
        raise web.HTTPNotFound(text=text_for(request, N_("No such hand-off.")))


def _wants_json(request: web.Request) -> bool:
    """handoffs.js posts with fetch and asks for JSON; a plain form post gets a page."""
    return "application/json" in request.headers.get("Accept", "")


async def claim_form(request: web.Request) -> web.StreamResponse:
    return await _act(request, "claimed", handoffs.claim_handoff, check_taken=True)


async def reply_form(request: web.Request) -> web.StreamResponse:
    form = await edge.form_of(request)
    text = form.get("text")
    return await _act(request, "sent", handoffs.reply, check_taken=True, text=text if isinstance(text, str) else "")


async def release_form(request: web.Request) -> web.StreamResponse:
    return await _act(request, "released", handoffs.release, check_taken=False)


async def close_form(request: web.Request) -> web.StreamResponse:
    return await _act(request, "closed", handoffs.close, check_taken=False)
