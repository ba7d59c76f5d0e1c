"""Logged-in console clients for the page tests: accounts, the CSRF token, login."""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.staff.passwords import hash_password
from bot.store.accounts.users import add_user
from integrations.console.app import create_app

PASSWORD = "correct horse battery"
SECRET = "a-session-secret-for-tests-only"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NOWRAP = re.compile(r'<span class="nowrap"(?: title="[^"]*")?>([^<]*)</span>')
_CELL_LABEL = re.compile(r' data-label="[^"]*"')


def cells(html: str) -> str:
    """The page without its cells' data-label attributes (their column's name, which a phone
    shows on each stacked card) nor the spans keeping a week label on one line (and giving its
    ISO week on hover), for assertions
    that read a table's cells."""
    return _NOWRAP.sub(r"\1", _CELL_LABEL.sub("", html))


def add_accounts(sessionmaker, accounts: dict[str, str | None]) -> None:
    """Users by e-mail -> affiliate id (None: staff), all with PASSWORD."""
    with sessionmaker.begin() as session:
        for email, affiliate in accounts.items():
            add_user(session=session, email=email, role="affiliate" if affiliate else "staff",
                     affiliate_id=affiliate, password_hash=hash_password(PASSWORD))


async def console_client(db_url: str, **settings) -> TestClient:
    client = TestClient(TestServer(create_app(Settings(database_url=db_url, session_secret=SECRET, **settings))))
    await client.start_server()
    return client


async def csrf_token(client: TestClient, path: str = "/console/login") -> str:
    response = await client.get(path)
    found = CSRF.search(await response.text())
    assert found, f"no CSRF field on {path} ({response.status})"
    return found.group(1)


async def log_in(client: TestClient, email: str) -> None:
    token = await csrf_token(client)
    response = await client.post("/console/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                                 allow_redirects=False)
    assert response.status == 303, await response.text()


#: Header with which a test plays another client address (see `with_client_addresses`).
REMOTE_HEADER = "X-Test-Client-Address"


def with_client_addresses(app):
    """Let requests say which client address the server should see (tests only): the throttle and
    the sessions read `request.remote`, and every test client connects from 127.0.0.1."""
    from aiohttp import web

    @web.middleware
    async def remote(request, handler):
        address = request.headers.get(REMOTE_HEADER)
        return await handler(request.clone(remote=address) if address else request)

    app.middlewares.insert(0, remote)
    return app
