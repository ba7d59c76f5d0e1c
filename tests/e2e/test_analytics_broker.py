"""`make run` with INTAKE_RABBITMQ_URL (a private vhost of INTAKE_TEST_RABBITMQ_URL, behind a proxy
the test can cut): the real Rasa server publishes through bot/endpoints.yml's event broker, the
analytics consumer runs under supervisord, and the dashboard's conversation numbers from its
table equal those from Rasa's events, through RabbitMQ being down when everything starts and the
consumer being killed."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from rabbitmq import private_vhost, rabbitmq_base, through
from sqlalchemy import func, select
from tcp_proxy import TcpProxy

from bot.data import ROOT
from bot.store import make_engine, make_sessionmaker
from bot.store.console.stats import dashboard
from bot.store.tables import conversation_stats
from integrations.stack.processes import free_port
from integrations.stack.supervision import Supervisor

pytestmark = pytest.mark.e2e


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _say(rasa: str, key: str, text: str) -> list[dict]:
    request = urllib.request.Request(f"{rasa}/webhooks/rest/webhook", data=json.dumps(
        {"sender": key, "message": text}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
    assert replies and all(reply.get("text") or reply.get("buttons") for reply in replies), replies
    return replies


def _converse(rasa: str) -> None:
    key = secrets.token_urlsafe(32)
    _say(rasa, key, "Hello")
    _say(rasa, key, "We are a museum in Lyon and want to donate 2,000 photos under CC BY-SA")


def test_rasa_publishes_to_rabbitmq_and_the_dashboard_counts_the_same(tmp_path: Path) -> None:
    from bot.nlp.train import train

    train()
    with private_vhost(rabbitmq_base()) as vhost:
        target = vhost.split("@")[1].split("/")[0]
        proxy = TcpProxy(target.split(":")[0], int(target.split(":")[1]))
        proxy.start()
        proxy.cut()  # RabbitMQ is down when everything starts
        database = f"sqlite:///{tmp_path / 'intake.db'}"
        env = {name: value for name, value in os.environ.items() if not name.startswith("INTAKE_")}
        env.update(
            INTAKE_VAR_DIR=str(tmp_path / "var"), INTAKE_DATABASE_URL=database,
            INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()), INTAKE_CONSOLE_PORT=str(free_port()),
            INTAKE_RATE_CLIENT_PER_MINUTE="0", INTAKE_MAX_INQUIRIES_PER_HOUR="0",
            INTAKE_RABBITMQ_URL=through(vhost, proxy.port),
        )
        out = tmp_path / "run.out"
        run = subprocess.Popen([sys.executable, "-m", "integrations.stack.run"], cwd=ROOT, env=env,
                               stdout=open(out, "wb"), stderr=subprocess.STDOUT)
        var = Path(env["INTAKE_VAR_DIR"])
        rasa = f"http://127.0.0.1:{env['INTAKE_RASA_PORT']}"
        engine = make_engine(database)
        sessions = make_sessionmaker(engine)

        def rows() -> int:
            with sessions() as session:
                return int(session.scalar(select(func.count(func.distinct(conversation_stats.c.conversation_id)))))

        try:
            _wait_for(lambda: b"Press Ctrl-C" in out.read_bytes() or run.poll() is not None, 300, "make run to be ready")
            assert run.poll() is None, out.read_text()
            assert "Analytics     Rasa's events to RabbitMQ" in out.read_text() and "guest" not in out.read_text()
            supervisor = Supervisor(env={**env, "INTAKE_VAR_DIR": str(var)}, var_dir=var)
            assert supervisor.states()["analytics"]["statename"] == "RUNNING"

            _converse(rasa)  # served while RabbitMQ is down: its events are not published
            proxy.restore()
            rasa_log = var / "logs" / f"rasa-{env['INTAKE_RASA_PORT']}.log"
            _wait_for(lambda: b"RabbitMQ connection to '127.0.0.1' was established" in rasa_log.read_bytes(), 60,
                      "Rasa to connect to RabbitMQ")
            _converse(rasa)
            _converse(rasa)
            # The consumer repairs the first conversation from the events table once RabbitMQ is
            # back (30 s after reconnecting), and counts the others from their messages.
            _wait_for(lambda: rows() == 3, 120, "three conversations in conversation_stats")

            old = supervisor.states()["analytics"]["pid"]
            os.kill(old, signal.SIGKILL)
            _wait_for(lambda: supervisor.states()["analytics"]["statename"] == "RUNNING"
                      and supervisor.states()["analytics"]["pid"] != old, 60, "the consumer to be restarted")
            _converse(rasa)
            _wait_for(lambda: rows() == 4, 60, "the fourth conversation")
            time.sleep(2.0)  # the last turns' events
            with sessions() as session:
                from_events = dashboard(session=session, scope=None)
                from_table = dashboard(session=session, scope=None, tallied=True)
            assert from_table == from_events
            assert sum(from_table["funnel"]["conversations"]) == 4
            assert sum(from_table["funnel"]["intake started"]) == 4
            # The first conversation came through the repair, not through RabbitMQ.
            assert "repaired the conversations active since the RabbitMQ outage" in (
                var / "logs" / "analytics.log").read_text()
        finally:
            run.send_signal(signal.SIGINT)
            try:
                run.wait(60)
            except subprocess.TimeoutExpired:
                run.kill()
            engine.dispose()
            proxy.stop()
