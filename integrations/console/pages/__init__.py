"""The console's server-rendered pages under /console/: login, account, password reset,
inquiries, conversations, the hand-off inbox, dashboard.

`setup(app, settings)` is the one call `create_app` makes. Without INTAKE_SESSION_SECRET the
pages answer 503 and the rest of the app (JSON API, widget, response links) works as before.
Sessions are kept in the database (pages/session.py); the guard middleware loads them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.settings import Settings
from bot.staff import passwords
from integrations.console.keys import BACKGROUND, MAILER, SETTINGS, THROTTLE_POLICY, Policy
from integrations.console.pages import (
    account,
    conversations,
    dashboard,
    handoffs,
    home,
    inquiries,
    inquiry_detail,
    login,
    organisations,
    reset,
)
from integrations.console.pages.guard import STATIC, guard
from integrations.console.pages.render import setup_templates
from integrations.delivery.senders import MailSending, SmtpSender

#: The style sheet and anything else the pages load (served to anyone: nothing private in it).
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def setup(
    app: web.Application, settings: Settings, *, policy: Policy | None = None, mailer: MailSending | None = None
) -> None:
    """Add the console pages, their templates and guard to `app`; reset links go by `mailer`
    (by default the SMTP server of Settings.smtp, as the delivery worker's e-mails)."""
    setup_templates(app)
    app[THROTTLE_POLICY] = policy or Policy()
    app[MAILER] = mailer or SmtpSender(settings=settings.smtp)
    app.middlewares.append(guard)
    app.cleanup_ctx.append(_prepare_passwords)
    app.cleanup_ctx.append(_background_mail)
    login.add_routes(app)
    home.add_routes(app)
    account.add_routes(app)
    reset.add_routes(app)
    inquiries.add_routes(app)
    inquiry_detail.add_routes(app)
    conversations.add_routes(app)
    handoffs.add_routes(app)
    dashboard.add_routes(app)
    organisations.add_routes(app)
    app.router.add_static(STATIC.rstrip("/"), STATIC_DIR)


async def _prepare_passwords(app: web.Application) -> AsyncIterator[None]:
    await asyncio.to_thread(passwords.prepare)
    yield


async def _background_mail(app: web.Application) -> AsyncIterator[None]:
    """E-mails still being sent at shutdown get as long as SMTP's own timeout to finish."""
    app[BACKGROUND] = set()
    yield
    tasks: set[asyncio.Task[None]] = app[BACKGROUND]
    pending = list(tasks)
    if pending:
        await asyncio.wait(pending, timeout=app[SETTINGS].smtp.timeout)
    await app[MAILER].close()
