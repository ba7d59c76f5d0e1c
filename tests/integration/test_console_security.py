"""Issue 13, console accounts and sessions, over HTTP against a real database (SQLite and
PostgreSQL): the login throttle counted before passwords are checked, server-side sessions
(logout, rotation, idle), the account page, password change and reset, `intake users password`."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import threading
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from console_helpers import PASSWORD, REMOTE_HEADER, SECRET, add_accounts, with_client_addresses
from receivers import SmtpServer
from sqlalchemy import func, insert, select, update

from bot.cli import main
from bot.settings import Settings, SmtpSettings
from bot.staff.passwords import verify_password
from bot.store.accounts.login_failures import count_failures
from bot.store.accounts.users import credentials_by_email
from bot.store.clock import utcnow
from bot.store.tables import console_sessions, login_failures, password_resets
from integrations.console import edge
from integrations.console.app import create_app
from integrations.console.pages import login as login_page
from integrations.console.pages.reset import SENT
from integrations.console.pages.session import COOKIE_NAME

STAFF = "staff@example.org"
NEW_PASSWORD = "a brand new passphrase"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"http://intake\.test/console/reset/([A-Za-z0-9_-]+)")
ACCESS_LOGGER = "test.console.access"
#: The user's usual place, an attacker's addresses elsewhere.
HOME, ELSEWHERE = "192.0.2.10", "198.51.100.{}"


@pytest.fixture
def smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(db_url, engine, sessionmaker, smtp) -> Settings:
    add_accounts(sessionmaker, {STAFF: None})
    return Settings(database_url=db_url, session_secret=SECRET, public_url="http://intake.test",
                    smtp=SmtpSettings(host="127.0.0.1", port=smtp.port, security="plain", timeout=5))


async def _start(settings: Settings) -> TestClient:
    app = with_client_addresses(create_app(settings))
    server = TestServer(app)
    # The console's own access logger, as `python -m integrations.console` runs it.
    await server.start_server(access_log_class=edge.AccessLogger, access_log=logging.getLogger(ACCESS_LOGGER))
    client = TestClient(server)
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def open_client(settings):
    """A function making more clients (browsers) of the same console; all closed afterwards."""
    clients: list[TestClient] = []

    async def make() -> TestClient:
        clients.append(await _start(settings))
        return clients[-1]

    yield make
    for client in clients:
        await client.close()


async def _csrf(client: TestClient, path: str = "/console/login", address: str = HOME) -> str:
    response = await client.get(path, headers={REMOTE_HEADER: address})
    found = CSRF.search(await response.text())
    assert found, f"no CSRF field on {path} ({response.status})"
    return found.group(1)


async def _post(client: TestClient, path: str, form: dict[str, str], *, address: str = HOME, token: str | None = None):
    token = token or await _csrf(client, path if not path.endswith(("/password", "/end")) else "/console/account",
                                 address)
    return await client.post(path, data={"csrf_token": token, **form}, allow_redirects=False,
                             headers={REMOTE_HEADER: address})


async def _login(client: TestClient, password: str = PASSWORD, *, address: str = HOME, email: str = STAFF):
    return await _post(client, "/console/login", {"email": email, "password": password}, address=address)


async def _logged_in(client: TestClient, address: str = HOME) -> bool:
    response = await client.get("/console/", allow_redirects=False, headers={REMOTE_HEADER: address})
    return response.status == 200


def _cookie(client: TestClient) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == COOKIE_NAME)


def _count(sessionmaker, table, *where) -> int:
    with sessionmaker.begin() as session:
        return session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


# --- the throttle ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_forty_parallel_wrong_passwords_check_at_most_the_limit(open_client, sessionmaker, monkeypatch):
    checked = []
    lock = threading.Lock()

    def counting_verify(*args, **kwargs):
        with lock:
            checked.append(1)
        return verify_password(*args, **kwargs)

    monkeypatch.setattr(login_page, "verify_password", counting_verify)
    client = await open_client()
    token = await _csrf(client)
    responses = await asyncio.gather(*(
        _post(client, "/console/login", {"email": STAFF, "password": f"wrong guess {n}"}, token=token)
        for n in range(40)
    ))
    statuses = sorted(response.status for response in responses)
    limit = 5  # Policy().per_email: attempts per (account, client) in the window
    assert len(checked) <= limit
    assert statuses.count(401) == len(checked) and statuses.count(429) == 40 - len(checked)
    assert all(1 <= int(r.headers["Retry-After"]) <= 15 * 60 for r in responses if r.status == 429)
    with sessionmaker.begin() as session:
        assert count_failures(session=session) == len(checked)  # refused attempts leave no row


def _attack(sessionmaker, *, failures: int) -> None:
    """`failures` recent wrong passwords for STAFF, each from another address elsewhere."""
    now = utcnow()
    with sessionmaker.begin() as session:
        for n in range(failures):
            session.execute(insert(login_failures).values(
                email=STAFF, client_ip=ELSEWHERE.format(n + 1), created_at=now - timedelta(seconds=failures - n)))


@pytest.mark.asyncio
async def test_an_attacker_elsewhere_cannot_lock_the_user_out_from_their_usual_place(open_client, sessionmaker):
    user = await open_client()
    assert (await _login(user)).status == 303  # the user has worked from HOME before
    _attack(sessionmaker, failures=30)
    attacker = await open_client()
    refused = await _login(attacker, address=ELSEWHERE.format(99))  # even with the right password
    assert refused.status == 429 and 1 <= int(refused.headers["Retry-After"]) <= 5 * 60
    other_browser = await open_client()
    assert (await _login(other_browser, address="192.0.2.77")).status == 303  # same network: trusted


@pytest.mark.asyncio
async def test_from_a_new_place_the_back_off_delays_the_user_at_most_five_minutes(open_client, sessionmaker):
    _attack(sessionmaker, failures=30)
    client = await open_client()
    refused = await _login(client, address="203.0.113.5")
    wait = int(refused.headers["Retry-After"])
    assert refused.status == 429 and 1 <= wait <= 5 * 60
    with sessionmaker.begin() as session:  # the wait passes: the attack is that much older
        session.execute(update(login_failures).values(created_at=utcnow() - timedelta(seconds=wait + 1)))
    assert (await _login(client, address="203.0.113.5")).status == 303


# --- sessions --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_cookie_copied_before_logout_is_refused_after(open_client, sessionmaker):
    client = await open_client()
    await _login(client)
    copied = _cookie(client)
    thief = await open_client()
    thief.session.cookie_jar.update_cookies({COOKIE_NAME: copied})
    assert await _logged_in(thief)
    logout = await _post(client, "/console/logout", {}, token=await _csrf(client, "/console/"))
    assert logout.status == 303
    assert not await _logged_in(thief)
    assert _count(sessionmaker, console_sessions, console_sessions.c.revoked_at.is_(None)) == 0


@pytest.mark.asyncio
async def test_login_rotates_the_token_and_a_planted_one_is_never_promoted(open_client):
    victim = await open_client()
    before = (await _csrf(victim), _cookie(victim))  # an anonymous token (the attacker could plant it)
    assert (await _login(victim)).status == 303
    after = _cookie(victim)
    assert after != before[1]
    attacker = await open_client()
    attacker.session.cookie_jar.update_cookies({COOKIE_NAME: before[1]})
    assert not await _logged_in(attacker)
    assert await _logged_in(victim)
    assert await _csrf(victim, "/console/") != before[0]  # a new CSRF token with the new session


@pytest.mark.asyncio
async def test_an_idle_or_expired_session_ends(open_client, sessionmaker):
    client = await open_client()
    await _login(client)
    with sessionmaker.begin() as session:
        session.execute(update(console_sessions).values(last_seen_at=utcnow() - timedelta(hours=2, minutes=1)))
    assert not await _logged_in(client)
    await _login(client)
    with sessionmaker.begin() as session:
        session.execute(update(console_sessions).where(console_sessions.c.revoked_at.is_(None))
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert not await _logged_in(client)


@pytest.mark.asyncio
async def test_the_account_page_lists_sessions_and_ends_one(open_client, sessionmaker):
    laptop, phone = await open_client(), await open_client()
    await _login(laptop)
    token = await _csrf(phone)
    await phone.post("/console/login", data={"csrf_token": token, "email": STAFF, "password": PASSWORD},
                     headers={REMOTE_HEADER: "203.0.113.9", "User-Agent":
                              "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"},
                     allow_redirects=False)
    page = await laptop.get("/console/account", headers={REMOTE_HEADER: HOME})
    html = await page.text()
    assert page.status == 200
    assert "Chrome on Android" in html and "203.0.113.0/24" in html and "192.0.2.0/24" in html
    assert "203.0.113.9" not in html  # the network, never the address
    assert "(this session)" in html
    with sessionmaker.begin() as session:
        phone_id = session.execute(select(console_sessions.c.id)
                                   .where(console_sessions.c.client == "203.0.113.0/24")).scalar_one()
    ended = await _post(laptop, "/console/account/sessions/end", {"session": phone_id})
    assert ended.status == 303 and ended.headers["Location"] == "/console/account?done=ended"
    assert not await _logged_in(phone) and await _logged_in(laptop)


@pytest.mark.asyncio
async def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(open_client, sessionmaker):
    mine, other = await open_client(), await open_client()
    await _login(mine)
    await _login(other)
    wrong = await _post(mine, "/console/account/password",
                        {"current": "not my password", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert wrong.status == 401 and await _logged_in(other)
    short = await _post(mine, "/console/account/password", {"current": PASSWORD, "new": "short", "repeat": "short"})
    assert short.status == 400
    changed = await _post(mine, "/console/account/password",
                          {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert changed.status == 303 and changed.headers["Location"] == "/console/account?done=password"
    assert await _logged_in(mine) and not await _logged_in(other)
    assert (await _login(other)).status == 401
    assert (await _login(other, NEW_PASSWORD)).status == 303


# --- reset by e-mailed link ------------------------------------------------------------------


async def _mails(smtp: SmtpServer, predicate, timeout: float = 20.0) -> list:
    """The received e-mails matching `predicate`, waiting for one without blocking the event
    loop (the console sends from it, after answering)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        found = [m for m in list(smtp.inbox.messages) if predicate(m)]
        if found:
            return found
        await asyncio.sleep(0.05)
    return []


def _body(mail) -> str:
    return mail.get_payload(decode=True).decode("utf-8")


def _link(mail) -> str:
    found = LINK.search(_body(mail))
    assert found, "the e-mail carries the link"
    return found.group(1)


async def _forgot(client: TestClient, email: str, address: str = HOME):
    return await _post(client, "/console/forgot", {"email": email}, address=address)


@pytest.mark.asyncio
async def test_a_reset_link_works_once_and_ends_every_session(open_client, smtp, sessionmaker, caplog):
    logged_in = await open_client()
    await _login(logged_in)
    client = await open_client()
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        known = await _forgot(client, STAFF)
        unknown = await _forgot(client, "nobody@example.org")
        assert known.status == unknown.status == 200
        assert SENT in await known.text() and SENT in await unknown.text()
        mails = await _mails(smtp, lambda m: m["To"] == STAFF)
        assert len(mails) == 1
        token = _link(mails[0])
        path = f"/console/reset/{token}"
        assert (await client.get(path)).status == 200
        done = await _post(client, path, {"new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
                           token=await _csrf(client, path))
        assert done.status == 200 and "Password changed" in await done.text()
        again = await client.get(path)
        assert again.status == 410
    assert not await _logged_in(logged_in)
    assert (await _login(client, NEW_PASSWORD)).status == 303
    with sessionmaker.begin() as session:
        stored = session.execute(select(password_resets.c.token_hash)).scalars().all()
    assert stored and token not in stored  # only a hash is kept
    access = "\n".join(record.getMessage() for record in caplog.records if record.name == ACCESS_LOGGER)
    assert "/console/reset/…" in access and token not in access


@pytest.mark.asyncio
async def test_a_reset_link_expires_and_a_newer_one_replaces_it(open_client, smtp, sessionmaker):
    client = await open_client()
    await _forgot(client, STAFF)
    first = _link((await _mails(smtp, lambda m: m["To"] == STAFF))[0])
    with sessionmaker.begin() as session:  # a minute later (no second mail within one)
        session.execute(update(password_resets).values(created_at=utcnow() - timedelta(minutes=2)))
    await _forgot(client, STAFF)
    second = _link((await _mails(smtp, lambda m: m["To"] == STAFF and first not in _body(m)))[0])
    assert (await client.get(f"/console/reset/{first}")).status == 410  # replaced by the newer one
    assert (await client.get(f"/console/reset/{second}")).status == 200
    with sessionmaker.begin() as session:
        session.execute(update(password_resets).values(expires_at=utcnow() - timedelta(seconds=1)))
    path = f"/console/reset/{second}"
    response = await _post(client, path, {"new": NEW_PASSWORD, "repeat": NEW_PASSWORD}, token=await _csrf(client))
    assert response.status == 410
    with sessionmaker.begin() as session:
        found = credentials_by_email(session=session, email=STAFF)
    assert found is not None and verify_password(found.password_hash, PASSWORD).ok  # unchanged


@pytest.mark.asyncio
async def test_reset_requests_are_throttled_per_client_address(open_client):
    client = await open_client()
    for n in range(5):
        assert (await _forgot(client, f"someone{n}@example.org")).status == 200
    refused = await _forgot(client, STAFF)
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert (await _forgot(client, STAFF, address="203.0.113.20")).status == 200


# --- the command line ------------------------------------------------------------------------


def test_intake_users_password_sets_it_and_ends_the_sessions(db_url, engine, sessionmaker, monkeypatch, capsys):
    add_accounts(sessionmaker, {STAFF: None})
    with sessionmaker.begin() as session:
        user = credentials_by_email(session=session, email=STAFF)
        assert user is not None
        session.execute(insert(console_sessions).values(
            id="a" * 64, user_id=user.user.id, created_at=utcnow(), last_seen_at=utcnow(),
            expires_at=utcnow() + timedelta(hours=1), user_agent="", client=""))
    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    out = io.StringIO()
    code = main(["users", "password", "--email", "Staff@Example.org", "--password-stdin"],
                stdin=io.StringIO(NEW_PASSWORD + "\n"), stdout=out)
    assert code == 0, capsys.readouterr().err
    assert out.getvalue() == f"set a new password for {STAFF}; their console sessions have ended\n"
    assert NEW_PASSWORD not in out.getvalue() + capsys.readouterr().err
    with sessionmaker.begin() as session:
        found = credentials_by_email(session=session, email=STAFF)
    assert found is not None and verify_password(found.password_hash, NEW_PASSWORD).ok
    assert _count(sessionmaker, console_sessions, console_sessions.c.revoked_at.is_(None)) == 0
    unknown = main(["users", "password", "--email", "nobody@example.org", "--password-stdin"],
                   stdin=io.StringIO(NEW_PASSWORD + "\n"), stdout=io.StringIO())
    short = main(["users", "password", "--email", STAFF, "--password-stdin"], stdin=io.StringIO("short\n"),
                 stdout=io.StringIO())
    no_stdin = main(["users", "password", "--email", STAFF], stdin=io.StringIO(""), stdout=io.StringIO())
    assert (unknown, short, no_stdin) == (2, 2, 2)
