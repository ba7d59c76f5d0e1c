"""The console during a real PostgreSQL outage (its connections cut by a TCP proxy): the JSON
API and the pages answer 503 with Retry-After, never 500, and work again after it."""
from __future__ import annotations

import os

import pytest
import pytest_asyncio
from console_helpers import add_accounts, console_client, log_in
from tcp_proxy import postgres_behind_proxy

from bot.store import make_engine, make_sessionmaker, upgrade

pytestmark = pytest.mark.postgres
TOKEN = "outage-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest_asyncio.fixture
async def outage():
    base = os.environ.get("INTAKE_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("INTAKE_TEST_POSTGRES_URL is not set")
    with postgres_behind_proxy(base, "console_outage") as (proxy, url, direct):
        upgrade(direct)
        engine = make_engine(direct)
        add_accounts(make_sessionmaker(engine), {"staff@example.org": None})
        engine.dispose()
        client = await console_client(url, api_token=TOKEN)
        try:
            yield client, proxy
        finally:
            await client.close()


@pytest.mark.asyncio
async def test_api_and_pages_answer_503_while_the_database_is_down(outage):
    client, proxy = outage
    await log_in(client, "staff@example.org")
    assert (await client.get("/api/inquiries", headers=AUTH)).status == 200
    assert (await client.get("/console/inquiries")).status == 200
    proxy.cut()
    try:
        for path, headers in (("/api/inquiries", AUTH), ("/api/conversations", AUTH),
                              ("/api/inquiries", {"Authorization": "Bearer a-token-looked-up-in-the-table"})):
            response = await client.get(path, headers=headers)
            assert response.status == 503, (path, await response.text())
            assert (await response.json())["error"] and response.headers["Retry-After"]
        page = await client.get("/console/inquiries")
        assert page.status == 503 and page.headers["Retry-After"], await page.text()
        assert page.headers["X-Frame-Options"] == "DENY"  # still the console's security headers
        assert (await client.get("/health")).status == 503
    finally:
        proxy.restore()
    assert (await client.get("/api/inquiries", headers=AUTH)).status == 200
    assert (await client.get("/console/inquiries")).status == 200
