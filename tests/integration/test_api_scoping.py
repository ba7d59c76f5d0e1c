"""Per-affiliate API tokens: an affiliate's token reads only the inquiries ever routed to it."""
from __future__ import annotations

import pytest
import pytest_asyncio
from console_helpers import console_client
from fakes import FakeDecision
from sqlalchemy import select

from bot.delivery.handover import reassign
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry
from bot.store.accounts.api_tokens import add_token, set_token_disabled
from bot.store.tables import api_tokens

ADMIN = "the-env-token"


@pytest.fixture
def world(sessionmaker) -> dict[str, str]:
    out = {}
    with sessionmaker.begin() as session:
        for conv, country, affiliate in (("a-fr", "FR", "wm-fr"), ("a-us", "US", "wikiedu"), ("a-moved", "FR", "wm-fr")):
            inquiry = Inquiry(conversation_id=conv, partnership_type=PartnershipType.EDUCATION,
                              organization_name=f"Org {conv}", organization_type=OrganizationType.UNIVERSITY,
                              country=country, description="a course")
            out[conv] = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                       decision=FakeDecision(affiliate_id=affiliate)).reference
        reassign(session=session, endpoints=None, reference=out["a-moved"], affiliate_id="wikiedu",
                 actor="staff:test", reason="moved")
        out["fr-token"] = add_token(session=session, name="wm-fr crm", affiliate_id="wm-fr")
        out["tool-token"] = add_token(session=session, name="staff tool", affiliate_id=None)
    return out


@pytest_asyncio.fixture
async def client(db_url, engine, world):
    client = await console_client(db_url, api_token=ADMIN)
    yield client
    await client.close()


async def get(client, path, token):
    return await client.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.asyncio
async def test_an_affiliate_token_sees_its_inquiries_including_those_moved_on(client, world):
    response = await get(client, "/api/inquiries", world["fr-token"])
    assert response.status == 200
    assert {i["reference"] for i in await response.json()} == {world["a-fr"], world["a-moved"]}
    other = await get(client, f"/api/inquiries/{world['a-us']}", world["fr-token"])
    assert other.status == 404
    # Where an inquiry went after wm-fr cannot be found out by filtering.
    filtered = await get(client, "/api/inquiries?affiliate=wikiedu", world["fr-token"])
    assert await filtered.json() == []
    mine = await get(client, "/api/inquiries?affiliate=wm-fr", world["fr-token"])
    assert {i["reference"] for i in await mine.json()} == {world["a-fr"], world["a-moved"]}
    assert {i["routing"]["affiliate_id"] for i in await mine.json()} == {"wm-fr"}
    assert (await get(client, "/api/deliveries", world["fr-token"])).status == 403
    assert (await get(client, "/api/affiliates", world["fr-token"])).status == 200


@pytest.mark.asyncio
async def test_full_tokens_and_the_environment_token_see_everything(client, world):
    for token in (ADMIN, world["tool-token"]):
        response = await get(client, "/api/inquiries", token)
        assert len(await response.json()) == 3
        assert (await get(client, "/api/deliveries", token)).status == 200


@pytest.mark.asyncio
async def test_disabled_or_unknown_tokens_are_refused_and_only_hashes_are_stored(client, world, sessionmaker):
    with sessionmaker.begin() as session:
        set_token_disabled(session=session, name="wm-fr crm", disabled=True)
        stored = session.scalars(select(api_tokens.c.token_hash)).all()
    assert (await get(client, "/api/inquiries", world["fr-token"])).status == 401
    assert (await get(client, "/api/inquiries", world["fr-token"] + "x")).status == 401
    assert world["tool-token"] not in stored and all(len(h) == 64 for h in stored)
    assert (await get(client, "/api/affiliates", world["tool-token"])).status == 200
    with sessionmaker() as session:
        used = dict(session.execute(select(api_tokens.c.name, api_tokens.c.last_used_at)).all())
    assert used["staff tool"] is not None and used["wm-fr crm"] is None
