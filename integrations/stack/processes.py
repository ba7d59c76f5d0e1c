"""Start and stop the assistant's processes: Rasa server, action server and console.

Used by `make run` (`python -m integrations.stack.run`) and by the end-to-end tests, so that the tests
exercise exactly the commands a user runs.
"""
from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.data import ROOT


def answers(url: str) -> bool:
    """Whether `url` answers 200 now (a process's health route)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def log_tail(log_dir: Path, name: str, lines: int = 40) -> str:
    """The last `lines` lines of process `name`'s log in `log_dir`."""
    path = log_dir / f"{name}.log"
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _ephemeral_low() -> int:
    """The first port of the kernel's range for the local end of outgoing connections."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def busy_port(ports: list[int], host: str = "127.0.0.1") -> int | None:
    """The first of `ports` something already listens on."""
    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                return port
    return None


def free_ports(count: int = 1, taken: set[int] | None = None) -> int:
    """The first of `count` consecutive free ports on loopback, *below* the kernel's ephemeral
    range; `taken`: ports handed out already but maybe not bound yet (the new ones are added).

    Not bind(0): the kernel hands those out from the range it also takes the local ports of
    outgoing connections from, and a Rasa server binds its port only after loading its model
    (half a minute on two cores) while every process opens connections to PostgreSQL, Redis and
    each other. One of them took a cluster Rasa server's port meanwhile (the neighbour of a
    bind(0) port: Linux gives bind(0) odd ports and connect() even ones); the server exited
    ("address already in use", status 0) and supervisord restarted it, a model load later."""
    low, high = 20000, _ephemeral_low() - count
    taken = set() if taken is None else taken
    for _ in range(500):
        first = random.randint(low, high)
        ports = set(range(first, first + count))
        if not ports & taken and busy_port(sorted(ports)) is None:
            taken |= ports
            return first
    raise RuntimeError(f"no {count} free consecutive ports between {low} and {high + count}")


def free_port() -> int:
    """A free port on loopback (free_ports)."""
    return free_ports(1)


@dataclass
class Stack:
    """The three processes with their environment and log files."""

    env: dict[str, str]
    model: Path
    log_dir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['INTAKE_RASA_PORT']}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.env['INTAKE_CONSOLE_PORT']}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.env['INTAKE_ACTIONS_PORT']}"

    def commands(self) -> dict[str, list[str]]:
        py = sys.executable
        env = self.env
        return {
            "actions": [py, "-m", "rasa_sdk", "--actions", "actions", "--port", env["INTAKE_ACTIONS_PORT"]],
            "console": [py, "-m", "integrations.console"],
            "delivery": [py, "-m", "integrations.delivery"],
            # `rasa run` with the HTTP API behind INTAKE_RASA_ADMIN_SECRET, read from the
            # environment: no secret on this command line (rasa_server.py).
            "rasa": [
                py, "-m", "integrations.stack.rasa_server", "--model", str(self.model),
                "--port", env["INTAKE_RASA_PORT"], "--interface", env.get("INTAKE_RASA_HOST", "127.0.0.1"),
                "--credentials", "bot/credentials.yml", "--endpoints", "bot/endpoints.yml",
                # Without --cors, Rasa's Sanic-CORS would answer every origin (its "" pattern
                # matches all); the socket.io channel checks the same list on connect.
                "--cors", *self.allowed_origins(),
            ],
        }

    @property
    def rasa_admin_token(self) -> str:
        """A JWT that opens Rasa's HTTP API (`Authorization: Bearer …`); empty when the API is off."""
        from integrations.stack.rasa_server import admin_jwt

        secret = self.env.get("INTAKE_RASA_ADMIN_SECRET", "")
        return admin_jwt(secret) if secret else ""

    def allowed_origins(self) -> list[str]:
        """The site origins whose pages may talk to Rasa (INTAKE_ALLOWED_ORIGINS)."""
        from bot.settings import Settings

        return list(Settings.from_env(self.env).allowed_origins)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in self.commands():
            self.start_one(name)

    def start_one(self, name: str) -> None:
        """Start process `name` (again, after it died or was killed), logging to the same file."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            self.commands()[name], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Wait until every process answers; raise with the log tail of the one that did not."""
        checks = {
            "actions": self.actions_url + "/health",
            "console": self.console_url + "/health",
            # The REST channel's health route: it answers once the model is loaded, API or not.
            "rasa": self.rasa_url + "/webhooks/rest/",
        }
        if "delivery" in self.procs:
            checks["delivery"] = ""  # no HTTP port: ready once it has not exited
        deadline = time.monotonic() + timeout
        pending = dict(checks)
        while pending and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                proc = self.procs[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
                if not url:
                    if "started" in self.log_tail(name, 200):
                        pending.pop(name)
                    continue
                if answers(url):
                    pending.pop(name)
            time.sleep(0.5)
        if pending:
            names = ", ".join(pending)
            raise RuntimeError(f"not ready after {timeout:.0f} s: {names}\n" + "\n".join(self.log_tail(n) for n in pending))

    def log_tail(self, name: str, lines: int = 40) -> str:
        return log_tail(self.log_dir, name, lines)

    def stop(self, timeout: float = 15.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def base_env(**overrides: str) -> dict[str, str]:
    """The environment of the processes: the caller's plus defaults for every INTAKE_ setting."""
    from bot.settings import default_database_url

    env = dict(os.environ)
    env.setdefault("INTAKE_DATABASE_URL", default_database_url())
    env.setdefault("INTAKE_RASA_PORT", "5005")
    env.setdefault("INTAKE_ACTIONS_PORT", "5055")
    env.setdefault("INTAKE_CONSOLE_PORT", "8080")
    # bot/endpoints.yml names it; empty: one server, conversation locks in memory.
    env.setdefault("INTAKE_REDIS_URL", "")
    # bot/endpoints.yml names it too; empty: no event broker, the dashboard reads the events.
    env.setdefault("INTAKE_RABBITMQ_URL", "")
    env.update(overrides)
    # The channels derive conversation ids with it; one per stack unless the caller keeps one.
    env.setdefault("INTAKE_CONVERSATION_SECRET", secrets.token_urlsafe(32))
    env.setdefault("INTAKE_PUBLIC_URL", f"http://127.0.0.1:{env['INTAKE_CONSOLE_PORT']}")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["RASA_TELEMETRY_ENABLED"] = "false"  # no network here, and no phoning home
    # rasa-sdk has no --interface option; it reads SANIC_HOST. The action server has no
    # authentication, so it listens on loopback unless told otherwise.
    env["SANIC_HOST"] = env.get("INTAKE_ACTIONS_HOST", "127.0.0.1")
    env.setdefault("SQLALCHEMY_WARN_20", "0")
    return env
