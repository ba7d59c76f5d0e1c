"""`make run-cluster` under load and faults (issue 15): two Rasa servers, two action servers and
two delivery workers under supervisord behind HAProxy, started with the command users run
(`python -m integrations.stack.run --cluster`) and the configuration files of deploy/.

One cluster serves the whole module (starting one takes half a minute on two cores), on a Redis
of its own (tests/support/cluster_stack.py `PrivateRedis`, so that a test can restart it) and a
scratch PostgreSQL schema reached through a TCP proxy (tests/support/tcp_proxy.py, so that a test
can cut the database off for this cluster alone). Its deliveries go to the session's local
webhook receiver and SMTP server (`peers`).

Each fault test lets the partners of SCENARIOS do whole intakes at once over HAProxy's public
port, strikes while they talk, and checks what a partner and an affiliate would see: every
completed intake is exactly one inquiry, no reply is empty, a partner sees at most one polite
"please send that again" (and then sends the message again, as asked), conversations continue
where they were, and supervisord restarts what died. The hang-up test stops the cluster: last.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message

import pytest
import sqlalchemy as sa
from cluster_stack import Cluster, private_redis, running_cluster
from conftest import WEBHOOK_SECRET
from driver import Conversation, Turn, get_json, session_key
from scenarios import SCENARIOS
from tcp_proxy import postgres_behind_proxy

from bot.delivery.messages import message_id_for
from bot.i18n.catalog import supported_languages
from integrations.channels.replies import error_text, unavailable_text
from integrations.stack.processes import busy_port

pytestmark = pytest.mark.e2e
PG = os.environ.get("INTAKE_TEST_POSTGRES_URL")
MAIL_FROM = "Wikimedia partnerships <partnerships-intake@example.org>"
POLITE = {unavailable_text(language) for language in supported_languages()}
APOLOGIES = {error_text(language) for language in supported_languages()}
#: Partners talking at once (threads), as many as the Rasa servers' event loops usefully take.
CONCURRENCY = 8
MODULE_STARTED = time.monotonic()


@dataclass
class World:
    """The running cluster and the handles the fault tests pull."""

    cluster: Cluster
    redis: object
    proxy: object
    engine: sa.engine.Engine
    receiver: object
    smtp: object


@pytest.fixture(scope="module")
def world(tmp_path_factory, peers) -> Iterator[World]:
    if shutil.which("haproxy") is None or shutil.which("redis-server") is None or not PG:
        if os.environ.get("INTAKE_TEST_REQUIRE_CLUSTER"):
            raise AssertionError("the cluster tests need HAProxy and redis-server (apt-get install haproxy "
                                 "redis-server) and INTAKE_TEST_POSTGRES_URL")
        pytest.skip("HAProxy, redis-server or PostgreSQL missing")
    from bot.nlp.train import train

    train()
    receiver, smtp = peers
    work = tmp_path_factory.mktemp("cluster")
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f"default:\n  webhook: {{url: '{receiver.url}', secret: '{WEBHOOK_SECRET}'}}\n"
                         "  email: ['partnerships@example.org']\n  response_days: 7\n")
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(private_redis(work / "redis"))
        proxy, proxied, direct = stack.enter_context(postgres_behind_proxy(PG, "cluster"))
        started = time.monotonic()
        cluster = stack.enter_context(running_cluster(
            work, database_url=proxied, redis_url=redis.url,
            INTAKE_ENDPOINTS_FILE=str(endpoints), INTAKE_SMTP_HOST="127.0.0.1", INTAKE_SMTP_PORT=str(smtp.port),
            INTAKE_SMTP_SECURITY="plain", INTAKE_MAIL_FROM=MAIL_FROM, INTAKE_DELIVERY_POLL_SECONDS="0.3",
            # A killed worker's leased rows go to the other worker this long after the lease was
            # taken (120 s in production: a test waits for it).
            INTAKE_DELIVERY_LEASE_SECONDS="20",
        ))
        print(f"\ncluster ready in {time.monotonic() - started:.1f} s (logs: {cluster.supervisor.log_dir})")
        # Nothing died while starting (a server that could not bind its port exits and is
        # restarted a model load later: integrations/stack/processes.py free_ports says how that happened).
        assert cluster.exits() == []
        engine = sa.create_engine(direct, future=True)
        stack.callback(engine.dispose)
        yield World(cluster, redis, proxy, engine, receiver, smtp)
    print(f"\ntests/e2e/test_cluster.py took {time.monotonic() - MODULE_STARTED:.0f} s")


def _text(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _post(url: str, body: dict) -> tuple[int, object, Message]:
    """(status, JSON body, headers: looked up case-insensitively) of a POST, error statuses included."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw or b"null")
        except ValueError:
            parsed = raw.decode(errors="replace")
        return error.code, parsed, error.headers


@dataclass
class Partner(Conversation):
    """A partner talking through the balancer as a person would: told "please send that again"
    (HTTP 200 as a bot message, or 503 with Retry-After), they wait and send the same message
    again. The test reads trackers through Rasa's internal API, retrying while it is unreachable
    (that is the harness, not the partner)."""

    #: Monotonic times at which the partner was asked to send a message again.
    polite: list[float] = field(default_factory=list)
    #: Every answer that was neither the dialogue's nor the polite request (must stay empty).
    odd: list[str] = field(default_factory=list)
    #: (sent, answered) monotonic times of each message the dialogue answered.
    answered: list[tuple[float, float]] = field(default_factory=list)

    def send(self, message: str) -> Turn:
        body = {"sender": self.sender, "message": message, "metadata": self.metadata}
        for _ in range(30):
            started, sent = time.perf_counter(), time.monotonic()
            status, reply, headers = _post(f"{self.rasa_url}/webhooks/rest/webhook", body)
            if status == 503 and isinstance(reply, dict):
                texts = [reply.get("text") or ""]
                self.conversation_id = reply.get("recipient_id") or self.conversation_id
            elif status == 200 and isinstance(reply, list):
                texts = [r.get("text") or "" for r in reply]
            else:
                self.odd.append(f"HTTP {status}: {str(reply)[:200]}")
                time.sleep(1)
                continue
            if any(text in POLITE for text in texts):
                if len(texts) != 1:  # the polite request and nothing of the failed turn
                    self.odd.append(f"polite request among other replies: {texts}")
                self.polite.append(time.monotonic())
                time.sleep(float(headers.get("Retry-After") or 1))
                continue
            if not any(texts) or any(text in APOLOGIES for text in texts):
                self.odd.append(f"HTTP {status}: empty reply or apology {texts}")
            turn = Turn(message, reply, time.perf_counter() - started)
            self.turns.append(turn)
            self.answered.append((sent, time.monotonic()))
            self.conversation_id = next((r["recipient_id"] for r in reply if r.get("recipient_id")),
                                        self.conversation_id)
            return turn
        raise AssertionError(f"no answer to {message!r} after 30 tries: {self.odd[-3:]}")

    def tracker(self) -> dict:
        deadline = time.monotonic() + 90
        while True:
            try:
                return super().tracker()
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)


def partner(world: World, name: str) -> Partner:
    return Partner(world.cluster.public, world.cluster.token, session_key(name), api_url=world.cluster.api)


@dataclass
class Load:
    partners: list[Partner]
    references: list[str | None]
    seconds: float


def under_load(world: World, name: str, strike: Callable[[], None] | None = None, *, after: float = 3.0) -> Load:
    """Every scenario as a whole intake, CONCURRENCY at a time; `strike` runs `after` seconds in."""
    partners = [partner(world, f"{name}{n}") for n in range(len(SCENARIOS))]
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            assert strike is not None
            strike()
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    striker = threading.Timer(after, guarded) if strike else None

    def run(pair: tuple[Partner, dict]) -> str | None:
        chat, scenario = pair
        return chat.complete_intake(scenario["opening"], dict(scenario["answers"]))

    started = time.monotonic()
    if striker:
        striker.start()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        references = list(pool.map(run, zip(partners, SCENARIOS, strict=True)))
    if striker:
        striker.join()
    assert not errors, errors
    load = Load(partners, references, time.monotonic() - started)
    polite = sum(len(p.polite) for p in partners)
    print(f"\n{name}: {len(partners)} intakes, {sum(len(p.turns) for p in partners)} answered messages in "
          f"{load.seconds:.1f} s; {polite} polite requests to send again")
    return load


def assert_whole(world: World, load: Load, *, polite_at_most: int = 1) -> None:
    """Every intake completed exactly once, every reply the dialogue's, the polite request at
    most `polite_at_most` times per partner."""
    partners = load.partners
    assert all(load.references), [p.transcript() for p, r in zip(partners, load.references, strict=True) if not r]
    assert len(set(load.references)) == len(load.references)
    assert [p.odd for p in partners if p.odd] == []
    assert all(turn.text for p in partners for turn in p.turns)  # never an empty reply
    assert max(len(p.polite) for p in partners) <= polite_at_most, [len(p.polite) for p in partners]
    assert inquiries_of(world, [p.conversation_id for p in partners]) == {p.conversation_id: 1 for p in partners}


def served_by(world: World, backend: str = "rest") -> dict[str, int]:
    """Requests each server of `backend` answered, from HAProxy's statistics (CSV)."""
    status, body = _text(f"http://127.0.0.1:{world.cluster.env['INTAKE_HAPROXY_STATS_PORT']}/;csv")
    assert status == 200
    rows = csv.DictReader(io.StringIO(body.lstrip("# ")))
    return {row["svname"]: int(row["stot"]) for row in rows
            if row["pxname"] == backend and row["svname"] not in ("FRONTEND", "BACKEND")}


def inquiries_of(world: World, conversation_ids: list[str]) -> dict[str, int]:
    with world.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT conversation_id, count(*) FROM inquiries "
                                          "WHERE conversation_id = ANY(:ids) GROUP BY conversation_id"),
                                  {"ids": conversation_ids}).all()
    return {row[0]: row[1] for row in rows}


def kill(world: World, name: str) -> Callable[[], int]:
    """A strike: SIGKILL to supervisord's process `name`; returns the pid it killed."""
    killed: list[int] = []

    def strike() -> int:
        pid = world.cluster.pid(name)
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
        return pid

    strike.killed = killed  # type: ignore[attr-defined]
    return strike


def test_the_widget_and_the_console_are_served_through_haproxy_and_rasas_api_is_not(world: World) -> None:
    public = world.cluster.public
    status, page = _text(public + "/")
    assert status == 200 and "widget.js" in page
    assert _text(public + "/widget.js")[0] == 200
    assert _text(public + "/console/login")[0] == 200
    assert _text(public + "/health")[0] == 200
    # Rasa's HTTP API (trackers, events, the model) stays inside: the balancer sends these to the
    # console, which does not have them; Rasa itself would have answered 401.
    for path in ("/conversations/x/tracker", "/status", "/model"):
        assert _text(public + path)[0] == 404
    assert _text(world.cluster.api + "/status")[0] == 401


def test_partners_complete_intakes_across_both_servers_each_exactly_once(world: World) -> None:
    before = served_by(world)
    load = under_load(world, "c")
    assert_whole(world, load, polite_at_most=0)
    after = served_by(world)
    assert len(after) == 2 and all(after[name] > before.get(name, 0) for name in after)


def test_two_servers_given_one_conversations_messages_at_once_handle_them_in_order(world: World) -> None:
    first, second = (f"http://127.0.0.1:{port}" for port in world.cluster.rasa_ports[:2])
    conversation = partner(world, "order")
    conversation.send("Hello, our museum would like to donate photos to Wikimedia Commons")
    replies: dict[str, object] = {}

    def send(url: str, text: str, delay: float) -> None:
        time.sleep(delay)
        direct = Conversation(url, world.cluster.token, conversation.sender)
        replies[text] = direct.send(text).replies

    threads = [threading.Thread(target=send, args=(first, "Musée des Confluences", 0.0)),
               threading.Thread(target=send, args=(second, "museum", 0.03))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(replies.values())
    events = get_json(f"{world.cluster.api}/conversations/{conversation.conversation_id}/tracker",
                      world.cluster.token)["events"]
    users = [(i, e["text"]) for i, e in enumerate(events) if e["event"] == "user"]
    assert [text for _, text in users][-2:] == ["Musée des Confluences", "museum"]
    # One turn after the other: the first message's reply comes before the second message.
    (i_first, _), (i_second, _) = users[-2:]
    assert any(e["event"] == "bot" for e in events[i_first:i_second])
    assert conversation.slots()["organization_name"] == "Musée des Confluences"


def test_an_action_server_killed_under_load_costs_at_most_one_polite_retry(world: World) -> None:
    name = f"actions-{world.cluster.env['INTAKE_ACTIONS_FIRST_PORT']}"
    strike = kill(world, name)
    load = under_load(world, "a", strike)
    assert_whole(world, load)
    world.cluster.wait_restarted(name, strike.killed[0])  # type: ignore[attr-defined]


def _deliveries(world: World, references: list[str]) -> list[dict]:
    with world.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.text(
            "SELECT d.id, d.channel, d.status, d.attempts, i.reference FROM deliveries d "
            "JOIN inquiries i ON i.id = d.inquiry_id WHERE i.reference = ANY(:refs)"),
            {"refs": references})]


def test_a_delivery_worker_killed_while_deliveries_flow_loses_and_repeats_nothing(world: World) -> None:
    receiver, smtp = world.receiver, world.smtp
    hooks_before, mails_before = len(receiver.requests), len(smtp.inbox.messages)
    name = "delivery-0"
    # A slow receiver keeps webhooks in flight when the worker dies (it may then have sent one
    # without recording it: sent again, with the same idempotency key).
    receiver.delay = 0.4
    strike = kill(world, name)

    def when_flowing() -> None:
        deadline = time.monotonic() + 60
        while len(receiver.requests) < hooks_before + 2:
            assert time.monotonic() < deadline, "no delivery flowed"
            time.sleep(0.1)
        strike()

    try:
        load = under_load(world, "d", when_flowing, after=0.0)
        assert_whole(world, load, polite_at_most=0)
        references = [r for r in load.references if r]
        deadline = time.monotonic() + 150
        while any(d["status"] != "delivered" for d in _deliveries(world, references)):
            assert time.monotonic() < deadline, Counter(d["status"] for d in _deliveries(world, references))
            time.sleep(1)
    finally:
        receiver.delay = 0.0
    deliveries = _deliveries(world, references)
    keys = {d["id"] for d in deliveries if d["channel"] == "webhook"}
    assert keys and any(d["channel"] != "webhook" for d in deliveries)
    # Every webhook arrived; a repeat only under the same idempotency key.
    hooks = [r for r in receiver.requests[hooks_before:] if r.headers.get("Idempotency-Key") in keys]
    assert {h.headers["Idempotency-Key"] for h in hooks} == keys
    by_reference: dict[str, set[str]] = {}
    for hook in hooks:
        by_reference.setdefault(json.loads(hook.body)["inquiry"]["reference"], set()).add(hook.headers["Idempotency-Key"])
    assert all(len(k) == 1 for k in by_reference.values()), by_reference
    # Every e-mail arrived once, under its delivery's Message-ID.
    mails = smtp.inbox.messages[mails_before:]
    wanted = {message_id_for(d["id"], MAIL_FROM) for d in deliveries if d["channel"] != "webhook"}
    ours = Counter(m["Message-ID"] for m in mails if m["Message-ID"] in wanted)
    assert set(ours) == wanted and max(ours.values()) == 1, ours
    print(f"webhooks {len(hooks)} for {len(references)} inquiries ({len(hooks) - len(references)} repeated with "
          f"the same key), e-mails {sum(ours.values())}")
    world.cluster.wait_restarted(name, strike.killed[0])  # type: ignore[attr-defined]


def test_a_redis_restart_under_load_costs_at_most_one_polite_retry(world: World) -> None:
    """Redis (the lock store's tickets, socket.io's channel) killed and started again empty, 2 s
    later. A message whose server cannot take the conversation's lock is not handled at all
    (LockError, before the conversation is read): 503 with the polite text, sent again by the
    partner. A turn in flight finishes; its lock's release fails and the ticket is forgotten
    with the rest of Redis's memory."""
    redis = world.redis

    def restart() -> None:
        redis.stop()
        time.sleep(2)
        redis.start()

    load = under_load(world, "r", restart)
    assert_whole(world, load)
    polite = sum(len(p.polite) for p in load.partners)
    print(f"Redis restart: {polite} polite requests among {len(load.partners)} partners")


def test_a_postgresql_outage_under_load_answers_503_politely_and_everything_resumes(world: World) -> None:
    """PostgreSQL unreachable for this cluster for 30 s (its every connection goes through a TCP
    proxy the test cuts), while partners talk: every message then is answered 503 with the polite
    text (never from a blank conversation), the console answers 503, and all of it resumes after."""
    proxy = world.proxy
    public = world.cluster.public
    window: dict[str, float] = {}
    console: list[int] = []

    def outage() -> None:
        proxy.cut()
        window["cut"] = time.monotonic()
        try:
            time.sleep(5)
            console.append(_text(public + "/health")[0])
            console.append(_text(public + "/api/inquiries")[0])
            time.sleep(25)
        finally:
            proxy.restore()
            window["restored"] = time.monotonic()

    load = under_load(world, "p", outage)
    # A partner retrying as Retry-After says hears the polite request again while the outage
    # lasts; every one of them fell inside it (with the seconds a retry waits after it).
    assert_whole(world, load, polite_at_most=30 // 5 + 2)
    stray = [t for p in load.partners for t in p.polite if not window["cut"] <= t <= window["restored"] + 6]
    assert stray == []
    # Nothing sent while the database was gone was answered by the dialogue (it would have
    # answered from a blank conversation): every such message got the polite 503.
    during = [(sent, done) for p in load.partners for sent, done in p.answered
              if window["cut"] + 0.5 < sent and done < window["restored"]]
    assert during == []
    assert sum(len(p.polite) for p in load.partners) > 0, "no partner talked during the outage"
    assert console == [503, 503]
    deadline = time.monotonic() + 30
    while _text(public + "/health")[0] != 200:
        assert time.monotonic() < deadline, "the console did not recover"
        time.sleep(1)


def test_a_rasa_server_killed_under_load_costs_no_reply_and_no_inquiry(world: World) -> None:
    name = f"rasa-{world.cluster.rasa_ports[0]}"
    strike = kill(world, name)
    load = under_load(world, "k", strike)
    # HAProxy sends a message whose server died to the other one: nobody is asked to repeat.
    assert_whole(world, load, polite_at_most=0)
    world.cluster.wait_restarted(name, strike.killed[0])  # type: ignore[attr-defined]


def test_a_hang_up_stops_the_whole_cluster(world: World) -> None:
    cluster = world.cluster
    env = cluster.env
    cluster.run.send_signal(signal.SIGHUP)
    cluster.run.wait(120)
    assert cluster.run.returncode == 0
    ports = [int(env[n]) for n in ("INTAKE_CLUSTER_PORT", "INTAKE_RASA_PORT", "INTAKE_ACTIONS_PORT", "INTAKE_CONSOLE_PORT")]
    ports += cluster.rasa_ports
    assert busy_port(ports) is None
