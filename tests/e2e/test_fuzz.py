"""A seeded fuzz of hostile requests against the real stack (Rasa, actions, console, worker started
as `make run` starts them), on SQLite and on PostgreSQL: the REST and socket.io channels, the JSON
API, the console's pages and forms and the /respond links (fuzz_corpus.py).

No response is a 5xx, none hangs (every request has a client timeout), every process is still
running afterwards, a normal conversation still gets its reply, and no stored event row is over
64 KB. `make test` sends INTAKE_TEST_FUZZ_REQUESTS (default 1,000) per database; `make fuzz`
sends 5,000 per database, 10,000 in all. The figures (requests per surface, statuses, seconds)
are printed.
"""
from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from driver import Conversation
from fakes import FakeDecision
from fuzz_corpus import corpus
from fuzz_runner import Runner, Target
from rasa_events import create_events_table

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.nlp.train import train
from bot.staff.passwords import hash_password
from bot.store import make_engine, make_sessionmaker, submit_inquiry, upgrade
from bot.store.accounts.api_tokens import add_token
from bot.store.accounts.users import add_user
from integrations.stack.processes import Stack, base_env, free_port

pytestmark = pytest.mark.e2e

PG = os.environ.get("INTAKE_TEST_POSTGRES_URL")
#: Requests per database; `make fuzz` raises it to 5,000.
REQUESTS = int(os.environ.get("INTAKE_TEST_FUZZ_REQUESTS") or 1000)
SEED = 13
MAX_EVENT_BYTES = 64 * 1024
PASSWORD = "fuzz staff password 1"


def _database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'intake.db'}"
        return
    if not PG:
        pytest.skip("INTAKE_TEST_POSTGRES_URL is not set")
    schema = "fuzz_" + secrets.token_hex(4)
    admin = sa.create_engine(PG, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield sa.engine.make_url(PG).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _seed(url: str) -> dict[str, str]:
    """A staff account, an affiliate's API token and one routed inquiry for the forms to aim at."""
    upgrade(url)
    engine = make_engine(url)
    create_events_table(engine)
    try:
        with make_sessionmaker(engine).begin() as session:
            add_user(session=session, email="fuzz-staff@example.org", role="staff", affiliate_id=None,
                     password_hash=hash_password(PASSWORD))
            inquiry = Inquiry(conversation_id="fuzz-conversation", partnership_type=PartnershipType.EDUCATION,
                              organization_name="Fuzz University", organization_type=OrganizationType.UNIVERSITY,
                              country="FR", description="a course")
            reference = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                       decision=FakeDecision()).reference
            token = add_token(session=session, name="fuzz wm-fr", affiliate_id="wm-fr")
    finally:
        engine.dispose()
    return {"reference": reference, "affiliate_token": token}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fuzz_stack(request, tmp_path_factory) -> Iterator[tuple[Stack, dict[str, str]]]:
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    for url in _database(request.param, workdir):
        seeded = _seed(url)
        env = base_env(
            INTAKE_DATABASE_URL=url, INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()),
            INTAKE_CONSOLE_PORT=str(free_port()), INTAKE_API_TOKEN=secrets.token_urlsafe(32),
            INTAKE_LINK_SECRET=secrets.token_urlsafe(32), INTAKE_SESSION_SECRET=secrets.token_urlsafe(32),
            INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
            # The fuzz comes from one address and hammers few conversations: with the rate limits
            # on, most of it would stop at a 429 before reaching the code it is meant to try
            # (tests/e2e/test_abuse_limits.py and tests/integration/test_channel_limits.py try them).
            INTAKE_RATE_CONVERSATION_PER_MINUTE="0", INTAKE_RATE_CLIENT_PER_MINUTE="0",
            INTAKE_MAX_INQUIRIES_PER_HOUR="0",
        )
        running = Stack(env=env, model=train(), log_dir=workdir / "logs")
        running.start()
        try:
            running.wait_ready(timeout=240)
            yield running, seeded
        finally:
            running.stop()


def test_hostile_requests_get_no_5xx_no_hang_and_the_stack_goes_on(fuzz_stack):
    stack, seeded = fuzz_stack
    env = stack.env
    probes = corpus(seed=SEED, size=REQUESTS, link_secret=env["INTAKE_LINK_SECRET"])
    target = Target(rasa_url=stack.rasa_url, console_url=stack.console_url,
                    tokens={"staff": env["INTAKE_API_TOKEN"], "affiliate": seeded["affiliate_token"]},
                    staff_email="fuzz-staff@example.org", staff_password=PASSWORD,
                    reference=seeded["reference"], conversation_id="fuzz-conversation")
    tally = asyncio.run(Runner(target).run(probes))
    print(f"\nfuzz on {env['INTAKE_DATABASE_URL'].split(':')[0]}: {tally.summary()}")

    assert sum(tally.requests.values()) >= REQUESTS
    assert tally.failures == [], "\n".join(tally.failures[:30])
    # Every surface was reached, and the edges said no in words (4xx), not by failing.
    assert set(tally.requests) == {"rest", "socketio", "api", "console", "respond"}
    assert tally.statuses["rest 400"] > 0 and tally.statuses["rest 200"] > 0 and tally.statuses["api 400"] > 0
    # No process died, and a partner who comes along now is answered as ever.
    dead = {name: proc.returncode for name, proc in stack.procs.items() if proc.poll() is not None}
    assert dead == {}, {name: stack.log_tail(name) for name in dead}
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"after-fuzz-{uuid.uuid4().hex}")
    turn = chat.send("We are a museum in Lyon and want to donate photos")
    assert turn.replies and chat.conversation_id
    assert chat.slots()["country"] == "FR"
    # What the fuzz left in the events table is bounded: no row holds a megabyte message.
    engine = sa.create_engine(env["INTAKE_DATABASE_URL"], future=True)
    try:
        with engine.connect() as connection:
            largest, rows = connection.execute(sa.text("SELECT max(length(data)), count(*) FROM events")).one()
    finally:
        engine.dispose()
    print(f"events: {rows} rows, the largest {largest} characters")
    assert rows > 0 and largest <= MAX_EVENT_BYTES
