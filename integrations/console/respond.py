"""Accept / decline links for affiliates: no login, a signed expiring single-use token.

GET shows the inquiry and a confirmation form (mail scanners that prefetch links must not
accept anything); POST uses the token once and accepts, or declines and moves the inquiry on.
The pages are templates/respond_*.html, rendered without the console's sessions.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.delivery.endpoints import EndpointsConfig
from bot.delivery.handles import link_details
from bot.delivery.handover import accept, move_on
from bot.delivery.lifecycle import use_response_link
from bot.delivery.signing import LinkClaim, verify_link
from bot.store import get_inquiry
from bot.store.queries import opening_of
from integrations.console import db, edge
from integrations.console.keys import ENDPOINTS, SETTINGS
from integrations.console.pages.render import render_bare

log = logging.getLogger(__name__)

MAX_REASON = 1000
#: The URL is a usable link and the page shows an inquiry: neither is cached nor sent on as a referrer.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
INVALID = "This link is not valid"
ANSWERED = "Already answered"
THANKS = "Thank you"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/respond/{token}", show)
    app.router.add_post("/respond/{token}", answer)


def _message(request: web.Request, title: str, text: str, status: int = 200) -> web.Response:
    return render_bare(request, "respond_message.html", {"title": title, "text": text}, status=status, headers=HEADERS)


def _claim(request: web.Request) -> LinkClaim | None:
    secret = request.app[SETTINGS].link_secret
    if not secret:
        return None
    return verify_link(request.match_info["token"], secret, now=int(time.time()))


def _summary(inquiry: dict[str, Any]) -> list[tuple[str, Any]]:
    org = inquiry.get("organization") or {}
    return [
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


def _link_and_inquiry(*, session: Session, token_id: str) -> tuple[dict | None, dict[str, Any] | None]:
    details = link_details(session=session, token_id=token_id)
    inquiry = get_inquiry(session=session, reference=details["reference"]) if details else None
    if inquiry is not None:
        inquiry["opening"] = opening_of(session=session, reference=inquiry["reference"])
    return details, inquiry


def _use(
    *, session: Session, token_id: str, endpoints: EndpointsConfig | None, reason: str
) -> tuple[str | tuple[str, str | None], str | None]:
    use = use_response_link(session=session, token_id=token_id)
    if use is None or getattr(use, "error", None):
        return getattr(use, "error", "unknown"), None
    actor = f"affiliate:{use.affiliate_id}"
    if use.action == "accept":
        accept(session=session, reference=use.reference, affiliate_id=use.affiliate_id, actor=actor)
        return "accepted", use.reference
    handover = move_on(session=session, endpoints=endpoints, reference=use.reference, actor=actor, reason=reason)
    return ("declined", handover.affiliate_id), use.reference


async def show(request: web.Request) -> web.Response:
    claim = _claim(request)
    if claim is None:
        return _message(request, INVALID, "The link is malformed or has expired.", 410)
    details, inquiry = await db.write(request, _link_and_inquiry, token_id=claim.token_id)
    if not details or not inquiry:
        return _message(request, INVALID, "We do not know this link.", 404)
    if details.get("used_at") or not details.get("is_current"):
        return _message(request, ANSWERED, "This inquiry has already been answered or has moved on.", 410)
    action = claim.action
    title = "Accept this partnership inquiry?" if action == "accept" else "Decline this partnership inquiry?"
    context = {"title": title, "summary": _summary(inquiry), "action": action, "max_reason": MAX_REASON}
    return render_bare(request, "respond_confirm.html", context, headers=HEADERS)


async def answer(request: web.Request) -> web.Response:
    claim = _claim(request)
    if claim is None:
        return _message(request, INVALID, "The link is malformed or has expired.", 410)
    form = await edge.form_of(request)
    reason = str(form.get("reason") or "").strip()[:MAX_REASON] or "declined without a reason"
    outcome, reference = await db.write(
        request, _use, token_id=claim.token_id, endpoints=request.app[ENDPOINTS], reason=reason
    )
    if reference is None:
        return _message(request, ANSWERED, f"This link cannot be used ({outcome}).", 410)
    log.info("inquiry %s %s through a response link", reference, outcome if isinstance(outcome, str) else "declined")
    if outcome == "accepted":
        return _message(request, THANKS, f"Inquiry {reference} is yours. The partner has been told who will contact them.")
    return _message(request, THANKS, f"Inquiry {reference} has been passed on to the next Wikimedia affiliate.")
