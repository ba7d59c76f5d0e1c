"""The console's JSON API over HTTP against a real database (aiohttp test server)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, Status, qualify
from bot.settings import Settings
from bot.store import change_status, record_deflection, submit_inquiry
from integrations.console.app import create_app

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass(frozen=True)
class FakeDecision:
    affiliate_id: str
    rule: str = "country:chapter"
    reasons: tuple[str, ...] = ("the chapter of the country",)
    alternatives: tuple[str, ...] = ("wmf-partnerships",)
    wikimedia_region: str | None = None


@pytest.fixture
def references(sessionmaker) -> dict[str, str]:
    """Three stored conversations: routed to wm-fr, accepted by wikiedu, deflected."""
    out = {}
    with sessionmaker.begin() as session:
        for conv, affiliate, country in (("c-fr", "wm-fr", "FR"), ("c-us", "wikiedu", "US")):
            inquiry = Inquiry(
                conversation_id=conv,
                partnership_type=PartnershipType.EDUCATION,
                organization_name=f"University {country}",
                organization_type=OrganizationType.UNIVERSITY,
                country=country,
                description="a course",
                contact_email="prof@example.org",
                consent=True,
            )
            out[conv] = submit_inquiry(
                session=session,
                inquiry=inquiry,
                qualification=qualify(inquiry),
                decision=FakeDecision(affiliate),
            ).reference
        change_status(session=session, reference=out["c-us"], to_status=Status.ACCEPTED, actor="wikiedu")
        out["c-coi"] = record_deflection(session=session, conversation_id="c-coi", language="en").reference
    return out


async def _client(settings: Settings) -> TestClient:
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def client(db_url, engine, references) -> AsyncIterator[TestClient]:
    client = await _client(Settings(database_url=db_url, api_token=TOKEN))
    yield client
    await client.close()


@pytest.mark.asyncio
async def test_health_ok(client):
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.asyncio
async def test_health_503_when_the_database_is_unreachable():
    url = "postgresql://intake:hunter2-db-password@127.0.0.1:1/secretdb"
    client = await _client(Settings(database_url=url, api_token=TOKEN))
    try:
        response = await client.get("/health")
        body = await response.json()
        raw = await response.text()
    finally:
        await client.close()
    assert response.status == 503
    assert body == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert not any(part in raw for part in ("hunter2", "secretdb", "intake:", "127.0.0.1"))


@pytest.mark.asyncio
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
async def test_api_rejects_missing_or_wrong_token(client, headers):
    for path in ("/api/inquiries", "/api/affiliates", "/api/inquiries/WMP-00000000"):
        response = await client.get(path, headers=headers)
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "error" in await response.json()


@pytest.mark.asyncio
async def test_api_closed_without_a_configured_token(db_url, engine):
    """Without INTAKE_API_TOKEN only tokens of `intake tokens add` open the API; nothing else does."""
    client = await _client(Settings(database_url=db_url, api_token=""))
    try:
        for given in ("", " ", "anything"):
            response = await client.get("/api/inquiries", headers={"Authorization": f"Bearer {given}"})
            assert response.status == 401, given
        assert (await client.get("/health")).status == 200
    finally:
        await client.close()


@pytest.mark.asyncio
async def test_list_and_filters(client, references):
    async def refs(query: str = "") -> list[str]:
        response = await client.get("/api/inquiries" + query, headers=AUTH)
        assert response.status == 200
        return [row["reference"] for row in await response.json()]

    assert sorted(await refs()) == sorted(references.values())
    assert await refs("?conversation_id=c-fr") == [references["c-fr"]]
    assert await refs("?status=accepted") == [references["c-us"]]
    assert await refs("?status=deflected") == [references["c-coi"]]
    assert await refs("?affiliate=wm-fr") == [references["c-fr"]]
    assert await refs("?affiliate=wm-fr&status=accepted") == []
    assert len(await refs("?limit=2")) == 2
    assert len(await refs("?limit=2&offset=2")) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["status=bogus", "limit=0", "limit=abc", "limit=100000", "offset=-1"])
async def test_bad_query_parameters_are_400(client, query):
    response = await client.get(f"/api/inquiries?{query}", headers=AUTH)
    assert response.status == 400
    assert "error" in await response.json()


@pytest.mark.asyncio
async def test_detail_and_404(client, references):
    response = await client.get(f"/api/inquiries/{references['c-fr']}", headers=AUTH)
    assert response.status == 200
    body = await response.json()
    assert set(body) == {
        "reference",
        "conversation_id",
        "status",
        "created_at",
        "language",
        "partnership_type",
        "organization",
        "country",
        "region",
        "content_language",
        "licence",
        "description",
        "contact",
        "consent",
        "qualification",
        "routing",
        "wants_person",
    }
    assert body["routing"]["affiliate_id"] == "wm-fr"
    assert body["contact"] == {"name": None, "email": "prof@example.org"}
    deflected = await (await client.get(f"/api/inquiries/{references['c-coi']}", headers=AUTH)).json()
    assert deflected["routing"] is None
    missing = await client.get("/api/inquiries/WMP-ZZZZZZZZ", headers=AUTH)
    assert missing.status == 404
    assert await missing.json() == {"error": "inquiry not found"}
    unknown = await client.get("/api/nothing-here", headers=AUTH)
    assert unknown.status == 404 and "error" in await unknown.json()


@pytest.mark.asyncio
async def test_affiliates(client):
    response = await client.get("/api/affiliates", headers=AUTH)
    assert response.status == 200
    rows = await response.json()
    assert len(rows) == 169
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == 169 and all(ids)
    assert {"wm-fr", "wikiedu", "wmf-partnerships", "amical"} <= set(ids)
    fr = next(row for row in rows if row["id"] == "wm-fr")
    assert fr["countries"] == ["FR"] and fr["kind"] == "chapter"
    assert set(fr) == {"id", "name", "kind", "countries", "subdivisions", "languages", "topics", "website"}


@pytest.mark.asyncio
async def test_deliveries_show_counts_and_dead_letters(client, references, sessionmaker):
    from bot.delivery.handles import current_handles
    from bot.store import DeliveryTarget, claim_deliveries, enqueue_deliveries, mark_failed

    with sessionmaker.begin() as session:
        handles = current_handles(session=session, reference=references["c-fr"])
        (delivery_id,) = enqueue_deliveries(
            session=session, inquiry_id=handles.inquiry_id, decision_id=handles.decision_id,
            affiliate_id="wm-fr", targets=[DeliveryTarget("webhook", {"url": "https://example.org/hook"})],
        )
        claim_deliveries(session=session, worker_id="w")
        assert mark_failed(session=session, delivery_id=delivery_id, worker_id="w", error="HTTP 500",
                           max_attempts=1) == "dead"
    response = await client.get("/api/deliveries", headers=AUTH)
    body = await response.json()
    assert response.status == 200 and body["counts"]["dead"] == 1
    assert body["dead_letters"][0]["delivery_id"] == delivery_id and "500" in body["dead_letters"][0]["last_error"]
    assert (await client.get("/api/deliveries")).status == 401
