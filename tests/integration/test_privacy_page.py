"""`/privacy` as browsers get it: in each language, with this deployment's retention periods and
contact address, well-formed, right-to-left in Arabic, chosen by ?lang= and Accept-Language."""
from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from integrations.console.app import create_app
from integrations.webchat.privacy import days

LANGUAGES = ("en", "es", "fr", "pt", "de", "ar")
CONTACT = "dpo@example.org"
VOID = {"meta", "link", "br", "img", "input", "hr"}


@pytest_asyncio.fixture
async def client(tmp_path):
    settings = Settings.from_env({
        "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'intake.db'}",
        "INTAKE_RETENTION_DAYS_ABANDONED": "45", "INTAKE_RETENTION_DAYS": "400",
    })
    client = TestClient(TestServer(create_app(dataclasses.replace(settings, general_contact=CONTACT))))
    await client.start_server()
    yield client
    await client.close()


class Page(HTMLParser):
    """The page's text, its root attributes, its links, and any tag left open or closed twice."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.root: dict[str, str | None] = {}
        self.links: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.root = dict(attrs)
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        self.in_style = tag == "style"
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        self.in_style = False
        if not self.open or self.open.pop() != tag:
            self.errors.append(f"unexpected </{tag}>")

    def handle_data(self, data):
        if not self.in_style:
            self.text.append(data)


def parsed(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.mark.asyncio
@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_notice_states_the_retention_periods_and_the_contact_in_each_language(client, language):
    response = await client.get("/privacy", params={"lang": language})
    assert response.status == 200 and response.headers["Content-Language"] == language
    html = await response.text()
    page = parsed(html)
    assert page.errors == [] and page.open == []
    assert page.root == {"lang": language, "dir": "rtl" if language == "ar" else "ltr"}
    text = " ".join(" ".join(page.text).split())
    assert days(45, language) in text and days(400, language) in text
    assert CONTACT in text and f"mailto:{CONTACT}" in page.links
    assert "WMP-" in text  # how a partner recognises the reference to quote
    assert not re.search(r"\{[a-z_]+\}", html)  # every placeholder filled
    assert "partnerships@wikimedia.org" not in html  # the configured contact, not a hard-coded one
    assert {f"/privacy?lang={code}" for code in LANGUAGES} <= set(page.links)


@pytest.mark.asyncio
async def test_the_browsers_language_chooses_the_page_and_caches_keep_one_per_language(client):
    german = await client.get("/privacy", headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})
    assert german.headers["Content-Language"] == "de" and "Datenschutzhinweis" in await german.text()
    assert "Accept-Language" in german.headers["Vary"]
    chosen = await client.get("/privacy?lang=ar", headers={"Accept-Language": "de"})
    assert chosen.headers["Content-Language"] == "ar" and 'dir="rtl"' in await chosen.text()
    unknown = await client.get("/privacy?lang=zz", headers={"Accept-Language": "zz, ja;q=0.5"})
    assert unknown.headers["Content-Language"] == "en" and "Privacy notice" in await unknown.text()
    again = await client.get("/privacy?lang=ar", headers={"If-None-Match": chosen.headers["ETag"]})
    assert again.status == 304
    other = await client.get("/privacy?lang=fr", headers={"If-None-Match": chosen.headers["ETag"]})
    assert other.status == 200  # another language is another page
