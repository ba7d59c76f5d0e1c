"""Rendering pages: Jinja templates (autoescaped) and the headers every console page carries.

`render` is for the console's pages (their layout needs the viewer and the CSRF token);
`render_bare` renders a template with its context alone, for pages outside the console's
sessions such as the affiliates' response links.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from yarl import URL

from bot.i18n.wording import Refusal
from bot.staff.accounts import User
from bot.store.console.handoff_inbox import waiting_count
from integrations.console import db, i18n, labels, recorded
from integrations.console.keys import SETTINGS, TEMPLATES
from integrations.console.pages import csrf
from integrations.console.pages.session import current_user

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

#: Console pages load nothing from elsewhere, run no script, and are never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def setup_templates(app: web.Application) -> None:
    """Load the templates of integrations/console/templates, autoescaped."""
    env = aiohttp_jinja2.setup(
        app,
        app_key=TEMPLATES,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        default_helpers=False,
    )
    i18n.install(env)
    env.globals["labels"] = labels  # names of codes, dates and numbers in the page's `locale`
    env.globals["recorded"] = recorded  # routing rules' names and actors in the page's `locale`


def paging(request: web.Request, path: str, *, page: int, total: int, page_size: int) -> dict[str, Any]:
    """The page count and the previous / next links (keeping the other query parameters) of a
    paginated list, for templates/pages.html."""
    pages = max(1, -(-total // page_size))
    here = URL(path).with_query({k: v for k, v in request.query.items() if v and k != "page"})
    return {
        "page": page, "pages": pages, "here": here,
        "prev_url": str(here.update_query(page=page - 1)) if page > 1 else None,
        "next_url": str(here.update_query(page=page + 1)) if page < pages else None,
    }


def secure(headers: MutableMapping[str, str], *, cache: bool = False) -> None:
    """Add the security headers; pages hold personal data, so browsers must not keep them."""
    headers.update(SECURITY_HEADERS)
    if not cache:
        headers["Cache-Control"] = "no-store"


async def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Render `template` with the viewer and the CSRF token that every page's layout needs."""
    sessions_on = bool(request.app[SETTINGS].session_secret)
    user = current_user(request)
    locale_of(request)
    full = {
        "viewer": user,
        "csrf_field": csrf.FIELD,
        "csrf_token": csrf.token(request) if sessions_on else "",
        "section": "",  # the nav entry of the page (inquiries, conversations, handoffs, dashboard)
        "handoffs_waiting": await _waiting(request, user),
        **(context or {}),
    }
    return render_bare(request, template, full, status=status, headers=headers)


def locale_of(request: web.Request) -> str:
    """The language of the page answering `request`: the viewer's setting, else the browser's."""
    user = current_user(request)
    return i18n.request_locale(request, user.language if user else None)


def text_for(request: web.Request, message: str, **values: object) -> str:
    """`message` (English, marked with N_) in the page's language, its %(name)s filled from
    `values`: for texts a handler sends without a template (plain-text 400 and 404 answers)."""
    shown = i18n.translate(locale_of(request), message)
    return shown % values if values else shown


async def _waiting(request: web.Request, user: User | None) -> int | None:
    """The partners waiting for a person, for the nav's "Hand-offs" link; None when unknown."""
    if user is None:
        return None
    try:
        return await db.read(request, waiting_count, scope=user.affiliate_scope)
    except SQLAlchemyError:  # a count in the nav never keeps a page (an error page, too) from showing
        log.warning("the nav could not count the waiting hand-offs")
        return None


def render_bare(
    request: web.Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Render `template` with `context` alone: no viewer, and no session (nor its cookie) started.
    The page's language (`locale`, and `dir` for <html>) is the one chosen for the request."""
    locale = i18n.request_locale(request)
    full = {"locale": locale, "dir": i18n.direction(locale), **context}
    response = aiohttp_jinja2.render_template(template, request, full, app_key=TEMPLATES, status=status)
    response.headers.update(headers or {})
    return response


async def message(
    request: web.Request, title: str, text: str | Refusal, *, status: int, headers: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> web.Response:
    """A page that only says something (errors, refusals). `title` and `text` are the English
    texts (marked with N_), shown in the page's language; `values` fill the text's %(name)s.
    `text` may be a refusal of the core (bot.i18n.wording.Refusal), said in the page's language."""
    locale = locale_of(request)
    if isinstance(text, Refusal):
        shown = labels.refusal(text, locale)
    else:
        shown = i18n.translate(locale, text)
        shown = shown % dict(values) if values else shown
    return await render(request, "message.html", {"title": i18n.translate(locale, title), "text": shown},
                        status=status, headers=headers)
