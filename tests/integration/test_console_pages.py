"""The console's pages over HTTP against a real database: login, sessions, CSRF, throttling."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from bot.settings import Settings
from bot.staff.passwords import hash_password
from bot.store.accounts.login_failures import count_failures
from bot.store.accounts.users import add_user, credentials_by_email, set_disabled
from integrations.console.app import create_app
from integrations.console.pages.login import DISABLED, WRONG
from integrations.console.pages.session import COOKIE_NAME

TOKEN = "s3cret-token"
SECRET = "a-session-secret-for-tests-only"
PASSWORD = "correct horse battery"
STAFF = "staff@example.org"
AFFILIATE = "fr@example.org"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def accounts(sessionmaker) -> None:
    """A staff user and a user of Wikimédia France, both with PASSWORD."""
    with sessionmaker.begin() as session:
        add_user(
            session=session,
            email=STAFF,
            role="staff",
            affiliate_id=None,
            password_hash=hash_password(PASSWORD),
        )
        add_user(
            session=session,
            email=AFFILIATE,
            role="affiliate",
            affiliate_id="wm-fr",
            password_hash=hash_password(PASSWORD),
        )


async def _client(settings: Settings) -> TestClient:
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def client(db_url, engine, accounts) -> AsyncIterator[TestClient]:
    client = await _client(Settings(database_url=db_url, api_token=TOKEN, session_secret=SECRET))
    yield client
    await client.close()


async def _token(client: TestClient, path: str = "/console/login") -> str:
    response = await client.get(path)
    assert response.status == 200
    found = _CSRF.search(await response.text())
    assert found, "every console page carries the CSRF field"
    return found.group(1)


async def _login(client: TestClient, email: str, password: str = PASSWORD, **extra: str):
    token = await _token(client)
    form = {"csrf_token": token, "email": email, "password": password, **extra}
    return await client.post("/console/login", data=form, allow_redirects=False)


async def _logged_in(client: TestClient) -> bool:
    response = await client.get("/console/", allow_redirects=False)
    return response.status == 200


@pytest.mark.asyncio
async def test_anonymous_visitors_are_sent_to_the_login_form(client):
    response = await client.get("/console/?status=new", allow_redirects=False)
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/console/login"
    assert parse_qs(location.query)["next"] == ["/console/?status=new"]
    assert response.headers["X-Frame-Options"] == "DENY"
    bare = await client.get("/console", allow_redirects=False)
    assert bare.status == 303 and bare.headers["Location"] == "/console/"


@pytest.mark.asyncio
async def test_login_page_is_plain_accessible_html_with_security_headers(client):
    response = await client.get("/console/login")
    html = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert '<label for="email">' in html and '<label for="password">' in html
    assert "<script" not in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    css = await client.get("/console/static/console.css")
    assert css.status == 200 and css.content_type == "text/css"


@pytest.mark.asyncio
async def test_staff_login_starts_a_session_in_a_hardened_cookie(client, sessionmaker):
    response = await _login(client, "  Staff@Example.ORG ")
    assert response.status == 303 and response.headers["Location"] == "/console/"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/console"
    assert not cookie["secure"]  # the public URL is http
    assert PASSWORD not in cookie.value and "staff" not in cookie.value  # encrypted
    home = await client.get("/console/")
    html = await home.text()
    assert home.status == 200
    assert STAFF in html and "<strong>staff</strong>" in html
    with sessionmaker.begin() as session:
        found = credentials_by_email(session=session, email=STAFF)
        assert found is not None and found.user.last_login_at is not None


@pytest.mark.asyncio
async def test_the_cookie_is_secure_when_the_console_is_served_over_https(db_url, engine, accounts):
    settings = Settings(database_url=db_url, session_secret=SECRET, public_url="https://intake.example.org")
    client = await _client(settings)
    try:
        response = await client.get("/console/login")
        header = response.headers["Set-Cookie"]
    finally:
        await client.close()
    assert header.startswith(COOKIE_NAME + "=")
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.asyncio
async def test_an_affiliate_user_sees_their_affiliate(client):
    assert (await _login(client, AFFILIATE)).status == 303
    html = await (await client.get("/console/")).text()
    assert "Wikimédia France" in html and "wm-fr" in html
    assert "<strong>staff</strong>" not in html


@pytest.mark.asyncio
async def test_wrong_password_and_unknown_address_get_the_same_answer(client, sessionmaker):
    wrong = await _login(client, STAFF, "not the password at all")
    unknown = await _login(client, "nobody@example.org", PASSWORD)
    for response in (wrong, unknown):
        assert response.status == 401
        assert WRONG in await response.text()
    assert not await _logged_in(client)
    with sessionmaker.begin() as session:
        assert count_failures(session=session) == 2
        found = credentials_by_email(session=session, email=STAFF)
        assert found is not None and found.user.last_login_at is None


@pytest.mark.asyncio
async def test_what_was_typed_is_shown_back_as_text(client):
    response = await _login(client, '"><script>alert(1)</script>', "whatever it is")
    html = await response.text()
    assert response.status == 401
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/console/inquiries?status=new", "/console/inquiries?status=new"),
        ("https://evil.example/console/", "/console/"),
        ("//evil.example/console/", "/console/"),
        ("/\\evil.example/", "/console/"),
        ("/", "/console/"),
        ("/console/login", "/console/"),
        ("javascript:alert(1)", "/console/"),
    ],
)
async def test_only_console_paths_are_followed_after_login(client, next_url, expected):
    response = await _login(client, STAFF, next=next_url)
    assert response.status == 303
    assert response.headers["Location"] == expected


@pytest.mark.asyncio
async def test_logout_ends_the_session(client):
    await _login(client, STAFF)
    token = await _token(client, "/console/")
    response = await client.post("/console/logout", data={"csrf_token": token}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"
    assert response.cookies[COOKIE_NAME].value == ""  # deleted
    assert not await _logged_in(client)


@pytest.mark.asyncio
async def test_posts_without_the_right_csrf_token_are_refused(client):
    form = {"email": STAFF, "password": PASSWORD}
    missing = await client.post("/console/login", data=form, allow_redirects=False)
    assert missing.status == 403 and "expired" in await missing.text()
    await _token(client)  # the session now has a token; a wrong one is still refused
    wrong = await client.post("/console/login", data={**form, "csrf_token": "x" * 43}, allow_redirects=False)
    assert wrong.status == 403
    assert not await _logged_in(client)
    await _login(client, STAFF)
    logout = await client.post("/console/logout", data={}, allow_redirects=False)
    assert logout.status == 403
    assert await _logged_in(client)


@pytest.mark.asyncio
async def test_a_token_from_another_session_is_refused(client, db_url):
    other = await _client(Settings(database_url=db_url, session_secret=SECRET))
    try:
        stolen = await _token(other)
    finally:
        await other.close()
    await _token(client)
    response = await client.post(
        "/console/login",
        data={"csrf_token": stolen, "email": STAFF, "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status == 403


@pytest.mark.asyncio
async def test_five_failures_for_an_address_close_it_without_checking_passwords(client, sessionmaker):
    for _ in range(5):
        assert (await _login(client, STAFF, "a wrong password")).status == 401
    response = await _login(client, STAFF)  # the right password, refused all the same
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed attempts" in await response.text()
    assert not await _logged_in(client)
    with sessionmaker.begin() as session:
        assert count_failures(session=session) == 5  # refused attempts are not counted
    assert (await _login(client, AFFILIATE)).status == 303  # other addresses are open


@pytest.mark.asyncio
async def test_a_success_clears_the_address_counter(client, sessionmaker):
    for _ in range(4):
        await _login(client, STAFF, "a wrong password")
    assert (await _login(client, STAFF)).status == 303
    with sessionmaker.begin() as session:
        assert count_failures(session=session) == 0
    for _ in range(4):
        assert (await _login(client, STAFF, "a wrong password")).status == 401
    assert (await _login(client, STAFF)).status == 303


@pytest.mark.asyncio
async def test_twenty_failures_from_one_client_close_every_address(client):
    for n in range(20):
        assert (await _login(client, f"guess{n}@example.org", "a wrong password")).status == 401
    response = await _login(client, STAFF)
    assert response.status == 429 and int(response.headers["Retry-After"]) >= 1


@pytest.mark.asyncio
async def test_a_disabled_user_cannot_log_in(client, sessionmaker):
    with sessionmaker.begin() as session:
        set_disabled(session=session, email=STAFF, disabled=True)
    response = await _login(client, STAFF)
    assert response.status == 401 and DISABLED in await response.text()
    assert not await _logged_in(client)


@pytest.mark.asyncio
async def test_disabling_a_user_ends_their_open_session(client, sessionmaker):
    await _login(client, STAFF)
    assert await _logged_in(client)
    with sessionmaker.begin() as session:
        set_disabled(session=session, email=STAFF, disabled=True)
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/console/login")
    assert response.cookies[COOKIE_NAME].value == ""
    with sessionmaker.begin() as session:
        set_disabled(session=session, email=STAFF, disabled=False)
    assert not await _logged_in(client)  # enabling again does not bring the old session back


@pytest.mark.asyncio
async def test_a_forged_cookie_is_an_anonymous_visitor(client):
    client.session.cookie_jar.update_cookies({COOKIE_NAME: "gAAAAAforged"})
    assert not await _logged_in(client)


@pytest.mark.asyncio
async def test_an_outdated_hash_is_replaced_at_login(client, sessionmaker):
    cheap = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with sessionmaker.begin() as session:
        add_user(
            session=session,
            email="old@example.org",
            role="staff",
            affiliate_id=None,
            password_hash=hash_password(PASSWORD, hasher=cheap),
        )
    assert (await _login(client, "old@example.org")).status == 303
    with sessionmaker.begin() as session:
        found = credentials_by_email(session=session, email="old@example.org")
    assert found is not None and "m=65536,t=3,p=4" in found.password_hash


@pytest.mark.asyncio
async def test_without_a_session_secret_pages_answer_503_and_the_rest_works(db_url, engine, accounts):
    client = await _client(Settings(database_url=db_url, api_token=TOKEN))
    try:
        for path in ("/console/", "/console/login"):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 503
            assert "INTAKE_SESSION_SECRET" in await response.text()
            assert response.headers["X-Frame-Options"] == "DENY"
            assert "Set-Cookie" not in response.headers
        assert (await client.post("/console/login", data={})).status == 503
        assert (await client.get("/health")).status == 200
        api = await client.get("/api/affiliates", headers={"Authorization": f"Bearer {TOKEN}"})
        assert api.status == 200
    finally:
        await client.close()


@pytest.mark.asyncio
async def test_the_api_sets_no_session_cookie(client):
    response = await client.get("/api/affiliates", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200
    assert "Set-Cookie" not in response.headers
    # Issue 13: the API carries security headers too, its own (JSON loads nothing), not the pages'.
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.asyncio
async def test_a_database_failure_is_an_html_page_without_details():
    settings = Settings(database_url="postgresql://postgres@127.0.0.1:1/none", session_secret=SECRET)
    client = await _client(settings)
    try:
        response = await _login(client, STAFF)
        html = await response.text()
    finally:
        await client.close()
    # An unreachable database is an outage, not a bug: 503 with when to try again (issue 15).
    assert response.status == 503 and response.content_type == "text/html" and response.headers["Retry-After"]
    assert "cannot reach its database" in html and "127.0.0.1:1" not in html and STAFF not in html
    assert response.headers["X-Frame-Options"] == "DENY"
