"""The widget's files on the console: one loader with its configuration, the socket.io client,
the demo page and the privacy notice, cached and compressed."""
from __future__ import annotations

import json
import re

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from integrations.console.app import create_app
from integrations.webchat import routes


@pytest_asyncio.fixture
async def client(tmp_path):
    settings = Settings.from_env({
        "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'intake.db'}",
        "INTAKE_PUBLIC_URL": "https://partners.example.org",
        "INTAKE_RASA_PUBLIC_URL": "https://chat.example.org",
    })
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    yield client
    await client.close()


def config_of(script: str) -> dict:
    found = re.search(r"\}\)\((\{.*\})\);\s*$", script)
    assert found, "the loader carries no configuration"
    return json.loads(found.group(1))


@pytest.mark.asyncio
async def test_the_loader_carries_where_to_connect(client):
    response = await client.get("/widget.js")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    config = config_of(await response.text())
    assert config["socketUrl"] == "https://chat.example.org"
    assert config["privacyUrl"] == "https://partners.example.org/privacy"
    assert config["languages"][0] == ["en", "English"]  # the picker lists what the bot speaks
    assert re.fullmatch(r"https://partners\.example\.org/webchat/socket\.io\.min\.js\?v=\d+\.\d+\.\d+", config["socketClient"])


@pytest.mark.asyncio
async def test_repeat_visits_cost_a_304_and_files_are_compressed(client):
    first = await client.get("/widget.js", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    again = await client.get("/widget.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    socket_client = await client.get("/webchat/socket.io.min.js", headers={"Accept-Encoding": "gzip"})
    assert socket_client.status == 200 and "immutable" in socket_client.headers["Cache-Control"]


@pytest.mark.asyncio
async def test_demo_page_and_privacy_notice(client):
    demo = await client.get("/")
    html = await demo.text()
    assert demo.status == 200 and 'src="/widget.js" data-language="auto" async' in html
    privacy = await client.get("/privacy")
    assert privacy.status == 200 and "Privacy notice" in await privacy.text()


@pytest.mark.asyncio
async def test_a_missing_socket_client_is_a_clear_503(client, monkeypatch, tmp_path):
    monkeypatch.setattr(routes, "SOCKET_CLIENT", tmp_path / "missing.js")
    assets = routes.build_assets(Settings.from_env({}))
    assert "/webchat/socket.io.min.js" not in assets
    client.app[routes.ASSETS].pop("/webchat/socket.io.min.js")
    response = await client.get("/webchat/socket.io.min.js")
    assert response.status == 503 and "make web" in await response.text()
