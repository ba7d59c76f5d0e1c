"""The hand-off routes of the JSON API, scoped like the rest: an affiliate's token lists and
answers only hand-offs of conversations routed to it; bad bodies are 400, someone else's 409."""
from __future__ import annotations

import pytest
import pytest_asyncio
from console_helpers import console_client
from fakes import FakeDecision

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry
from bot.store.accounts.api_tokens import add_token
from bot.store.accounts.users import add_user
from bot.store.clock import utcnow
from bot.store.handoffs import heartbeat, request_handoff

ADMIN = "the-env-token"


@pytest.fixture
def world(sessionmaker) -> dict[str, str]:
    out: dict[str, str] = {}
    with sessionmaker.begin() as session:
        for conv, country, affiliate in (("h-fr", "FR", "wm-fr"), ("h-us", "US", "wikiedu")):
            inquiry = Inquiry(conversation_id=conv, partnership_type=PartnershipType.EDUCATION,
                              organization_name=f"Org {conv}", organization_type=OrganizationType.UNIVERSITY,
                              country=country, description="a course")
            submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                           decision=FakeDecision(affiliate_id=affiliate))
        staff = add_user(session=session, email="desk@example.org", role="staff", affiliate_id=None, password_hash="x")
        heartbeat(session, user_id=staff.id, now=utcnow())
        for conv in ("h-fr", "h-us", "h-none"):
            request_handoff(session, conversation_id=conv, language="fr", now=utcnow())
        out["fr-token"] = add_token(session=session, name="wm-fr crm", affiliate_id="wm-fr")
    return out


@pytest_asyncio.fixture
async def client(db_url, engine, world):
    client = await console_client(db_url, api_token=ADMIN)
    yield client
    await client.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.asyncio
async def test_waiting_conversations_are_listed_newest_first_and_scoped(client, world):
    everything = await client.get("/api/conversations?status=waiting", headers=_auth(ADMIN))
    assert everything.status == 200
    rows = await everything.json()
    assert [r["conversation_id"] for r in rows] == ["h-none", "h-us", "h-fr"]
    assert {r["status"] for r in rows} == {"waiting"} and rows[1]["handoff"]["affiliate_id"] == "wikiedu"
    mine = await client.get("/api/conversations?status=waiting", headers=_auth(world["fr-token"]))
    assert [r["conversation_id"] for r in await mine.json()] == ["h-fr"]
    assert (await client.get("/api/conversations?status=sleeping", headers=_auth(ADMIN))).status == 400


@pytest.mark.asyncio
async def test_an_affiliate_token_cannot_answer_another_affiliates_handoff(client, world):
    for path in ("/api/conversations/h-us/messages", "/api/conversations/h-none/messages"):
        refused = await client.post(path, json={"text": "Hello"}, headers=_auth(world["fr-token"]))
        assert refused.status == 409, path
    for action in ("release", "close"):
        refused = await client.post(f"/api/conversations/h-us/{action}", headers=_auth(world["fr-token"]))
        assert refused.status == 409
    assert (await client.post("/api/conversations/h-us/messages", json={"text": "Hi"})).status == 401


@pytest.mark.asyncio
async def test_a_reply_needs_text_and_a_reachable_conversation(client, world):
    for body in ({}, {"text": ""}, {"text": "   "}, {"text": 42}, [1]):
        response = await client.post("/api/conversations/h-fr/messages", json=body, headers=_auth(ADMIN))
        assert response.status == 400, body
    assert (await client.post("/api/conversations/nobody/messages", json={"text": "Hi"},
                              headers=_auth(ADMIN))).status == 409
    # No Rasa admin secret in this console: the reply cannot reach the partner, and says so.
    unreachable = await client.post("/api/conversations/h-fr/messages", json={"text": "Bonjour"},
                                    headers=_auth(world["fr-token"]))
    assert unreachable.status == 503 and "cannot be reached" in (await unreachable.json())["error"]
