"""`make run`: migrate the database, start every process, print the URLs and where each secret
is kept (never a secret itself: at most its first characters).

Ctrl-C (or SIGTERM) stops them all.
"""
from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.nlp.train import model_path
from integrations.stack.processes import ROOT, Stack, base_env


def _secret(name: str, path: Path) -> str:
    """The environment's value, else one generated once and kept in `path` (mode 0600)."""
    token = os.environ.get(name)
    if token:
        return token
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token


#: The secrets `make run` generates when the environment has none: variable -> file under var/.
GENERATED_SECRETS = {
    "INTAKE_API_TOKEN": "api_token",
    # Signs the JWTs of Rasa's HTTP API (integrations/stack/rasa_server.py).
    "INTAKE_RASA_ADMIN_SECRET": "rasa_admin_secret",
    "INTAKE_LINK_SECRET": "link_secret",
    # Encrypts the console's session cookies; kept, so that a restart does not log everyone out.
    "INTAKE_SESSION_SECRET": "session_secret",
    # Derives conversation ids from partners' session keys; kept, so that conversations go on after a restart.
    "INTAKE_CONVERSATION_SECRET": "conversation_secret",
}


def secrets_env(var_dir: Path) -> dict[str, str]:
    """Every secret of GENERATED_SECRETS: the environment's, else the one kept under `var_dir`."""
    return {name: _secret(name, var_dir / file) for name, file in GENERATED_SECRETS.items()}


def secrets_report(env: dict[str, str], var_dir: Path) -> str:
    """Where each secret comes from, with at most its masked first characters."""
    from bot.settings import masked

    lines = []
    for name, file in GENERATED_SECRETS.items():
        where = "from the environment" if os.environ.get(name) else f"kept in {var_dir / file}"
        lines.append(f"  {name:<27} {masked(env[name]):<6} {where}")
    return "\n".join(lines)


def check_settings(env: dict[str, str]) -> str | None:
    """A clear message for a malformed setting (a port, an origin, a weak or shared secret)
    before anything starts."""
    from bot.settings import Settings, check_secrets

    try:
        check_secrets(Settings.from_env(env))
    except ValueError as error:
        return str(error)
    return None


def check_endpoints(env: dict[str, str]) -> str | None:
    """A clear message when INTAKE_ENDPOINTS_FILE is set but invalid, before anything starts."""
    path = env.get("INTAKE_ENDPOINTS_FILE")
    if not path:
        return None
    from bot.delivery.endpoints import EndpointsError, load_endpoints
    from bot.routing import default_router

    known = [affiliate.id for affiliate in default_router().directory.affiliates]
    try:
        load_endpoints(Path(path), known_affiliates=known)
    except (EndpointsError, OSError) as error:
        return f"INTAKE_ENDPOINTS_FILE: {error}"
    return None


def _echo_deliveries(path: Path, offset: int) -> int:
    """Print the worker's new per-delivery lines (they carry ids and outcomes, never contents)."""
    if not path.exists():
        return offset
    with path.open("rb") as handle:
        handle.seek(offset)
        chunk = handle.read()
    complete = chunk.rfind(b"\n") + 1
    for line in chunk[:complete].decode(errors="replace").splitlines():
        if "intake.delivery" in line:
            print(line, flush=True)
    return offset + complete


def main() -> int:
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    env = base_env(**secrets_env(var))
    problem = check_settings(env) or check_endpoints(env)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    model = model_path()
    if not model.exists():
        print(f"model {model.name} is missing: run `make train`", file=sys.stderr)
        return 1
    from bot.store import upgrade

    upgrade(env["INTAKE_DATABASE_URL"])
    stack = Stack(env=env, model=model, log_dir=var / "logs")
    stopping = False

    def _stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stack.start()
    try:
        stack.wait_ready()
        print(
            "\nWikimedia partner intake is running:\n"
            f"  Demo page     {stack.console_url}/  (the chat widget; embed: <script src=\"{stack.console_url}/widget.js\" async>)\n"
            f"  Rasa REST     {stack.rasa_url}/webhooks/rest/webhook\n"
            f"  Rasa socket.io {stack.rasa_url}/socket.io\n"
            f"  Actions       {stack.actions_url}/webhook\n"
            f"  Console API   {stack.console_url}/api/inquiries  (health: {stack.console_url}/health)\n"
            f"  Console       {stack.console_url}/console/  (accounts: .venv/bin/intake users --help)\n"
            f"  Delivery      {env.get('INTAKE_ENDPOINTS_FILE') or 'no INTAKE_ENDPOINTS_FILE: inquiries stay in the console'}\n"
            f"  Database      {make_url(env['INTAKE_DATABASE_URL']).render_as_string(hide_password=True)}\n"
            f"  Logs          {stack.log_dir}/\n"
            "Secrets (one per purpose; the console API takes `Authorization: Bearer $(cat var/api_token)`):\n"
            f"{secrets_report(env, var)}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        delivery_log = stack.log_dir / "delivery.log"
        offset = delivery_log.stat().st_size if delivery_log.exists() else 0
        while not stopping:
            offset = _echo_deliveries(delivery_log, offset)
            for name, proc in stack.procs.items():
                if proc.poll() is not None:
                    print(f"{name} stopped ({proc.returncode}):\n{stack.log_tail(name)}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        print("stopping…", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
