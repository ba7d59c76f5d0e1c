"""Bad input at the console's edges gets a 400 with a reason, never a 500 (issue 13's fuzz
findings); every response carries security headers; the access log names routes, not secrets."""
from __future__ import annotations

import logging

import pytest
import pytest_asyncio
from console_helpers import add_accounts, console_client, log_in
from multidict import CIMultiDict

from integrations.console.edge import AccessLogger, redacted_path

TOKEN = "edge-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest_asyncio.fixture
async def client(db_url, engine, sessionmaker):
    add_accounts(sessionmaker, {"staff@example.org": None})
    client = await console_client(db_url, api_token=TOKEN)
    yield client
    await client.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("query", [
    "offset=9223372036854775808", "offset=99999999999999999999", "limit=²", "offset=①", "status=%00",
    "conversation_id=a%00b", "affiliate=%00",
])
async def test_api_list_parameters_out_of_range_are_400(client, query):
    response = await client.get(f"/api/inquiries?{query}", headers=AUTH)
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/api/conversations?offset=9223372036854775808", "/api/conversations?status=x",
                                  "/api/conversations/%00", "/api/inquiries/WMP-%00"])
async def test_api_conversations_and_details_refuse_bad_input(client, path):
    response = await client.get(path, headers=AUTH)
    assert response.status in (400, 404), await response.text()


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["page=²", "page=①", "page=12345678901234567890", "page=0", "page=-1",
                                   "created_to=9999-12-31", "created_from=0001-01-01", "q=%00", "q=a%00b"])
async def test_inquiry_list_filters_out_of_range_are_400_pages(client, query):
    await log_in(client, "staff@example.org")
    response = await client.get(f"/console/inquiries?{query}")
    assert response.status == 400, (query, response.status)


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["page=²", "page=①", "page=99999999999999999999"])
async def test_conversation_list_pages_out_of_range_are_400(client, query):
    await log_in(client, "staff@example.org")
    response = await client.get(f"/console/conversations?{query}")
    assert response.status == 400


@pytest.mark.asyncio
async def test_a_truncated_multipart_post_to_a_respond_link_is_a_400(client):
    body = b'--XyZ\r\nContent-Disposition: form-data; name="action"\r\n\r\nacc'
    response = await client.post("/respond/not-a-real-token", data=body,
                                 headers={"Content-Type": "multipart/form-data; boundary=XyZ"})
    assert response.status < 500


@pytest.mark.asyncio
async def test_a_console_form_that_cannot_be_read_is_a_page_in_the_viewers_language(client):
    await log_in(client, "staff@example.org")
    body = b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nunfin'
    response = await client.post("/console/inquiries/WMP-ABCD1234/note", data=body,
                                 headers={"Content-Type": "multipart/form-data; boundary=XyZ",
                                          "Accept-Language": "de"})
    page = await response.text()
    assert response.status == 400 and response.content_type == "text/html", page
    assert "Das Formular konnte nicht gelesen werden." in page and 'lang="de"' in page


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/health", "/api/inquiries", "/api/nothing-here", "/respond/x", "/console/login"])
async def test_every_response_carries_security_headers(client, path):
    response = await client.get(path, headers=AUTH)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # served over http here
    if response.content_type == "application/json":
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.asyncio
async def test_hsts_when_the_console_is_served_over_https(db_url):
    client = await console_client(db_url, api_token=TOKEN, public_url="https://partners.example.org")
    try:
        for path in ("/health", "/api/inquiries", "/console/login"):
            response = await client.get(path, headers=AUTH)
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        await client.close()


@pytest.mark.parametrize(("path", "logged"), [
    ("/respond/eyJhbGciOi.secret-token", "/respond/…"),
    ("/api/conversations/0123456789abcdef0123456789abcdef", "/api/conversations/…"),
    ("/console/conversations/0123456789abcdef0123456789abcdef", "/console/conversations/…"),
    ("/console/inquiries/WMP-ABCD1234", "/console/inquiries/WMP-ABCD1234"),
    ("/api/conversations", "/api/conversations"),
])
def test_the_access_log_leaves_secrets_out(path, logged):
    assert redacted_path(path) == logged


def test_the_access_log_line_has_no_query_string_or_address(caplog):
    class Request:
        method, path = "GET", "/respond/secret-token-value"
        query_string, remote = "q=Ana+P%C3%A9rez", "203.0.113.9"
        headers = CIMultiDict({"User-Agent": "curl"})

    class Response:
        status = 200

    logger = logging.getLogger("test.access")
    with caplog.at_level(logging.INFO, logger="test.access"):
        AccessLogger(logger, "").log(Request(), Response(), 0.012)  # type: ignore[arg-type]
    line = caplog.records[-1].getMessage()
    assert line == "GET /respond/… 200 12 ms"
