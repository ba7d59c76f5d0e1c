"""Accept / decline links for affiliates: no login, a signed expiring single-use token.

GET shows the inquiry and a confirmation form (mail scanners that prefetch links must not
accept anything); POST uses the token once and accepts, or declines and moves the inquiry on.
"""
from __future__ import annotations

import asyncio
import logging
import time
from html import escape
from typing import Any

from aiohttp import web

from bot.delivery.endpoints import EndpointsConfig
from bot.delivery.signing import verify_link
from bot.dispatch import accept, move_on
from bot.store import get_inquiry, use_response_link
from bot.store.handles import link_details
from bot.store.queries import opening_of
from integrations.console.api import SETTINGS

log = logging.getLogger(__name__)

ENDPOINTS = web.AppKey("endpoints", object)
WRITES = web.AppKey("writes", object)
MAX_REASON = 1000


def add_routes(app: web.Application) -> None:
    app.router.add_get("/respond/{token}", show)
    app.router.add_post("/respond/{token}", answer)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;"
        "margin:2rem auto;padding:0 1rem;color:#202122}dt{font-weight:600}button{font-size:1rem;padding:.5rem 1rem}"
        f"textarea{{width:100%}}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=html, content_type="text/html", status=status,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _claim(request: web.Request):
    secret = request.app[SETTINGS].link_secret
    if not secret:
        return None
    return verify_link(request.match_info["token"], secret, now=int(time.time()))


def _summary(inquiry: dict[str, Any]) -> str:
    org = inquiry.get("organization") or {}
    rows = [
        ("Reference", inquiry.get("reference")),
        ("Organisation", f"{org.get('name') or '—'} ({org.get('type') or '—'})"),
        ("Country", " / ".join(filter(None, [inquiry.get("country"), inquiry.get("region")])) or "—"),
        ("Partnership", inquiry.get("partnership_type")),
        ("Licence", inquiry.get("licence") or "—"),
        ("Language", f"{inquiry.get('language')} (content: {inquiry.get('content_language') or '—'})"),
        ("Description", inquiry.get("description") or "—"),
        *([("First message", inquiry["opening"])] if inquiry.get("opening") not in (None, inquiry.get("description")) else []),
        ("Why you", ((inquiry.get("routing") or {}).get("reasons") or ["—"])[0]),
    ]
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows) + "</dl>"


async def show(request: web.Request) -> web.Response:
    claim = _claim(request)
    if claim is None:
        return _page("This link is not valid", "<p>The link is malformed or has expired.</p>", 410)
    sessions = request.app[WRITES]

    def read():
        with sessions.begin() as session:
            details = link_details(session=session, token_id=claim.token_id)
            inquiry = get_inquiry(session=session, reference=details["reference"]) if details else None
            if inquiry is not None:
                inquiry["opening"] = opening_of(session=session, reference=inquiry["reference"])
        return details, inquiry

    details, inquiry = await asyncio.to_thread(read)
    if not details or not inquiry:
        return _page("This link is not valid", "<p>We do not know this link.</p>", 404)
    if details.get("used_at") or not details.get("is_current"):
        return _page("Already answered", "<p>This inquiry has already been answered or has moved on.</p>", 410)
    action = claim.action
    form = (
        "<form method='post'>"
        + ("<p><label for='reason'>Why are you declining? (optional)</label><br>"
           "<textarea id='reason' name='reason' rows='3' maxlength='1000'></textarea></p>" if action == "decline" else "")
        + f"<button type='submit'>{'Accept this inquiry' if action == 'accept' else 'Decline this inquiry'}</button></form>"
    )
    title = "Accept this partnership inquiry?" if action == "accept" else "Decline this partnership inquiry?"
    return _page(title, _summary(inquiry) + form)


async def answer(request: web.Request) -> web.Response:
    claim = _claim(request)
    if claim is None:
        return _page("This link is not valid", "<p>The link is malformed or has expired.</p>", 410)
    form = await request.post()
    reason = str(form.get("reason") or "").strip()[:MAX_REASON] or "declined without a reason"
    sessions = request.app[WRITES]
    endpoints: EndpointsConfig | None = request.app[ENDPOINTS]  # type: ignore[assignment]

    def act():
        with sessions.begin() as session:
            use = use_response_link(session=session, token_id=claim.token_id)
            if use is None or getattr(use, "error", None):
                return getattr(use, "error", "unknown"), None
            actor = f"affiliate:{use.affiliate_id}"
            if use.action == "accept":
                accept(session=session, reference=use.reference, affiliate_id=use.affiliate_id, actor=actor)
                return "accepted", use.reference
            handover = move_on(session=session, endpoints=endpoints, reference=use.reference, actor=actor,
                               reason=reason)
            return ("declined", handover.affiliate_id), use.reference

    outcome, reference = await asyncio.to_thread(act)
    if reference is None:
        return _page("Already answered", f"<p>This link cannot be used ({escape(str(outcome))}).</p>", 410)
    log.info("inquiry %s %s through a response link", reference, outcome if isinstance(outcome, str) else "declined")
    if outcome == "accepted":
        return _page("Thank you", f"<p>Inquiry {escape(reference)} is yours. The partner has been told who will contact them.</p>")
    return _page("Thank you", f"<p>Inquiry {escape(reference)} has been passed on to the next Wikimedia affiliate.</p>")
