"""Conversations (/console/conversations): every conversation, including those that never became
an inquiry, and each transcript with what the assistant understood and where it stumbled."""
from __future__ import annotations

from aiohttp import web
from yarl import URL

from bot.store.transcripts import OUTCOMES, PAGE_SIZE, ConversationFilters, conversation, list_conversations
from bot.transcript import turns
from integrations.console.pages import database
from integrations.console.pages.login import PREFIX
from integrations.console.pages.render import message, render
from integrations.console.pages.session import current_user

LIST = PREFIX + "/conversations"


def add_routes(app: web.Application) -> None:
    app.router.add_get(LIST, conversation_list)
    app.router.add_get(LIST + "/{sender_id}", transcript)


def _scope(request: web.Request) -> str | None:
    user = current_user(request)
    assert user is not None  # the guard lets no anonymous request through
    return user.affiliate_scope


async def conversation_list(request: web.Request) -> web.Response:
    query = request.query
    outcome = query.get("outcome") or None
    page = query.get("page") or "1"
    if outcome and outcome not in OUTCOMES:
        return await message(request, "Cannot filter like that", f"Unknown outcome: {outcome!r}.", status=400)
    if not page.isdigit() or int(page) < 1:
        return await message(request, "Cannot filter like that", "Page must be a positive number.", status=400)
    filters = ConversationFilters(outcome=outcome, with_fallbacks=query.get("fallbacks") == "1", page=int(page))
    total, rows = await database.read(request, list_conversations, filters=filters, scope=_scope(request))
    pages = max(1, -(-total // PAGE_SIZE))
    here = URL(LIST).with_query({k: v for k, v in query.items() if v and k != "page"})
    return await render(request, "conversations.html", {
        "section": "conversations", "rows": rows, "total": total, "filters": filters, "outcomes": OUTCOMES,
        "page": filters.page, "pages": pages, "staff": _scope(request) is None,
        "prev_url": str(here.update_query(page=filters.page - 1)) if filters.page > 1 else None,
        "next_url": str(here.update_query(page=filters.page + 1)) if filters.page < pages else None,
    })


async def transcript(request: web.Request) -> web.Response:
    found = await database.read(request, conversation, sender_id=request.match_info["sender_id"],
                                scope=_scope(request))
    if found is None:
        raise web.HTTPNotFound(text="No such conversation.")
    inquiry = found["inquiry"]
    shown = turns(found["events"], show_contacts=bool(inquiry and inquiry["consent"]))
    return await render(request, "transcript.html", {
        "section": "conversations", "sender_id": found["sender_id"], "inquiry": inquiry, "turns": shown,
        "problems": sum(1 for t in shown if t.problem),
    })
