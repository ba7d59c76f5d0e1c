"""The real Rasa server, action server, console and delivery worker on free ports, against a
fresh SQLite file, delivering to a real local webhook receiver and SMTP server."""
from __future__ import annotations

import base64
import os
import secrets
import uuid

import pytest
import socketio_client_compat  # noqa: F401 - the tests' socket.io client on aiohttp 3.9
from receivers import SmtpServer, WebhookReceiver

from bot.nlp.train import train
from integrations.stack.processes import Stack, base_env, free_port

# A Standard Webhooks secret (whsec_ + base64), as the official libraries take it.
WEBHOOK_SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@pytest.fixture(scope="session")
def peers():
    receiver, smtp = WebhookReceiver(), SmtpServer()
    receiver.start()
    smtp.start()
    yield receiver, smtp
    receiver.stop()
    smtp.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, peers):
    receiver, smtp = peers
    workdir = tmp_path_factory.mktemp("e2e")
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        "default:\n"
        f"  webhook: {{url: '{receiver.url}', secret: '{WEBHOOK_SECRET}'}}\n"
        "  email: ['partnerships@example.org']\n"
        "  response_days: 7\n"
    )
    model = train()
    env = base_env(
        INTAKE_DATABASE_URL=f"sqlite:///{workdir / 'intake.db'}",
        INTAKE_RASA_PORT=str(free_port()),
        INTAKE_ACTIONS_PORT=str(free_port()),
        INTAKE_CONSOLE_PORT=str(free_port()),
        INTAKE_API_TOKEN=secrets.token_urlsafe(32),
        INTAKE_LINK_SECRET=secrets.token_urlsafe(32),
        INTAKE_SESSION_SECRET=secrets.token_urlsafe(32),
        # Rasa's HTTP API on, behind its own secret: the drivers read trackers with its JWT.
        INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
        # Every test talks from 127.0.0.1 and many submit inquiries: the per-address limits would
        # stop the suite, so they are off here (tests/integration/test_channel_limits.py covers
        # them); the per-conversation one stays on, loose enough for any scripted intake
        # (tests/e2e/test_abuse_limits.py bursts past it).
        INTAKE_RATE_CONVERSATION_PER_MINUTE="60", INTAKE_RATE_CONVERSATION_BURST="40",
        INTAKE_RATE_CLIENT_PER_MINUTE="0", INTAKE_MAX_INQUIRIES_PER_HOUR="0",
        INTAKE_ENDPOINTS_FILE=str(endpoints),
        INTAKE_SMTP_HOST="127.0.0.1",
        INTAKE_SMTP_PORT=str(smtp.port),
        INTAKE_SMTP_SECURITY="plain",  # the test's aiosmtpd on loopback has no TLS
        INTAKE_DELIVERY_POLL_SECONDS="0.3",
        # No lookups on the real Wikidata or Commons from tests (tests/integration/test_wikidata_lookups.py
        # and test_recognition_reports.py run the worker against local fakes of their APIs).
        INTAKE_WIKIDATA_API_URL="",
        INTAKE_COMMONS_API_URL="",
        # The worker's /metrics and /health (tests/e2e/test_observability.py).
        INTAKE_WORKER_METRICS_PORT=str(free_port()),
        # Staff hear of every request for a person (issue 14): by e-mail and a signed webhook.
        INTAKE_HANDOFF_EMAIL="partner-desk@example.org",
        INTAKE_HANDOFF_WEBHOOK_URL=receiver.url,
        INTAKE_HANDOFF_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    from bot.store import upgrade

    upgrade(env["INTAKE_DATABASE_URL"])
    running = Stack(env=env, model=model, log_dir=workdir / "logs")
    running.start()
    try:
        running.wait_ready(timeout=240)
        yield running
    finally:
        running.stop()


@pytest.fixture
def sender() -> str:
    """A partner's secret session key (32-128 characters of [A-Za-z0-9_-])."""
    return f"e2e-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright; skipped locally without it, a failure in CI."""
    from pathlib import Path

    from widget_driver import CHROMIUM, launch

    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("INTAKE_TEST_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
