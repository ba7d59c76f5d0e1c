"""`make run-cluster`: several Rasa servers, action servers and delivery workers on one machine,
behind HAProxy, on PostgreSQL and Redis (and RabbitMQ with the analytics consumer when
INTAKE_RABBITMQ_URL is set, as `make run-cluster` does by default): the parts and configuration
files of a production deployment (deploy/), run here for development and tests.

`python -m integrations.stack.cluster config` prints the HAProxy configuration for the current
environment (what a production machine installs as /etc/haproxy/haproxy.cfg); its runtime API
socket goes under INTAKE_VAR_DIR, as with `make run-cluster` (deploy/systemd: /run/haproxy).

Ports (all but the public one on loopback only):
  INTAKE_CLUSTER_PORT (8000)        public: widget, channels, console (HAProxy)
  INTAKE_RASA_PORT (5005)           Rasa's HTTP API for the console and workers (HAProxy)
  INTAKE_ACTIONS_PORT (5055)        the action servers for Rasa (HAProxy)
  INTAKE_RASA_FIRST_PORT (+10)      Rasa servers, INTAKE_RASA_SERVERS of them (2)
  INTAKE_ACTIONS_FIRST_PORT (+10)   action servers, INTAKE_ACTION_SERVERS of them (2)
  INTAKE_CONSOLE_PORT (8080)        the console
  INTAKE_HAPROXY_STATS_PORT (8404)  HAProxy's statistics page
"""
from __future__ import annotations

import shutil
import string
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.data import ROOT
from integrations.stack.supervision import action_ports, layout_env, rasa_ports

TEMPLATE = ROOT / "deploy" / "haproxy.cfg.in"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _count(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= 16:
        raise ValueError(f"{name} must be a whole number from 1 to 16, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class ClusterLayout:
    rasa_servers: int
    action_servers: int
    workers: int
    public_port: int
    public_host: str
    stats_port: int

    @classmethod
    def from_env(cls, env: dict[str, str]) -> ClusterLayout:
        return cls(
            rasa_servers=_count(env, "INTAKE_RASA_SERVERS", 2), action_servers=_count(env, "INTAKE_ACTION_SERVERS", 2),
            workers=_count(env, "INTAKE_WORKERS", 2), public_port=int(env.get("INTAKE_CLUSTER_PORT") or 8000),
            public_host=env.get("INTAKE_CLUSTER_HOST") or "127.0.0.1",
            stats_port=int(env.get("INTAKE_HAPROXY_STATS_PORT") or 8404),
        )

    def problem(self, env: dict[str, str]) -> str | None:
        """Why the cluster cannot start here, in words an operator can act on."""
        if not env.get("INTAKE_DATABASE_URL", "").startswith("postgresql"):
            return ("make run-cluster needs PostgreSQL: set INTAKE_DATABASE_URL=postgresql://… "
                    "(several servers cannot share SQLite)")
        if shutil.which(env.get("INTAKE_HAPROXY") or "haproxy") is None:
            return "make run-cluster needs HAProxy: apt-get install haproxy (Debian's package)"
        return None

    def public_url(self, env: dict[str, str]) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    def balancer_ports(self, env: dict[str, str]) -> list[int]:
        return [self.public_port, int(env["INTAKE_RASA_PORT"]), int(env["INTAKE_ACTIONS_PORT"]), self.stats_port]

    def health_urls(self, env: dict[str, str]) -> dict[str, str]:
        return {"haproxy": f"{self.public_url(env)}/webhooks/rest/"}

    def environment(self, env: dict[str, str], *, var_dir: Path, model: Path) -> dict[str, str]:
        """The processes' environment: shared engines, the balancer's public address, its config."""
        out = dict(env)
        out["INTAKE_REDIS_URL"] = out.get("INTAKE_REDIS_URL") or DEFAULT_REDIS_URL
        public = self.public_url(out)
        out.setdefault("INTAKE_PUBLIC_URL", public)
        out.setdefault("INTAKE_RASA_PUBLIC_URL", public)
        # The servers see HAProxy's address; its X-Forwarded-For names the partner (rate limits).
        out.setdefault("INTAKE_TRUSTED_PROXIES", "127.0.0.1")
        config = var_dir / "cluster" / "haproxy.cfg"
        out = layout_env(out, var_dir=var_dir, model=model, rasa_servers=self.rasa_servers,
                         action_servers=self.action_servers, workers=self.workers, haproxy_config=config)
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(self.haproxy_config(out, var_dir=var_dir))
        return out

    def haproxy_config(self, env: dict[str, str], *, var_dir: Path) -> str:
        def servers(prefix: str, ports: list[int], extra: str = "") -> str:
            return "\n".join(f"    server {prefix}-{port} 127.0.0.1:{port} check inter 2s fall 2 rise 1{extra}"
                             for port in ports)

        return string.Template(TEMPLATE.read_text()).substitute(
            var_dir=var_dir, public_host=self.public_host, public_port=self.public_port,
            rasa_api_port=env["INTAKE_RASA_PORT"], actions_port=env["INTAKE_ACTIONS_PORT"], stats_port=self.stats_port,
            socketio_servers=servers("rasa", rasa_ports(env)), rest_servers=servers("rasa", rasa_ports(env)),
            action_servers=servers("actions", action_ports(env)),
            console_servers=servers("console", [int(env["INTAKE_CONSOLE_PORT"])]),
        )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] != ["config"]:
        print("usage: python -m integrations.stack.cluster config   (prints the HAProxy configuration)", file=sys.stderr)
        return 2
    from bot.nlp.train import model_path
    from integrations.stack.processes import base_env

    env = base_env()
    env.setdefault("INTAKE_DATABASE_URL", "postgresql://")
    var = Path(env.get("INTAKE_VAR_DIR") or ROOT / "var")
    layout = ClusterLayout.from_env(env)
    print(layout.haproxy_config(layout_env(env, var_dir=var, model=model_path(), rasa_servers=layout.rasa_servers,
                                           action_servers=layout.action_servers, workers=layout.workers,
                                           haproxy_config=var / "cluster" / "haproxy.cfg"), var_dir=var))
    print(f"# database: {make_url(env['INTAKE_DATABASE_URL']).render_as_string(hide_password=True)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
