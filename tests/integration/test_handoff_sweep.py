"""Hand-offs nobody picked up in time (integrations/delivery/handoff_sweep.py): the worker runs
the assistant's `action_handoff_unclaimed` in those conversations, through Rasa's HTTP API, and
in no other; Rasa down is tried again next round."""
from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import Settings
from bot.store.accounts.users import add_user
from bot.store.clock import utcnow
from bot.store.handoffs import Answerer, claim, heartbeat, request_handoff
from integrations.console.rasa_api import RasaApi
from integrations.delivery.handoff_sweep import UNCLAIMED_ACTION, sweep_unclaimed


class Rasa:
    def __init__(self) -> None:
        self.executed: list[tuple[str, str]] = []
        self.down = False
        self.app = web.Application()
        self.app.router.add_post("/conversations/{id}/execute", self.execute)

    async def execute(self, request: web.Request) -> web.Response:
        if self.down:
            return web.json_response({}, status=500)
        assert request.headers["Authorization"].startswith("Bearer ") and "token" not in request.query
        self.executed.append((request.match_info["id"], (await request.json())["name"]))
        return web.json_response({})


@pytest_asyncio.fixture
async def rasa():
    fake = Rasa()
    server = TestServer(fake.app, port=0)
    await server.start_server()
    settings = Settings.from_env({"INTAKE_DATABASE_URL": "sqlite://", "INTAKE_RASA_URL": str(server.make_url("")),
                                  "INTAKE_RASA_ADMIN_SECRET": "a-secret-of-more-than-32-characters-0123"})
    client = RasaApi(settings)
    yield fake, client
    await client.close()
    await server.close()


@pytest.mark.asyncio
async def test_only_waiting_handoffs_older_than_the_wait_are_ended(sessionmaker, rasa):
    fake, client = rasa
    now = utcnow()
    with sessionmaker.begin() as session:
        staff = add_user(session=session, email="desk@example.org", role="staff", affiliate_id=None, password_hash="x")
        heartbeat(session, user_id=staff.id, now=now - timedelta(minutes=10))
        request_handoff(session, conversation_id="old", language="es", now=now - timedelta(minutes=10))
        request_handoff(session, conversation_id="claimed", language="es", now=now - timedelta(minutes=10))
        claim(session, conversation_id="claimed", who=Answerer("desk", user_id=staff.id), now=now - timedelta(minutes=9))
        heartbeat(session, user_id=staff.id, now=now)
        request_handoff(session, conversation_id="recent", language="es", now=now - timedelta(minutes=1))
    fake.down = True
    assert await sweep_unclaimed(sessionmaker=sessionmaker, rasa=client, now=now, wait_minutes=5) == 0
    fake.down = False
    assert await sweep_unclaimed(sessionmaker=sessionmaker, rasa=client, now=now, wait_minutes=5) == 1
    assert fake.executed == [("old", UNCLAIMED_ACTION)]
