"""The console's aiohttp application keys, all of them, typed (`web.AppKey`).

Who fills each one: `app.create_app` the settings, and on startup the database, the affiliate
directory and the delivery endpoints; `openapi.add_route` the API's document; `pages.setup` the
templates, the login throttle's policy (bot/staff/login_throttle.py) and the mailer of password
reset links; `pages.dashboard` its cache.
"""

from __future__ import annotations

import asyncio
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.delivery.endpoints import EndpointsConfig
from bot.routing.directory import Directory
from bot.settings import Settings
from bot.staff.login_throttle import Policy
from integrations.console.rasa_api import RasaApi
from integrations.console.streams import Streams
from integrations.delivery.senders import MailSending

__all__ = ["Policy"]  # the throttle's policy, for `pages.setup(policy=...)` callers


SETTINGS = web.AppKey("settings", Settings)
#: The engine of READS, for the health check.
ENGINE = web.AppKey("engine", Engine)
#: Sessions of the DEFERRED engine: they never wait for SQLite writers.
READS = web.AppKey("reads", sessionmaker)
#: Sessions of the engine whose transactions take the write lock up front.
WRITES = web.AppKey("writes", sessionmaker)
#: data/affiliates.csv and data/countries.csv, as `bot.routing` reads them.
DIRECTORY = web.AppKey("directory", Directory)
#: The affiliates' delivery endpoints (INTAKE_ENDPOINTS_FILE); None without the file.
ENDPOINTS: web.AppKey[EndpointsConfig | None] = web.AppKey("endpoints")
#: The console's own Jinja environment (its own key: other parts of the app may use aiohttp-jinja2).
TEMPLATES = web.AppKey("console_templates", jinja2.Environment)
#: The JSON API's OpenAPI document as served (integrations.console.openapi).
OPENAPI = web.AppKey("openapi", bytes)
THROTTLE_POLICY = web.AppKey("console_throttle_policy", Policy)
#: Sends the password reset e-mails (the delivery worker's SMTP sender, or a test's).
MAILER: web.AppKey[MailSending] = web.AppKey("console_mailer")
#: E-mails being sent after their page was answered (kept so that they are not collected).
BACKGROUND: web.AppKey[set[asyncio.Task[None]]] = web.AppKey("console_background")
#: (viewer scope, weeks) -> (monotonic expiry, the dashboard's numbers).
DASHBOARD_CACHE: web.AppKey[dict[tuple[str | None, int], tuple[float, dict[str, Any]]]] = web.AppKey(
    "dashboard_cache"
)
#: The client of Rasa's HTTP API that writes a person's messages into conversations (issue 14).
RASA: web.AppKey[RasaApi] = web.AppKey("rasa_api")
#: The hand-off inbox's live streams open in this process (pages/handoff_events.py).
HANDOFF_STREAMS: web.AppKey[Streams] = web.AppKey("handoff_streams")
