"""`make run` and `make run-cluster`: migrate the database, start every process under supervisord
(deploy/supervisord.conf; it restarts any that dies), print the URLs and where each secret is kept
(never a secret itself: at most its first characters).

Ctrl-C, SIGTERM or a hung-up terminal (SIGHUP) stops them all; nothing is left on its port.
"""
from __future__ import annotations

import os
import secrets
import signal
import sys
import time
import xmlrpc.client
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from bot.nlp.train import model_path
from integrations.stack.processes import ROOT, answers, base_env, busy_port
from integrations.stack.supervision import Supervisor, action_ports, layout_env, rasa_ports, running_pid


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


def _echo_deliveries(paths: list[Path], offsets: dict[Path, int]) -> None:
    """Print the workers' new per-delivery lines (they carry ids and outcomes, never contents)."""
    for path in paths:
        if not path.exists():
            continue
        with path.open("rb") as handle:
            handle.seek(offsets.get(path, 0))
            chunk = handle.read()
        complete = chunk.rfind(b"\n") + 1
        for line in chunk[:complete].decode(errors="replace").splitlines():
            if "intake.delivery" in line:
                print(line, flush=True)
        offsets[path] = offsets.get(path, 0) + complete


def health_urls(env: dict[str, str]) -> dict[str, str]:
    """Each HTTP process's health address, by its supervisord name."""
    urls = {f"rasa-{port}": f"http://127.0.0.1:{port}/webhooks/rest/" for port in rasa_ports(env)}
    urls.update({f"actions-{port}": f"http://127.0.0.1:{port}/health" for port in action_ports(env)})
    urls["console"] = f"http://127.0.0.1:{env['INTAKE_CONSOLE_PORT']}/health"
    return urls


def wait_ready(supervisor: Supervisor, urls: dict[str, str], timeout: float = 300.0) -> None:
    """Until every process answers (supervisord restarts one that dies meanwhile)."""
    pending = dict(urls)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        if not supervisor.alive():
            raise RuntimeError("supervisord stopped:\n" + supervisor.log_tail("supervisord"))
        for name, url in list(pending.items()):
            if answers(url):
                pending.pop(name)
        time.sleep(0.5)
    if pending:
        raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(pending)}\n"
                           + "\n".join(supervisor.log_tail(name) for name in pending))


def _analytics(env: dict[str, str]) -> str:
    """Where the dashboard's conversation numbers come from, for the start-up summary (no password)."""
    url = env.get("INTAKE_RABBITMQ_URL", "").strip()
    if not url:
        return "the dashboard counts conversations from Rasa's events (no INTAKE_RABBITMQ_URL)"
    parts = urlsplit(url)
    return (f"Rasa's events to RabbitMQ {parts.scheme}://{parts.hostname}:{parts.port or 5672}{parts.path}; "
            "the consumer keeps conversation_stats (log: analytics.log)")


def _watch(supervisor: Supervisor, pids: dict[str, int]) -> dict[str, int]:
    """Report processes that supervisord restarted since the last look; their current pids."""
    try:
        states = supervisor.states()
    except (OSError, xmlrpc.client.Error):
        return pids
    now = {name: info["pid"] for name, info in states.items() if info["pid"]}
    for name, pid in now.items():
        if name in pids and pids[name] != pid:
            print(f"{name} died and was restarted by supervisord (log: {supervisor.log_dir / name}.log)",
                  file=sys.stderr, flush=True)
    return {**pids, **now}


def main(argv: list[str] | None = None) -> int:
    from integrations.stack.cluster import ClusterLayout

    argv = list(sys.argv[1:] if argv is None else argv)
    cluster = "--cluster" in argv
    var = Path(os.environ.get("INTAKE_VAR_DIR") or ROOT / "var")
    var.mkdir(parents=True, exist_ok=True)
    env = base_env(**secrets_env(var))
    problem = check_settings(env) or check_endpoints(env)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    model = model_path()
    if not model.exists():
        print(f"model {model.name} is missing: run `make train`", file=sys.stderr)
        return 1
    earlier = running_pid(var)
    if earlier:
        print(f"the assistant is already running from {var} (supervisord pid {earlier}); stop it first "
              f"(kill {earlier}, or Ctrl-C where it runs)", file=sys.stderr)
        return 1
    layout = ClusterLayout.from_env(env) if cluster else None
    if layout is not None:
        problem = layout.problem(env)
        if problem:
            print(problem, file=sys.stderr)
            return 2
        env = layout.environment(env, var_dir=var, model=model)
    else:
        env = layout_env(env, var_dir=var, model=model)
    ports = rasa_ports(env) + action_ports(env) + [int(env["INTAKE_CONSOLE_PORT"])]
    if layout is not None:
        ports += layout.balancer_ports(env)
    taken = busy_port(ports)
    if taken:
        print(f"port {taken} is already in use: another `make run`, or set INTAKE_RASA_PORT, INTAKE_ACTIONS_PORT "
              "and INTAKE_CONSOLE_PORT to free ports", file=sys.stderr)
        return 1
    from bot.store import upgrade

    upgrade(env["INTAKE_DATABASE_URL"])
    supervisor = Supervisor(env=env, var_dir=var)
    stopping = False

    def _stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True

    # A hung-up terminal stops everything as Ctrl-C does, rather than leaving it on its ports.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    supervisor.start()
    try:
        supervisor.wait_running()
        pids = _watch(supervisor, {})
        urls = health_urls(env)
        if layout is not None:
            urls.update(layout.health_urls(env))
        wait_ready(supervisor, urls)
        public = layout.public_url(env) if layout is not None else f"http://127.0.0.1:{env['INTAKE_CONSOLE_PORT']}"
        rasa = layout.public_url(env) if layout is not None else f"http://127.0.0.1:{env['INTAKE_RASA_PORT']}"
        print(
            f"\nWikimedia partner intake is running{' as a cluster' if layout else ''} under supervisord:\n"
            f"  Demo page     {public}/  (the chat widget; embed: <script src=\"{public}/widget.js\" async>)\n"
            f"  Rasa REST     {rasa}/webhooks/rest/webhook\n"
            f"  Rasa socket.io {rasa}/socket.io\n"
            f"  Rasa servers  {', '.join(str(p) for p in rasa_ports(env))}; action servers "
            f"{', '.join(str(p) for p in action_ports(env))}; delivery workers {env['INTAKE_WORKERS']}\n"
            f"  Console API   {public}/api/inquiries  (health: {public}/health)\n"
            f"  Console       {public}/console/  (accounts: .venv/bin/intake users --help)\n"
            f"  Delivery      {env.get('INTAKE_ENDPOINTS_FILE') or 'no INTAKE_ENDPOINTS_FILE: inquiries stay in the console'}\n"
            f"  Database      {make_url(env['INTAKE_DATABASE_URL']).render_as_string(hide_password=True)}\n"
            f"  Analytics     {_analytics(env)}\n"
            f"  Logs          {supervisor.log_dir}/  (supervisorctl -c deploy/supervisord.conf status, "
            f"with INTAKE_VAR_DIR={var})\n"
            "Secrets (one per purpose; the console API takes `Authorization: Bearer $(cat var/api_token)`):\n"
            f"{secrets_report(env, var)}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        delivery_logs = [supervisor.log_dir / f"delivery-{n}.log" for n in range(int(env["INTAKE_WORKERS"]))]
        offsets = {path: path.stat().st_size for path in delivery_logs if path.exists()}
        while not stopping:
            _echo_deliveries(delivery_logs, offsets)
            pids = _watch(supervisor, pids)
            if not supervisor.alive():
                print("supervisord stopped:\n" + supervisor.log_tail("supervisord"), file=sys.stderr)
                return 1
            time.sleep(0.5)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        print("stopping…", flush=True)
        supervisor.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
