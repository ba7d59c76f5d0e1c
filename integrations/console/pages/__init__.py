"""The console's server-rendered pages under /console/: login, inquiries, conversations, dashboard.

`setup(app, settings)` is the one call `create_app` makes. Without INTAKE_SESSION_SECRET the
pages answer 503 and the rest of the app (JSON API, widget, response links) works as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_session
from aiohttp import web

from bot.settings import Settings
from bot.staff import passwords
from integrations.console.keys import THROTTLE_POLICY, Policy
from integrations.console.pages import conversations, dashboard, inquiries, inquiry_detail, login
from integrations.console.pages.guard import STATIC, guard
from integrations.console.pages.render import setup_templates
from integrations.console.pages.session import make_storage

#: The style sheet and anything else the pages load (served to anyone: nothing private in it).
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def setup(app: web.Application, settings: Settings, *, policy: Policy | None = None) -> None:
    """Add the console pages, their templates, sessions and guard to `app`."""
    setup_templates(app)
    app[THROTTLE_POLICY] = policy or Policy()
    if settings.session_secret:
        # Before the guard: the session middleware must wrap it to load and save the cookie.
        aiohttp_session.setup(app, make_storage(settings))
    app.middlewares.append(guard)
    app.cleanup_ctx.append(_prepare_passwords)
    login.add_routes(app)
    inquiries.add_routes(app)
    inquiry_detail.add_routes(app)
    conversations.add_routes(app)
    dashboard.add_routes(app)
    app.router.add_static(STATIC.rstrip("/"), STATIC_DIR)


async def _prepare_passwords(app: web.Application) -> AsyncIterator[None]:
    await asyncio.to_thread(passwords.prepare)
    yield
