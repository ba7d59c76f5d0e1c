"""`make run` under supervisord (deploy/supervisord.conf): a process that dies is restarted and the
conversation goes on; a hung-up terminal stops everything and frees the ports; a second start
while one runs says so instead of failing on a busy port."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from driver import Conversation

from bot.data import ROOT
from integrations.stack.processes import answers, busy_port, free_port
from integrations.stack.supervision import Supervisor, running_pid


def _start(env: dict[str, str], out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "integrations.stack.run"], cwd=ROOT, env=env,
                            stdout=open(out, "wb"), stderr=subprocess.STDOUT)


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture()
def run_env(tmp_path: Path) -> dict[str, str]:
    import secrets

    from bot.nlp.train import train

    train()
    env = dict(os.environ)
    env.update(
        INTAKE_VAR_DIR=str(tmp_path / "var"), INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'intake.db'}",
        INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()), INTAKE_CONSOLE_PORT=str(free_port()),
        INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
        INTAKE_RATE_CLIENT_PER_MINUTE="0", INTAKE_MAX_INQUIRIES_PER_HOUR="0",
    )
    for name in ("INTAKE_API_TOKEN", "INTAKE_LINK_SECRET", "INTAKE_SESSION_SECRET", "INTAKE_CONVERSATION_SECRET",
                 "INTAKE_ENDPOINTS_FILE", "INTAKE_REDIS_URL", "INTAKE_RABBITMQ_URL"):
        env.pop(name, None)
    return env


def test_a_killed_process_is_restarted_and_a_hang_up_stops_everything(run_env: dict[str, str], tmp_path: Path) -> None:
    var = Path(run_env["INTAKE_VAR_DIR"])
    run = _start(run_env, tmp_path / "run.out")
    ports = [int(run_env[name]) for name in ("INTAKE_RASA_PORT", "INTAKE_ACTIONS_PORT", "INTAKE_CONSOLE_PORT")]
    try:
        _wait_for(lambda: b"Press Ctrl-C" in (tmp_path / "run.out").read_bytes() or run.poll() is not None, 300,
                  "make run to be ready")
        assert run.poll() is None, (tmp_path / "run.out").read_text()
        supervisor = Supervisor(env=run_env, var_dir=var)
        states = supervisor.states()
        # HAProxy runs only in cluster mode, the analytics consumer only with INTAKE_RABBITMQ_URL
        # (tests/e2e/test_analytics_broker.py).
        assert {info["statename"] for info in states.values() if info["name"] not in ("haproxy", "analytics")} == {
            "RUNNING"}
        assert states["analytics"]["statename"] == "STOPPED"
        rasa = f"http://127.0.0.1:{run_env['INTAKE_RASA_PORT']}"
        from integrations.stack.rasa_server import admin_jwt

        chat = Conversation(rasa, admin_jwt(run_env["INTAKE_RASA_ADMIN_SECRET"]), f"sup-{uuid.uuid4().hex[:10]}")
        first = chat.send("Hello, our museum would like to donate photos to Wikimedia Commons").text
        assert first

        # A second `make run` while this one runs: a clear message, nothing started.
        second = subprocess.run([sys.executable, "-m", "integrations.stack.run"], cwd=ROOT, env=run_env,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 1 and "already running" in second.stderr

        for name in (f"actions-{run_env['INTAKE_ACTIONS_PORT']}", "delivery-0"):
            old = states[name]["pid"]
            os.kill(old, signal.SIGKILL)
            _wait_for(lambda: supervisor.states()[name]["statename"] == "RUNNING"  # noqa: B023
                      and supervisor.states()[name]["pid"] != old, 60, f"{name} to be restarted")  # noqa: B023
        _wait_for(lambda: answers(f"http://127.0.0.1:{run_env['INTAKE_ACTIONS_PORT']}/health"), 60, "actions")
        assert "was restarted by supervisord" in (tmp_path / "run.out").read_text()
        # The conversation goes on where it was, with the restarted action server.
        reply = chat.send("Musée des Confluences").text
        assert reply and reply != first
        assert chat.slots().get("organization_name")

        run.send_signal(signal.SIGHUP)  # the terminal hangs up
        run.wait(90)
        assert run.returncode == 0
        assert running_pid(var) is None
        assert busy_port(ports) is None  # nothing left listening: the next `make run` can start
    finally:
        if run.poll() is None:
            run.terminate()
            run.wait(60)
