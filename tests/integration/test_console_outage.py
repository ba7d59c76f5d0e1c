"""The console during a real PostgreSQL outage (its connections cut by a TCP proxy): the JSON
API and the pages answer 503 with Retry-After, never 500, and work again after it."""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import pytest
import pytest_asyncio
from console_helpers import add_accounts, console_client, log_in
from tcp_proxy import postgres_behind_proxy
from yarl import URL

from bot.delivery.recognition import stop_link
from bot.delivery.signing import sign_link
from bot.store import make_engine, make_sessionmaker, upgrade

pytestmark = pytest.mark.postgres
TOKEN = "outage-test-token"
LINK_SECRET = "outage-link-secret-of-32-characters"
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
        client = await console_client(url, api_token=TOKEN, link_secret=LINK_SECRET)
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


@pytest.mark.asyncio
async def test_pages_opened_from_an_e_mail_say_so_in_the_readers_language_while_the_database_is_down(outage):
    """An affiliate's answer link and a partner's unsubscribe link are opened outside the console:
    during an outage each is a page in the browser's language with Retry-After, not a line of
    English, and the link works again after it."""
    client, proxy = outage
    answer = "/respond/" + sign_link("t-outage", "accept", int(time.time()) + 3600, LINK_SECRET)
    unsubscribe = URL(stop_link("http://console.example", 7, LINK_SECRET, now=datetime.now(timezone.utc))).path
    proxy.cut()
    try:
        for path, language, said in ((answer, "fr", "arrive pas à joindre sa base de données"),
                                     (unsubscribe, "de", "Unsere Datenbank ist im Moment nicht erreichbar"),
                                     (answer + "?x", "ar", "قاعدة")):
            for method in ("GET", "POST"):
                response = await client.request(method, path, headers={"Accept-Language": language})
                page = await response.text()
                assert response.status == 503 and response.headers["Retry-After"], (path, page)
                assert response.content_type == "text/html" and f'lang="{language}"' in page and said in page, page
                assert "Service unavailable" not in page
    finally:
        proxy.restore()
    assert (await client.get(answer)).status == 404  # an unknown link again, not an outage
