"""Least privilege for affiliates against real databases: staff-only and shared notes, and what
an affiliate sees after it declined, on the console's pages and in the JSON API."""
from __future__ import annotations

import pytest
import pytest_asyncio
from console_helpers import add_accounts, console_client, csrf_token, log_in
from fakes import FakeDecision
from sqlalchemy import select, text

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import make_engine, submit_inquiry, upgrade
from bot.store.accounts.api_tokens import add_token
from bot.store.tables import inquiry_notes

STAFF, FR, GLAM = "ana@wikimedia.example", "marie@wikimedia-fr.example", "paul@glam.example"
PARTNER = "camille@musee.example"
ADMIN = "the-env-token"


@pytest.fixture
def world(sessionmaker) -> dict[str, str]:
    """An inquiry routed to wm-fr (alternatives ug-fr-glam, wmf-partnerships), and wm-fr's API token."""
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr", GLAM: "ug-fr-glam"})
    with sessionmaker.begin() as session:
        inquiry = Inquiry(conversation_id="c-lyon", partnership_type=PartnershipType.CONTENT_DONATION,
                          organization_name="Musée de Lyon", organization_type=OrganizationType.MUSEUM, country="FR",
                          description="photos", contact_name="Camille Martin", contact_email=PARTNER, consent=True)
        reference = submit_inquiry(
            session=session, inquiry=inquiry, qualification=qualify(inquiry),
            decision=FakeDecision(affiliate_id="wm-fr", alternatives=("ug-fr-glam", "wmf-partnerships")),
        ).reference
        token = add_token(session=session, name="wm-fr crm", affiliate_id="wm-fr")
    return {"reference": reference, "fr-token": token}


@pytest_asyncio.fixture
async def client(db_url, engine, world):
    client = await console_client(db_url, api_token=ADMIN)
    yield client
    await client.close()


async def _as(client, email: str) -> None:
    client.session.cookie_jar.clear()
    await log_in(client, email)


async def _note(client, path: str, body: str, **extra: str) -> None:
    response = await client.post(path + "/notes", data={"csrf_token": await csrf_token(client, path), "note": body,
                                                        **extra}, allow_redirects=False)
    assert response.status == 303, await response.text()


async def _page(client, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200
    return await response.text()


async def _api(client, path: str, token: str) -> dict:
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    return await response.json()


@pytest.mark.asyncio
async def test_notes_are_staff_only_unless_shared_and_affiliates_write_only_shared_notes(client, world, sessionmaker):
    path = f"/console/inquiries/{world['reference']}"
    await _as(client, STAFF)
    form = await _page(client, path)
    assert 'name="visibility" value="staff" checked' in form
    await _note(client, path, "budget is tight (staff only)")
    await _note(client, path, "please call them this week", visibility="shared")
    bad = await client.post(path + "/notes", data={"csrf_token": await csrf_token(client, path), "note": "x",
                                                   "visibility": "everyone"}, allow_redirects=False)
    assert bad.status == 400
    await _as(client, FR)
    html = await _page(client, path)
    assert "please call them this week" in html and "budget is tight" not in html
    assert "Wikimedia staff" in html and STAFF not in html
    assert 'name="visibility"' not in html
    await _note(client, path, "we will call on Monday", visibility="staff")  # an affiliate cannot hide a note
    with sessionmaker() as session:
        stored = dict(session.execute(select(inquiry_notes.c.body, inquiry_notes.c.visibility)).all())
    assert stored == {"budget is tight (staff only)": "staff", "please call them this week": "shared",
                      "we will call on Monday": "shared"}
    await _as(client, STAFF)
    staff_page = await _page(client, path)
    assert "budget is tight" in staff_page and "staff only" in staff_page and FR in staff_page


@pytest.mark.asyncio
async def test_after_a_decline_the_affiliate_sees_only_what_it_saw_while_holding(client, world):
    ref = world["reference"]
    path = f"/console/inquiries/{ref}"
    await _as(client, FR)
    await _note(client, path, "not for us, sorry")
    declined = await client.post(path + "/decline", data={"csrf_token": await csrf_token(client, path),
                                                          "reason": "not our region", "confirm": "yes"},
                                 allow_redirects=False)
    assert declined.status == 303
    # Later: the next affiliate and staff write, staff re-assign it, the partner's contact is there.
    await _as(client, GLAM)
    assert "Camille Martin" in await _page(client, path)
    await _note(client, path, "we met them; contact via the curator")
    await _as(client, STAFF)
    await _note(client, path, "later staff note, shared", visibility="shared")
    await _note(client, path, "staff-only remark")

    await _as(client, FR)
    html = await _page(client, path)
    assert "not our region" in html and "not for us, sorry" in html and FR in html  # its own words and people
    for later in ("we met them", "later staff note", "staff-only remark", "re-routed to",
                  "Camille Martin", PARTNER, GLAM, STAFF):
        assert later not in html, later
    # Where its decline sent the inquiry, as the confirmation said (issue 16), and nothing after.
    assert "moved to ug-fr-glam, the next affiliate in line" in html and html.count("ug-fr-glam") == 1
    assert "no longer with your affiliate" in html
    assert "Accept this inquiry" not in html

    inquiry = await _api(client, f"/api/inquiries/{ref}", world["fr-token"])
    assert inquiry["status"] == "declined"
    assert inquiry["contact"] == {"name": None, "email": None}
    assert inquiry["routing"]["affiliate_id"] == "wm-fr" and inquiry["routing"]["rule"] == "country:chapter"
    assert set(inquiry) == set(await _api(client, f"/api/inquiries/{ref}", ADMIN))  # DESIGN.md's shape
    [listed] = await _api(client, "/api/inquiries", world["fr-token"])
    assert listed == inquiry
    assert await _api(client, "/api/inquiries?affiliate=ug-fr-glam", world["fr-token"]) == []
    staff = await _api(client, f"/api/inquiries/{ref}", ADMIN)
    assert staff["routing"]["affiliate_id"] == "ug-fr-glam" and staff["contact"]["email"] == PARTNER

    csv = await (await client.get("/console/inquiries.csv")).text()
    assert ref in csv and PARTNER not in csv and "ug-fr-glam" not in csv


def test_existing_notes_become_shared(db_url):
    """Notes written before visibility existed were readable by the affiliate: they stay so."""
    upgrade(db_url, revision="0005")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO inquiries (id, reference, conversation_id, status, created_at, language, consent, "
                "qualification_reasons) VALUES (1, 'WMP-OLD', 'c-old', 'routed', '2026-01-01 00:00:00', 'en', false, '[]')"))
            connection.execute(text(
                "INSERT INTO inquiry_notes (inquiry_id, author, body, created_at) "
                "VALUES (1, 'old@example.org', 'an old note', '2026-01-02 00:00:00')"))
        upgrade(db_url)
        with engine.connect() as connection:
            assert connection.execute(select(inquiry_notes.c.visibility)).scalar_one() == "shared"
    finally:
        engine.dispose()


@pytest.mark.asyncio
async def test_the_dashboard_of_an_affiliate_that_declined_says_nothing_of_where_it_went(client, world, engine):
    from rasa_events import create_events_table

    create_events_table(engine)
    path = f"/console/inquiries/{world['reference']}"
    await _as(client, FR)
    await client.post(path + "/decline", data={"csrf_token": await csrf_token(client, path), "reason": "no",
                                               "confirm": "yes"}, allow_redirects=False)
    await _as(client, GLAM)
    accepted = await client.post(path + "/accept", data={"csrf_token": await csrf_token(client, path),
                                                         "confirm": "yes"}, allow_redirects=False)
    assert accepted.status == 303
    await _as(client, FR)
    html = await _page(client, "/console/dashboard")
    assert "Wikimédia France" in html and "ug-fr-glam" not in html
    await _as(client, STAFF)
    assert "ug-fr-glam" in await _page(client, "/console/dashboard")
