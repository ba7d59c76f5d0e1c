"""The console's aiohttp application keys, all of them, typed (`web.AppKey`), and the login
throttle's `Policy` that one of them holds.

Who fills each one: `app.create_app` the settings, and on startup the database, the affiliate
directory and the delivery endpoints; `pages.setup` the templates and the login throttle;
`pages.dashboard` its cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.delivery.endpoints import EndpointsConfig
from bot.routing.directory import Directory
from bot.settings import Settings


@dataclass(frozen=True)
class Policy:
    """How many failures within `window` close the door, per e-mail address and per client.

    Here rather than in pages/throttle.py, which applies it: the throttle reaches the database
    through this module's keys, and this module must not import it back.
    """

    per_email: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=15)


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
THROTTLE_POLICY = web.AppKey("console_throttle_policy", Policy)
#: (viewer scope, weeks) -> (monotonic expiry, the dashboard's numbers).
DASHBOARD_CACHE: web.AppKey[dict[tuple[str | None, int], tuple[float, dict[str, Any]]]] = web.AppKey(
    "dashboard_cache"
)
