"""`python -m integrations.console`: migrate the database, then serve the console.

Port: INTAKE_CONSOLE_PORT (8080); host: INTAKE_CONSOLE_HOST (127.0.0.1); both read by
`Settings.from_env()`.
"""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot.settings import Settings, check_secrets
from bot.store import upgrade
from integrations.console import edge
from integrations.console.app import create_app
from integrations.observability import logs

log = logging.getLogger("integrations.console")


def main() -> None:
    """Run the console until interrupted."""
    try:
        settings = Settings.from_env()
    except ValueError as error:
        sys.exit(f"console: {error}")
    logs.configure(settings.log_format)
    try:
        check_secrets(settings)
    except ValueError as error:  # one line naming the variable, never its value
        sys.exit(f"console: {error}")
    upgrade(settings.database_url)
    if not settings.api_token:
        log.warning("INTAKE_API_TOKEN is not set: the JSON API answers 503 until it is")
    if not settings.session_secret:
        log.warning("INTAKE_SESSION_SECRET is not set: the console pages answer 503 until it is")
    # aiohttp's "Running on …" banner is a print, not a log line: left out of a JSON log.
    web.run_app(create_app(settings), host=settings.console_host, port=settings.console_port,
                access_log_class=edge.AccessLogger, print=None if settings.log_format == "json" else print)


if __name__ == "__main__":
    main()
