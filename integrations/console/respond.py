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
from bot.delivery.lifecycle import NO_REASON_GIVEN, use_response_link
from bot.delivery.signing import LinkClaim, verify_link
from bot.store import get_inquiry
from bot.store.accounts.users import affiliate_language
from bot.store.queries import opening_of
from integrations.console import db, edge, i18n, labels, recorded
from integrations.console.i18n import N_
from integrations.console.keys import ENDPOINTS, SETTINGS
from integrations.console.pages.render import render_bare

log = logging.getLogger(__name__)

MAX_REASON = 1000
#: The URL is a usable link and the page shows an inquiry: neither is cached nor sent on as a referrer.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
INVALID = N_("This link is not valid")
ANSWERED = N_("Already answered")
THANKS = N_("Thank you")
#: Why a link could not be used, by the code bot.delivery.lifecycle.use_response_link gives.
UNUSABLE = {
    "used": N_("This link has been used already: the inquiry was answered."),
    "expired": N_("This link has expired."),
    "superseded": N_("This inquiry has moved on since the link was sent: it is no longer waiting for your answer."),
    "unknown": N_("We do not know this link."),
}
#: A code UNUSABLE has no sentence for (a newer store's).
UNUSABLE_OTHER = N_("This link cannot be used any more.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/respond/{token}", show)
    app.router.add_post("/respond/{token}", answer)


def _message(request: web.Request, title: str, text: str, status: int = 200, **values: object) -> web.Response:
    """A page that only says something: `title` and `text` English (marked with N_), shown in the
    page's language with `values` filling the text's %(name)s."""
    locale = i18n.request_locale(request)
    shown = i18n.translate(locale, text)
    return render_bare(request, "respond_message.html", {"title": i18n.translate(locale, title),
                                                         "text": shown % values if values else shown},
                       status=status, headers=HEADERS)


def _choose_language(request: web.Request, affiliate_language: str | None) -> None:
    """The pages' language: the one the affiliate's people chose in the console, if any, else the
    browser's (the link is opened from an e-mail, without a console session)."""
    request[i18n.REQUEST_KEY] = i18n.choose(affiliate_language, request.headers.get("Accept-Language"))


def _claim(request: web.Request) -> LinkClaim | None:
    secret = request.app[SETTINGS].link_secret
    if not secret:
        return None
    return verify_link(request.match_info["token"], secret, now=int(time.time()))


def _summary(inquiry: dict[str, Any], locale: str, viewer: recorded.Viewer | None = None) -> list[tuple[str, Any]]:
    """The inquiry as the confirmation page lists it: (label, value), both in `locale` (the
    routing's reason, which the router stored in English, by its shape: `viewer`)."""
    org = inquiry.get("organization") or {}
    country = labels.country(inquiry.get("country"), locale)
    rows: list[tuple[str, Any]] = [
        (N_("Reference"), inquiry.get("reference")),
        (N_("Organisation"), f"{org.get('name') or '—'} ({labels.text('organization_type', org.get('type'), locale)})"),
        (N_("Country"), f"{country} / {inquiry['region']}" if inquiry.get("region") else country),
        (N_("Partnership"), labels.text("partnership_type", inquiry.get("partnership_type"), locale)),
        (N_("Licence"), labels.text("licence", inquiry.get("licence"), locale)),
        (N_("Conversation language"), labels.language(inquiry.get("language"), locale)),
        (N_("Language of the material"), labels.language(inquiry.get("content_language"), locale)),
        (N_("Description"), inquiry.get("description") or "—"),
        *([(N_("First message"), inquiry["opening"])] if inquiry.get("opening") not in (None, inquiry.get("description"))
          else []),
        (N_("Why you"), recorded.shown(((inquiry.get("routing") or {}).get("reasons") or ["—"])[0], locale, viewer)),
    ]
    return [(i18n.translate(locale, label), value) for label, value in rows]


def _link_and_inquiry(*, session: Session, token_id: str) -> tuple[dict | None, dict[str, Any] | None]:
    details = link_details(session=session, token_id=token_id)
    inquiry = get_inquiry(session=session, reference=details["reference"]) if details else None
    if inquiry is not None:
        inquiry["opening"] = opening_of(session=session, reference=inquiry["reference"])
    if details is not None:
        details["language"] = affiliate_language(session=session, affiliate_id=details["affiliate_id"])
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


def _outage(request: web.Request) -> web.Response:
    if i18n.REQUEST_KEY not in request:  # the affiliate's language was not read yet
        _choose_language(request, None)
    return _message(request, N_("The database cannot be reached"),
                    N_("The console cannot reach its database right now. Please try again in a moment."), 503)


@edge.outage_page(_outage)
async def show(request: web.Request) -> web.Response:
    claim = _claim(request)
    if claim is None:
        return _message(request, INVALID, N_("The link is malformed or has expired."), 410)
    details, inquiry = await db.write(request, _link_and_inquiry, token_id=claim.token_id)
    _choose_language(request, (details or {}).get("language"))
    if not details or not inquiry:
        return _message(request, INVALID, N_("We do not know this link."), 404)
    if details.get("used_at") or not details.get("is_current"):
        return _message(request, ANSWERED, N_("This inquiry has already been answered or has moved on."), 410)
    action = claim.action
    locale = i18n.request_locale(request)
    title = N_("Accept this partnership inquiry?") if action == "accept" else N_("Decline this partnership inquiry?")
    context = {"title": i18n.translate(locale, title), "summary": _summary(inquiry, locale, recorded.viewer_of(request, inquiry, locale)), "action": action,
               "max_reason": MAX_REASON}
    return render_bare(request, "respond_confirm.html", context, headers=HEADERS)


@edge.outage_page(_outage)
async def answer(request: web.Request) -> web.Response:
    claim = _claim(request)
    if claim is None:
        return _message(request, INVALID, N_("The link is malformed or has expired."), 410)
    # The answer pages speak the confirmation page's language (the same affiliate, the same browser).
    details, _inquiry = await db.write(request, _link_and_inquiry, token_id=claim.token_id)
    _choose_language(request, (details or {}).get("language"))
    form = await edge.form_of(request)
    reason = str(form.get("reason") or "").strip()[:MAX_REASON] or NO_REASON_GIVEN
    outcome, reference = await db.write(
        request, _use, token_id=claim.token_id, endpoints=request.app[ENDPOINTS], reason=reason
    )
    if reference is None:
        return _message(request, ANSWERED, UNUSABLE.get(str(outcome), UNUSABLE_OTHER), 410)
    log.info("inquiry %s %s through a response link", reference, outcome if isinstance(outcome, str) else "declined")
    if outcome == "accepted":
        return _message(request, THANKS, N_("Inquiry %(reference)s is yours. The partner has been told who will contact "
                                            "them."), reference=reference)
    return _message(request, THANKS, N_("Inquiry %(reference)s has been passed on to the next Wikimedia affiliate."),
                    reference=reference)
