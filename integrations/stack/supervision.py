"""The processes of `make run` and `make run-cluster` under supervisord (deploy/supervisord.conf).

supervisord restarts a process that dies; this module fills the environment the configuration
reads, starts supervisord so that it cannot outlive us (a hung-up terminal or a killed `make run`
takes it and its children down instead of leaving them on their ports), and asks it, over its
owner-only socket, what state each process is in.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

from bot.data import ROOT
from integrations.stack.processes import log_tail

CONFIG = ROOT / "deploy" / "supervisord.conf"
_PR_SET_PDEATHSIG = 1


def layout_env(env: dict[str, str], *, var_dir: Path, model: Path, rasa_servers: int = 1, action_servers: int = 1,
               workers: int = 1, haproxy_config: Path | None = None) -> dict[str, str]:
    """`env` plus what deploy/supervisord.conf reads (the analytics consumer starts when
    INTAKE_RABBITMQ_URL is set). With one Rasa server and one action server
    they listen on INTAKE_RASA_PORT and INTAKE_ACTIONS_PORT; behind HAProxy (`haproxy_config`)
    those are the balancer's and the servers take the ports from INTAKE_RASA_FIRST_PORT and
    INTAKE_ACTIONS_FIRST_PORT."""
    out = dict(env)
    balanced = haproxy_config is not None
    out.update(
        INTAKE_VAR_DIR=str(var_dir), INTAKE_ROOT=str(ROOT), INTAKE_PYTHON=sys.executable, INTAKE_MODEL=str(model),
        INTAKE_RASA_SERVERS=str(rasa_servers), INTAKE_ACTION_SERVERS=str(action_servers), INTAKE_WORKERS=str(workers),
        INTAKE_HAPROXY=out.get("INTAKE_HAPROXY", "haproxy"),
        INTAKE_HAPROXY_CONFIG=str(haproxy_config or ""), INTAKE_HAPROXY_AUTOSTART="true" if balanced else "false",
        # The analytics consumer runs where Rasa publishes to RabbitMQ (bot/endpoints.yml).
        INTAKE_ANALYTICS_AUTOSTART="true" if out.get("INTAKE_RABBITMQ_URL", "").strip() else "false",
    )
    out.setdefault("INTAKE_RASA_HOST", "127.0.0.1")
    if balanced:
        out.setdefault("INTAKE_RASA_FIRST_PORT", str(int(out["INTAKE_RASA_PORT"]) + 10))
        out.setdefault("INTAKE_ACTIONS_FIRST_PORT", str(int(out["INTAKE_ACTIONS_PORT"]) + 10))
    else:
        out["INTAKE_RASA_FIRST_PORT"] = out["INTAKE_RASA_PORT"]
        out["INTAKE_ACTIONS_FIRST_PORT"] = out["INTAKE_ACTIONS_PORT"]
    return out


def rasa_ports(env: dict[str, str]) -> list[int]:
    first = int(env["INTAKE_RASA_FIRST_PORT"])
    return list(range(first, first + int(env["INTAKE_RASA_SERVERS"])))


def action_ports(env: dict[str, str]) -> list[int]:
    first = int(env["INTAKE_ACTIONS_FIRST_PORT"])
    return list(range(first, first + int(env["INTAKE_ACTION_SERVERS"])))


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies (Linux prctl), so
    that supervisord never outlives `make run`, however `make run` ends."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the signal handlers still stop it
        pass


def running_pid(var_dir: Path) -> int | None:
    """The pid of a supervisord still running from an earlier start in `var_dir`, if any."""
    try:
        pid = int((var_dir / "supervisord.pid").read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid
    return pid if b"supervisord" in command else None


@dataclass
class Supervisor:
    env: dict[str, str]
    var_dir: Path
    process: subprocess.Popen | None = None

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / "supervisord.out", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(CONFIG)], cwd=ROOT, env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )

    def rpc(self) -> xmlrpc.client.ServerProxy:
        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{self.var_dir / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def states(self) -> dict[str, dict]:
        """Each process's supervisord record (statename, pid, start, …), by name such as `rasa-5005`."""
        infos: list[dict] = self.rpc().supervisor.getAllProcessInfo()  # type: ignore[assignment]
        return {info["name"]: info for info in infos}

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM to supervisord: it stops every process (each with its own grace period)."""
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, name: str, lines: int = 40) -> str:
        return log_tail(self.log_dir, name, lines)

    def wait_running(self, timeout: float = 30.0) -> dict[str, dict]:
        """Wait until supervisord answers on its socket; its process records."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise RuntimeError("supervisord exited:\n" + self.log_tail("supervisord"))
            try:
                return self.states()
            except (OSError, xmlrpc.client.Error):
                if time.monotonic() > deadline:
                    raise RuntimeError("supervisord did not answer on its socket") from None
                time.sleep(0.2)
