"""Conversations (/console/conversations): every conversation, including those that never became
an inquiry, and each transcript with what the assistant understood and where it stumbled."""
from __future__ import annotations

import json
from functools import cache

import yaml
from aiohttp import web

from bot.data import ROOT
from bot.staff.training_export import AnnotationError, parse_annotated
from bot.staff.transcript import turns
from bot.store.console.transcripts import (
    OUTCOMES,
    PAGE_SIZE,
    ConversationFilters,
    conversation,
    list_conversations,
)
from bot.store.review import flag_message, flags_of
from integrations.console import db, edge, params
from integrations.console.i18n import N_
from integrations.console.pages.login import PREFIX
from integrations.console.pages.render import message, paging, render, text_for
from integrations.console.pages.session import viewer

LIST = PREFIX + "/conversations"
#: The transcript's query parameter that shows its technical detail ("1").
DETAIL = "detail"


def add_routes(app: web.Application) -> None:
    app.router.add_get(LIST, conversation_list)
    app.router.add_get(LIST + "/{sender_id}", transcript)
    app.router.add_post(LIST + "/{sender_id}/flags", flag)


@cache
def domain_names(kind: str) -> tuple[str, ...]:
    """The intents or entities of the Rasa domain (bot/domain/<kind>.yml)."""
    return tuple(yaml.safe_load((ROOT / "bot" / "domain" / f"{kind}.yml").read_text())[kind])


async def conversation_list(request: web.Request) -> web.Response:
    query = request.query
    outcome = query.get("outcome") or None
    page = params.whole_number(query.get("page"), default=1, low=1, high=params.MAX_PAGE)
    if outcome and outcome not in OUTCOMES:
        return await message(request, N_("Cannot filter like that"), N_("Unknown %(parameter)s: “%(value)s”."),
                             values={"parameter": "outcome", "value": outcome}, status=400)
    if page is None:
        return await message(request, N_("Cannot filter like that"), N_("Page must be a number from 1 to %(last)s."),
                             values={"last": params.MAX_PAGE}, status=400)
    flags = query.get("flags") or None
    if flags not in (None, "unexported") or (flags and viewer(request).affiliate_scope is not None):
        return await message(request, N_("Cannot filter like that"), N_("Flags filter only as flags=unexported, for staff."),
                             status=400)
    filters = ConversationFilters(outcome=outcome, with_fallbacks=query.get("fallbacks") == "1",
                                  unexported_flags=flags == "unexported", page=page)
    total, rows = await db.read(request, list_conversations, filters=filters, scope=viewer(request).affiliate_scope)
    return await render(request, "conversations.html", {
        "section": "conversations", "rows": rows, "total": total, "filters": filters, "outcomes": OUTCOMES,
        "staff": viewer(request).affiliate_scope is None,
        **paging(request, LIST, page=filters.page, total=total, page_size=PAGE_SIZE),
    })


async def transcript(request: web.Request) -> web.Response:
    found = await db.read(request, conversation, sender_id=request.match_info["sender_id"],
                          scope=viewer(request).affiliate_scope)
    if found is None:
        raise web.HTTPNotFound(text=text_for(request, N_("No such conversation.")))
    inquiry = found["inquiry"]
    shown = turns(found["events"], show_contacts=bool(inquiry and inquiry["consent"]))
    staff = viewer(request).affiliate_scope is None
    flags = await db.read(request, flags_of, conversation_id=found["sender_id"]) if staff else {}
    # What the assistant understood and did (intents, confidences, slots, reviews) only on demand:
    # a link toggles it, so it works without JavaScript and can be bookmarked.
    detail = request.query.get(DETAIL) == "1"
    return await render(request, "transcript.html", {
        "section": "conversations", "sender_id": found["sender_id"], "inquiry": inquiry,
        "turns": shown if detail else [t for t in shown if not t.technical], "detail": detail,
        "problems": sum(1 for t in shown if t.problem), "staff": staff, "flags": flags,
        "intents": domain_names("intents"), "done": request.query.get("flagged"),
    })


async def flag(request: web.Request) -> web.Response:
    """Staff mark a partner message with the intent (and entities) it should have had."""
    if viewer(request).affiliate_scope is not None:
        return await message(request, N_("Not allowed"), N_("Only staff review conversations."), status=403)
    found = await db.read(request, conversation, sender_id=request.match_info["sender_id"], scope=None)
    if found is None:
        raise web.HTTPNotFound(text=text_for(request, N_("No such conversation.")))
    form = await edge.form_of(request)
    event_id = str(form.get("event_id") or "")
    number = params.whole_number(event_id, default=0, low=1, high=2**62)
    data = dict(found["events"]).get(number) if number else None
    event = json.loads(data) if data else {}
    if event.get("event") != "user":
        return await message(request, N_("Cannot flag"), N_("Pick a partner message of this conversation."), status=400)
    intent = str(form.get("intent") or "")
    if intent not in domain_names("intents"):
        return await message(request, N_("Cannot flag"), N_("Unknown intent “%(value)s”."), values={"value": intent},
                             status=400)
    text = str(event.get("text") or "")
    annotated = str(form.get("annotated") or "").strip()
    try:
        entities = parse_annotated(annotated, original=text, entity_names=domain_names("entities")) if annotated \
            else [{k: e[k] for k in ("start", "end", "entity", "value")}
                  for e in (event.get("parse_data") or {}).get("entities") or [] if {"start", "end"} <= set(e)]
    except AnnotationError as refused:  # the annotation's own reason, said in the page's language
        return await message(request, N_("Cannot flag"), refused, status=400)
    # The language the message is written in decides its data/nlu/<lang>/ folder.
    meta = event.get("metadata") or {}
    language = str(meta.get("detected_language") or meta.get("language") or "en").split("-")[0].lower()[:10]
    user = viewer(request)
    await db.write(request, flag_message, event_id=number, conversation_id=found["sender_id"], text=text,
                   language=language, predicted_intent=((event.get("parse_data") or {}).get("intent") or {}).get("name"),
                   correct_intent=intent, entities=entities, user_id=user.id)
    raise web.HTTPSeeOther(f"{LIST}/{found['sender_id']}?{DETAIL}=1&flagged={event_id}#e{event_id}")
