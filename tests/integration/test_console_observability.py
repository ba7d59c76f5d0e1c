"""The console's observability (issue 15): /metrics behind a full-access token, latency by route
template, a request id on every request, JSON log lines with it and without an inquiry's words,
and /health on a real console process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer

from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import Settings
from bot.store import upgrade
from bot.store.accounts.api_tokens import add_token
from integrations.console.app import create_app
from integrations.stack.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "observability-token-" + "x" * 20
#: The partner's words: they must never reach a log line.
WORDS = "Zebulon-Quixotic-Marmalade archive of 1,234 glass plates"
SLOTS = {
    "language": "fr", "partnership_type": "content_donation", "organization_name": "Musée Observé",
    "organization_type": "museum", "country": "FR", "content_language": "fr", "licence": "cc_by_sa",
    "project_description": WORDS, "consent": True, "contact_name": "Camille Observée",
    "contact_email": "camille.observee@example.org",
}


def _reference(sessionmaker) -> str:
    return submit(sessionmaker=sessionmaker, router=default_router(), conversation_id="conv-observed",
                  slots=SLOTS, endpoints=None).reference


async def _client(settings: Settings) -> TestClient:
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


@pytest.mark.asyncio
async def test_metrics_need_a_full_access_token_and_name_route_templates(db_url, sessionmaker):
    reference = _reference(sessionmaker)
    with sessionmaker.begin() as session:
        affiliate_token = add_token(session=session, name="wm-fr feed", affiliate_id="wm-fr")
        staff_token = add_token(session=session, name="prometheus", affiliate_id=None)
    client = await _client(Settings(database_url=db_url, api_token=TOKEN))
    try:
        assert (await client.get(f"/api/inquiries/{reference}", headers={"Authorization": f"Bearer {TOKEN}"})).status == 200
        assert (await client.get("/no/such/page")).status == 404
        assert (await client.get("/metrics")).status == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
        assert (await client.get("/metrics", headers={"Authorization": f"Bearer {affiliate_token}"})).status == 403
        assert (await client.get("/metrics", headers={"Authorization": f"Bearer {staff_token}"})).status == 200
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        body = await response.text()
    finally:
        await client.close()
    assert response.status == 200 and response.content_type == "text/plain"
    assert ('intake_http_request_duration_seconds_count{method="GET",route="/api/inquiries/{reference}",'
            'status="200"}') in body
    assert 'route="unmatched",status="404"' in body
    assert reference not in body and "no/such" not in body  # templates, never raw paths


@pytest.mark.asyncio
async def test_every_response_carries_a_request_id(db_url, engine):
    client = await _client(Settings(database_url=db_url, api_token=TOKEN))
    try:
        given = await client.get("/health", headers={"X-Request-ID": "lb-1234abcd"})
        forged = await client.get("/health", headers={"X-Request-ID": "x\" injected: yes"})
        fresh = [await client.get("/health") for _ in range(2)]
        refused = await client.get("/api/inquiries")  # a 401 is answered with one too
    finally:
        await client.close()
    assert given.headers["X-Request-ID"] == "lb-1234abcd"
    assert forged.headers["X-Request-ID"] != "x\" injected: yes" and len(forged.headers["X-Request-ID"]) == 32
    assert fresh[0].headers["X-Request-ID"] != fresh[1].headers["X-Request-ID"]
    assert refused.status == 401 and refused.headers["X-Request-ID"]


def _serve(db_url: str, port: int, **extra: str) -> subprocess.Popen:
    env = dict(os.environ, INTAKE_DATABASE_URL=db_url, INTAKE_API_TOKEN=TOKEN, INTAKE_CONSOLE_PORT=str(port),
               INTAKE_LOG_FORMAT="json", PYTHONPATH=str(ROOT), **extra)
    return subprocess.Popen([sys.executable, "-m", "integrations.console"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(url + "/health", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("the console did not start")


def test_a_real_console_logs_json_lines_with_the_request_id_and_no_partner_words(db_url, sessionmaker):
    reference = _reference(sessionmaker)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    console = _serve(db_url, port)
    try:
        _wait_up(url, console)
        auth = {"Authorization": f"Bearer {TOKEN}", "X-Request-ID": "trace-0001-abcd"}
        detail = requests.get(f"{url}/api/inquiries/{reference}", headers=auth, timeout=10)
        listing = requests.get(f"{url}/api/inquiries", params={"conversation_id": "conv-observed"}, headers=auth,
                               timeout=10)
        assert WORDS in detail.text and WORDS in listing.text  # the words were served...
        assert detail.headers["X-Request-ID"] == "trace-0001-abcd"
        health = requests.get(f"{url}/health", timeout=10)
    finally:
        console.terminate()
        stderr, _ = console.communicate(timeout=30)  # stdout and stderr: every line JSON
    assert health.status_code == 200 and health.json() == {"status": "ok", "checks": {"database": "ok"}}
    lines = [line for line in stderr.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"timestamp", "level", "logger", "message", "request_id"} <= set(e) for e in entries)
    traced = [e for e in entries if e["request_id"] == "trace-0001-abcd"]
    assert any(e["message"].startswith("GET /api/inquiries/") and " 200 " in e["message"] for e in traced), lines
    # ...but never logged: not the description, not the contact, not the conversation id.
    for secret in (WORDS, "Zebulon", "camille.observee", "Camille Observée", "conv-observed"):
        assert secret not in stderr


def test_a_real_console_answers_503_on_health_when_its_database_is_down():
    """PostgreSQL becomes unreachable under a running console (its connections cut by a TCP
    proxy): /health says so, without the database's location, and recovers with it."""
    base = os.environ.get("INTAKE_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("INTAKE_TEST_POSTGRES_URL is not set")
    from tcp_proxy import postgres_behind_proxy

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with postgres_behind_proxy(base, "health_outage") as (proxy, through_proxy, direct):
        upgrade(direct)
        console = _serve(through_proxy, port)
        try:
            _wait_up(url, console)
            assert requests.get(f"{url}/health", timeout=10).status_code == 200
            proxy.cut()
            response = requests.get(f"{url}/health", timeout=30)
        finally:
            console.terminate()
            console.communicate(timeout=30)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert "127.0.0.1" not in response.text and "postgres" not in response.text
