"""`make run-cluster` for the cluster tests and `make bench-cluster`: the command users run
(`python -m integrations.stack.run --cluster`) with deploy/'s configuration files, on a scratch
PostgreSQL schema and the Redis the caller gives, every port free.

`PrivateRedis` is a redis-server of the test's own on a free port, without persistence, that a
test may stop and start again on the same port (a Redis restart) without touching the machine's
Redis or anyone else's data.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.data import ROOT
from integrations.stack.processes import busy_port, free_ports
from integrations.stack.rasa_server import admin_jwt
from integrations.stack.supervision import Supervisor

#: Secrets the launcher must generate itself (into the cluster's var/), as on a first `make run-cluster`.
_GENERATED = ("INTAKE_API_TOKEN", "INTAKE_LINK_SECRET", "INTAKE_SESSION_SECRET", "INTAKE_CONVERSATION_SECRET")


@dataclass
class PrivateRedis:
    """redis-server on a free port with nothing kept on disk: a restart empties it, as a Redis
    that lost its memory does (the lock store's tickets and socket.io's channel go with it)."""

    work: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is missing: apt-get install redis-server")
        self.port = self.port or free_ports(1)
        self.work.mkdir(parents=True, exist_ok=True)
        log = open(self.work / "redis.log", "ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.work)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 10
        while busy_port([self.port]) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start:\n" + (self.work / "redis.log").read_text()[-2000:])
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGKILL: the server goes away at once, with the connections open to it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@contextlib.contextmanager
def private_redis(work: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(work)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@dataclass
class Cluster:
    env: dict[str, str]
    run: subprocess.Popen
    out: Path
    supervisor: Supervisor

    @property
    def public(self) -> str:
        """HAProxy's public address: the widget, the channels and the console."""
        return f"http://127.0.0.1:{self.env['INTAKE_CLUSTER_PORT']}"

    @property
    def api(self) -> str:
        """Rasa's HTTP API through HAProxy (inside the machine only)."""
        return f"http://127.0.0.1:{self.env['INTAKE_RASA_PORT']}"

    @property
    def token(self) -> str:
        return admin_jwt(self.env["INTAKE_RASA_ADMIN_SECRET"], lifetime_seconds=6 * 3600)

    @property
    def rasa_ports(self) -> list[int]:
        first = int(self.env["INTAKE_RASA_FIRST_PORT"])
        return list(range(first, first + int(self.env.get("INTAKE_RASA_SERVERS") or 2)))

    def pid(self, name: str) -> int:
        return int(self.supervisor.states()[name]["pid"])

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 180.0) -> float:
        """Until supervisord runs `name` again under a new pid; how long that took (s)."""
        started = time.monotonic()
        while True:
            info = self.supervisor.states()[name]
            if info["statename"] == "RUNNING" and info["pid"] not in (0, old_pid):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(f"supervisord did not restart {name}: {info['statename']}")
            time.sleep(0.5)

    def exits(self) -> list[str]:
        """supervisord's lines about processes that exited (and were restarted) so far."""
        log = self.supervisor.log_dir / "supervisord.log"
        return [line for line in log.read_text(errors="replace").splitlines() if " exited: " in line]


@contextlib.contextmanager
def running_cluster(work: Path, *, database_url: str, redis_url: str, rasa_servers: int = 2,
                    **settings: str) -> Iterator[Cluster]:
    """`python -m integrations.stack.run --cluster` until it prints that it is ready; stopped
    (SIGTERM, as Ctrl-C) afterwards unless the caller stopped it. `settings` are INTAKE_
    variables on top of the test defaults."""
    env = dict(os.environ)
    for name in _GENERATED:
        env.pop(name, None)
    taken: set[int] = set()
    env.update(
        INTAKE_VAR_DIR=str(work / "var"), INTAKE_DATABASE_URL=database_url, INTAKE_REDIS_URL=redis_url,
        INTAKE_RASA_SERVERS=str(rasa_servers), INTAKE_RASA_FIRST_PORT=str(free_ports(rasa_servers, taken)),
        INTAKE_ACTIONS_FIRST_PORT=str(free_ports(2, taken)),
        **{name: str(free_ports(1, taken)) for name in ("INTAKE_RASA_PORT", "INTAKE_ACTIONS_PORT",
                                                          "INTAKE_CONSOLE_PORT", "INTAKE_CLUSTER_PORT",
                                                          "INTAKE_HAPROXY_STATS_PORT")},
        INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
        # Every partner of a test talks from 127.0.0.1: the per-address limits are off, the
        # per-conversation one loose enough for a scripted intake.
        INTAKE_RATE_CLIENT_PER_MINUTE="0", INTAKE_MAX_INQUIRIES_PER_HOUR="0",
        INTAKE_RATE_CONVERSATION_PER_MINUTE="120", INTAKE_RATE_CONVERSATION_BURST="60",
        # Never the real Wikidata from tests (no internet here); the RabbitMQ analytics path has
        # its own tests (tests/e2e/test_analytics_broker.py), so the cluster's faults leave it out.
        INTAKE_WIKIDATA_API_URL="", INTAKE_COMMONS_API_URL="", INTAKE_RABBITMQ_URL="",
    )
    env.update(settings)
    work.mkdir(parents=True, exist_ok=True)
    out = work / "run.out"
    run = subprocess.Popen([sys.executable, "-m", "integrations.stack.run", "--cluster"], cwd=ROOT, env=env,
                           stdout=open(out, "wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 400
        while b"Press Ctrl-C" not in out.read_bytes():
            if run.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the cluster did not start:\n" + out.read_text(errors="replace")[-4000:])
            time.sleep(0.5)
        yield Cluster(env=env, run=run, out=out, supervisor=Supervisor(env=env, var_dir=Path(env["INTAKE_VAR_DIR"])))
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(120)
            except subprocess.TimeoutExpired:
                run.kill()
                run.wait()
