"""`make run-cluster`: two Rasa servers, two action servers and two delivery workers under
supervisord behind HAProxy, on PostgreSQL and Redis, started with the command users run
(`python -m integrations.stack.run --cluster`) and the configuration files of deploy/."""
from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import WEBHOOK_SECRET
from driver import Conversation, get_json
from scenarios import SCENARIOS

from bot.data import ROOT
from integrations.stack.processes import free_port
from integrations.stack.rasa_server import admin_jwt
from integrations.stack.run import busy_port
from integrations.stack.supervision import Supervisor

pytestmark = pytest.mark.e2e
PG = os.environ.get("INTAKE_TEST_POSTGRES_URL")
REDIS = os.environ.get("INTAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def free_range(count: int) -> int:
    """The first of `count` consecutive free ports."""
    for _ in range(50):
        first = free_port()
        if first + count < 65000 and busy_port(list(range(first, first + count))) is None:
            return first
    raise RuntimeError("no free port range")


class ClusterChat(Conversation):
    """A partner talking through the balancer; the test reads trackers through Rasa's internal API."""

    api_url: str = ""

    def tracker(self) -> dict:
        return get_json(f"{self.api_url}/conversations/{self.conversation_id}/tracker?include_events=NONE", self.token)


def _text(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, peers):
    if shutil.which("haproxy") is None or not PG:
        if os.environ.get("INTAKE_TEST_REQUIRE_CLUSTER"):
            raise AssertionError("the cluster tests need HAProxy (apt-get install haproxy) and INTAKE_TEST_POSTGRES_URL")
        pytest.skip("HAProxy or PostgreSQL missing")
    from bot.nlp.train import train

    train()
    receiver, smtp = peers
    work = tmp_path_factory.mktemp("cluster")
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f"default:\n  webhook: {{url: '{receiver.url}', secret: '{WEBHOOK_SECRET}'}}\n"
                         "  email: ['partnerships@example.org']\n  response_days: 7\n")
    schema = "cluster_" + secrets.token_hex(4)
    admin = sa.create_engine(PG, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(PG).update_query_dict({"options": f"-csearch_path={schema}"})
    env = dict(os.environ)
    for name in ("INTAKE_API_TOKEN", "INTAKE_LINK_SECRET", "INTAKE_SESSION_SECRET", "INTAKE_CONVERSATION_SECRET"):
        env.pop(name, None)
    env.update(
        INTAKE_VAR_DIR=str(work / "var"), INTAKE_DATABASE_URL=url.render_as_string(hide_password=False),
        INTAKE_REDIS_URL=REDIS, INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()),
        INTAKE_CONSOLE_PORT=str(free_port()), INTAKE_CLUSTER_PORT=str(free_port()),
        INTAKE_HAPROXY_STATS_PORT=str(free_port()), INTAKE_RASA_FIRST_PORT=str(free_range(2)),
        INTAKE_ACTIONS_FIRST_PORT=str(free_range(2)), INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
        INTAKE_RATE_CLIENT_PER_MINUTE="0", INTAKE_MAX_INQUIRIES_PER_HOUR="0",
        INTAKE_RATE_CONVERSATION_PER_MINUTE="120", INTAKE_RATE_CONVERSATION_BURST="60",
        INTAKE_ENDPOINTS_FILE=str(endpoints), INTAKE_SMTP_HOST="127.0.0.1", INTAKE_SMTP_PORT=str(smtp.port),
        INTAKE_SMTP_SECURITY="plain", INTAKE_DELIVERY_POLL_SECONDS="0.3",
        INTAKE_WIKIDATA_API_URL="",  # never the real Wikidata from tests (see tests/e2e/conftest.py)
    )
    out = work / "run.out"
    run = subprocess.Popen([sys.executable, "-m", "integrations.stack.run", "--cluster"], cwd=ROOT, env=env,
                           stdout=open(out, "wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 400
        while b"Press Ctrl-C" not in out.read_bytes():
            assert run.poll() is None and time.monotonic() < deadline, out.read_text()
            time.sleep(0.5)
        engine = sa.create_engine(env["INTAKE_DATABASE_URL"], future=True)
        yield {"env": env, "run": run, "out": out, "engine": engine,
               "public": f"http://127.0.0.1:{env['INTAKE_CLUSTER_PORT']}",
               "api": f"http://127.0.0.1:{env['INTAKE_RASA_PORT']}",
               "supervisor": Supervisor(env=env, var_dir=Path(env["INTAKE_VAR_DIR"])),
               "token": admin_jwt(env["INTAKE_RASA_ADMIN_SECRET"])}
        engine.dispose()
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
            run.wait(120)
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def chat(cluster: dict, name: str) -> ClusterChat:
    conversation = ClusterChat(cluster["public"], cluster["token"], f"{name}-{uuid.uuid4().hex}")
    conversation.api_url = cluster["api"]
    return conversation


def served_by(cluster: dict) -> dict[str, int]:
    """Requests each REST server answered, from HAProxy's statistics (CSV)."""
    status, body = _text(f"http://127.0.0.1:{cluster['env']['INTAKE_HAPROXY_STATS_PORT']}/;csv")
    assert status == 200
    rows = csv.DictReader(io.StringIO(body.lstrip("# ")))
    return {row["svname"]: int(row["stot"]) for row in rows if row["pxname"] == "rest" and row["svname"].startswith("rasa")}


def inquiries_of(cluster: dict, conversation_ids: list[str]) -> dict[str, int]:
    with cluster["engine"].connect() as connection:
        rows = connection.execute(sa.text("SELECT conversation_id, count(*) FROM inquiries "
                                          "WHERE conversation_id = ANY(:ids) GROUP BY conversation_id"),
                                  {"ids": conversation_ids}).all()
    return {row[0]: row[1] for row in rows}


def test_the_widget_and_the_console_are_served_through_haproxy_and_rasas_api_is_not(cluster: dict) -> None:
    public = cluster["public"]
    status, page = _text(public + "/")
    assert status == 200 and "widget.js" in page
    assert _text(public + "/widget.js")[0] == 200
    assert _text(public + "/console/login")[0] == 200
    assert _text(public + "/health")[0] == 200
    # Rasa's HTTP API (trackers, events, the model) stays inside: the balancer sends these to the
    # console, which does not have them; Rasa itself would have answered 401.
    for path in ("/conversations/x/tracker", "/status", "/model"):
        assert _text(public + path)[0] == 404
    assert _text(cluster["api"] + "/status")[0] == 401


def test_partners_complete_intakes_across_both_servers_each_exactly_once(cluster: dict) -> None:
    before = served_by(cluster)
    chats = [chat(cluster, f"c{n}") for n in range(len(SCENARIOS))]

    def run(pair: tuple[ClusterChat, dict]) -> str | None:
        conversation, scenario = pair
        return conversation.complete_intake(scenario["opening"], dict(scenario["answers"]))

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(run, zip(chats, SCENARIOS, strict=True)))
    assert all(references), [c.transcript() for c, r in zip(chats, references, strict=True) if not r]
    assert len(set(references)) == len(references)
    assert all(turn.text for c in chats for turn in c.turns)  # never an empty reply
    counts = inquiries_of(cluster, [c.conversation_id for c in chats])
    assert counts == {c.conversation_id: 1 for c in chats}
    after = served_by(cluster)
    assert all(after[name] > before.get(name, 0) for name in after) and len(after) == 2


def test_two_servers_given_one_conversations_messages_at_once_handle_them_in_order(cluster: dict) -> None:
    env = cluster["env"]
    first, second = (f"http://127.0.0.1:{int(env['INTAKE_RASA_FIRST_PORT']) + n}" for n in range(2))
    conversation = chat(cluster, "order")
    conversation.send("Hello, our museum would like to donate photos to Wikimedia Commons")
    replies: dict[str, object] = {}

    def send(url: str, text: str, delay: float) -> None:
        time.sleep(delay)
        direct = ClusterChat(url, cluster["token"], conversation.sender)
        replies[text] = direct.send(text).replies

    threads = [threading.Thread(target=send, args=(first, "Musée des Confluences", 0.0)),
               threading.Thread(target=send, args=(second, "museum", 0.03))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(replies.values())
    events = get_json(f"{cluster['api']}/conversations/{conversation.conversation_id}/tracker", cluster["token"])["events"]
    users = [(i, e["text"]) for i, e in enumerate(events) if e["event"] == "user"]
    assert [text for _, text in users][-2:] == ["Musée des Confluences", "museum"]
    # One turn after the other: the first message's reply comes before the second message.
    (i_first, _), (i_second, _) = users[-2:]
    assert any(e["event"] == "bot" for e in events[i_first:i_second])
    slots = get_json(f"{cluster['api']}/conversations/{conversation.conversation_id}/tracker?include_events=NONE",
                     cluster["token"])["slots"]
    assert slots["organization_name"] == "Musée des Confluences"


def test_a_rasa_server_killed_under_load_costs_no_reply_and_no_inquiry(cluster: dict) -> None:
    supervisor: Supervisor = cluster["supervisor"]
    name = f"rasa-{cluster['env']['INTAKE_RASA_FIRST_PORT']}"
    victim = supervisor.states()[name]["pid"]
    chats = [chat(cluster, f"k{n}") for n in range(len(SCENARIOS))]
    killer = threading.Timer(3.0, os.kill, args=(victim, signal.SIGKILL))
    killer.start()

    def run(pair: tuple[ClusterChat, dict]) -> str | None:
        conversation, scenario = pair
        return conversation.complete_intake(scenario["opening"], dict(scenario["answers"]))

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(run, zip(chats, SCENARIOS, strict=True)))
    killer.join()
    assert all(references), [c.transcript() for c, r in zip(chats, references, strict=True) if not r]
    assert all(turn.text for c in chats for turn in c.turns)
    assert inquiries_of(cluster, [c.conversation_id for c in chats]) == {c.conversation_id: 1 for c in chats}
    deadline = time.monotonic() + 180
    while not (supervisor.states()[name]["statename"] == "RUNNING" and supervisor.states()[name]["pid"] != victim):
        assert time.monotonic() < deadline, "supervisord did not restart the Rasa server"
        time.sleep(1)


def test_a_hang_up_stops_the_whole_cluster(cluster: dict) -> None:
    run: subprocess.Popen = cluster["run"]
    env = cluster["env"]
    run.send_signal(signal.SIGHUP)
    run.wait(120)
    assert run.returncode == 0
    ports = [int(env[n]) for n in ("INTAKE_CLUSTER_PORT", "INTAKE_RASA_PORT", "INTAKE_ACTIONS_PORT", "INTAKE_CONSOLE_PORT")]
    ports += [int(env["INTAKE_RASA_FIRST_PORT"]) + n for n in range(2)]
    assert busy_port(ports) is None
