"""The same servers on PostgreSQL (the production database): tracker events and leads in one
database, a whole intake routed and readable through the API."""
from __future__ import annotations

import os
import secrets
import uuid

import pytest
import sqlalchemy as sa
from driver import Conversation, get_json
from scenarios import SCENARIOS

from bot.nlp.train import train
from bot.store import upgrade
from integrations.stack.processes import Stack, base_env, free_port

pytestmark = pytest.mark.e2e
PG = os.environ.get("INTAKE_TEST_POSTGRES_URL")


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory):
    if not PG:
        pytest.skip("INTAKE_TEST_POSTGRES_URL is not set")
    schema = "e2e_" + secrets.token_hex(4)
    admin = sa.create_engine(PG, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(PG).update_query_dict({"options": f"-csearch_path={schema}"})
    env = base_env(
        INTAKE_DATABASE_URL=url.render_as_string(hide_password=False),
        INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()),
        INTAKE_CONSOLE_PORT=str(free_port()), INTAKE_API_TOKEN=secrets.token_urlsafe(32),
        INTAKE_LINK_SECRET=secrets.token_urlsafe(32),
        INTAKE_SESSION_SECRET=secrets.token_urlsafe(32), INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
    )
    upgrade(env["INTAKE_DATABASE_URL"])
    running = Stack(env=env, model=train(), log_dir=tmp_path_factory.mktemp("pg") / "logs")
    running.start()
    try:
        running.wait_ready(timeout=240)
        yield running, schema
    finally:
        running.stop()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.parametrize("scenario", SCENARIOS[:3], ids=[s["id"] for s in SCENARIOS[:3]])
def test_intake_on_postgresql(pg_stack, scenario):
    stack, schema = pg_stack
    sender = f"pg-{uuid.uuid4().hex[:10]}"
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, sender)
    reference = chat.complete_intake(scenario["opening"], scenario["answers"])
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", stack.env["INTAKE_API_TOKEN"])
    assert (inquiry["routing"]["affiliate_id"], inquiry["routing"]["rule"]) == scenario["expect"][:2]
    engine = sa.create_engine(stack.env["INTAKE_DATABASE_URL"], future=True)
    with engine.connect() as connection:
        events = connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": chat.conversation_id}
        ).scalar_one()
    engine.dispose()
    assert events > len(chat.turns)  # the transcript lives beside the lead
