"""`python -m integrations.stack.rasa_server --model … --port …`: `rasa run` with its HTTP API
behind its own admin secret, which is never on a command line, in a URL or in a log.

`rasa run --enable-api --auth-token T` puts T in the process list (`ps`) and in every admin URL
(`?token=T`). Instead, this launcher takes the same arguments as `rasa run`, reads
INTAKE_RASA_ADMIN_SECRET from the environment (through `Settings.from_env`) and starts Rasa with
JWT authentication (HS256) and no token: admin requests carry `Authorization: Bearer <JWT>`
signed with that secret (`admin_jwt`). Without the secret Rasa's HTTP API is off; the channels
(REST, its health route `GET /webhooks/rest/`, socket.io) answer either way.
"""
from __future__ import annotations

import sys
import time

#: What sanic-jwt checks in Rasa's `requires_auth`: the admin role opens every route.
ADMIN_CLAIMS = {"user": {"username": "admin", "role": "admin"}}
JWT_METHOD = "HS256"
#: Options that would put a secret on the command line or turn the API on without one.
REFUSED_OPTIONS = ("--auth-token", "--jwt-secret", "--jwt-private-key", "--enable-api")


def admin_jwt(secret: str, *, lifetime_seconds: int = 3600) -> str:
    """A JWT with the admin role for Rasa's HTTP API, signed with INTAKE_RASA_ADMIN_SECRET."""
    import jwt

    return jwt.encode({**ADMIN_CLAIMS, "exp": int(time.time()) + lifetime_seconds}, secret, algorithm=JWT_METHOD)


def api_options(admin_secret: str) -> dict[str, object]:
    """The `rasa run` options of the HTTP API: on with JWT (HS256) when there is an admin secret,
    off without one; never Rasa's `auth_token` (a `?token=` in URLs)."""
    return {"enable_api": bool(admin_secret), "jwt_secret": admin_secret or None, "jwt_method": JWT_METHOD,
            "auth_token": None}


def refused_option(argv: list[str]) -> str | None:
    """The first option of `argv` this launcher does not take, if any."""
    for argument in argv:
        name = argument.split("=", 1)[0]
        if name in REFUSED_OPTIONS:
            return name
    return None


def main(argv: list[str] | None = None) -> int:
    """Parse `rasa run`'s arguments, add the API settings from the environment, and serve."""
    argv = list(sys.argv[1:] if argv is None else argv)
    refused = refused_option(argv)
    if refused:
        print(f"{refused}: the HTTP API is configured by INTAKE_RASA_ADMIN_SECRET, not by options", file=sys.stderr)
        return 2
    from bot.settings import Settings, check_secrets

    try:
        settings = Settings.from_env()
        check_secrets(settings)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if "--cors" not in argv:
        # Without --cors, Rasa's Sanic-CORS would answer every origin (its "" pattern matches
        # all); the socket.io channel checks the same list on connect.
        argv += ["--cors", *settings.allowed_origins]
    import rasa.cli.run
    from rasa.__main__ import create_argument_parser

    args = create_argument_parser().parse_args(["run", *argv])
    for option, value in api_options(settings.rasa_admin_secret).items():
        setattr(args, option, value)
    _prepare_like_rasa_main(args)
    if settings.log_format == "json":
        json_logs()
    from integrations.stack import action_calls, action_validation
    from integrations.tracker import guard

    action_validation.install()  # Rasa's per-call schema check, with the schema checked once
    action_calls.install()  # an action call retried once on a closing connection; a failure fails the turn
    guard.install()  # store errors reach the channels; a failed turn is not saved
    from integrations.stack import event_types, graph_runner

    event_types.install()  # Rasa's event class lookup from a table (speed, issue 15)
    graph_runner.install()  # the model graph run in a kept order, without dask (speed, issue 15)
    rasa.cli.run.run(args)
    return 0


def json_logs() -> None:
    """INTAKE_LOG_FORMAT=json in the Rasa server: the root logger's handlers, which Rasa has set up
    by now (coloredlogs), and Sanic's, which the Sanic app sets up later from its default logging
    configuration, write JSON lines (integrations/observability/logs.py)."""
    import logging

    from sanic.log import LOGGING_CONFIG_DEFAULTS

    from integrations.observability import logs

    logs.use_json(logging.getLogger())
    for formatter in LOGGING_CONFIG_DEFAULTS["formatters"].values():
        formatter.clear()
        formatter["()"] = logs.JsonFormatter


def _prepare_like_rasa_main(args: object) -> None:
    """What `python -m rasa` does before running a command (rasa/__main__.py), telemetry aside."""
    import os

    import rasa.utils.io
    import rasa.utils.tensorflow.environment as tf_env
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    log_level = getattr(args, "loglevel", None)
    configure_logging_and_warnings(
        log_level, getattr(args, "logging_config_file", None), warn_only_once=True, filter_repeated_logs=True
    )
    tf_env.setup_tf_environment()
    tf_env.check_deterministic_ops()
    sys.path.insert(1, os.getcwd())
    rasa.utils.io.configure_colored_logging(log_level)
    configure_structlog(log_level)


if __name__ == "__main__":
    sys.exit(main())
