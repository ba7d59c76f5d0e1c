"""The console's inquiry pages against a real database: list, filters, CSV, detail, notes,
re-assignment, accept / decline, and an affiliate seeing nothing of another's inquiries."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest
import pytest_asyncio
from console_helpers import add_accounts, cells, console_client, csrf_token, log_in
from fakes import FakeDecision
from sqlalchemy import select

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry
from bot.store.tables import deliveries, routing_decisions, status_history
from integrations.console.pages.inquiries import csv_cell

STAFF, FR, US = "staff@example.org", "fr@example.org", "us@example.org"
EVIL = "<script>alert(1)</script>"


@pytest.fixture
def references(sessionmaker) -> dict[str, str]:
    """Inquiries: two routed to wm-fr (one a museum with a hostile name), one to wikiedu."""
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr", US: "wikiedu"})
    out = {}
    rows = [
        ("c-lyon", "Musée de Lyon", OrganizationType.MUSEUM, "FR", "wm-fr", "photos of the city", True),
        ("c-evil", EVIL, OrganizationType.ARCHIVE, "FR", "wm-fr", "=HYPERLINK(\"http://x\") " + EVIL, False),
        ("c-ohio", "Ohio State University", OrganizationType.UNIVERSITY, "US", "wikiedu", "a course", True),
    ]
    with sessionmaker.begin() as session:
        for conv, name, kind, country, affiliate, description, consent in rows:
            inquiry = Inquiry(conversation_id=conv, partnership_type=PartnershipType.CONTENT_DONATION,
                              organization_name=name, organization_type=kind, country=country,
                              region="US-OH" if country == "US" else None,
                              description=description, contact_name="Alex Example",
                              contact_email="alex@example.org", consent=consent)
            out[conv] = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                       decision=FakeDecision(affiliate_id=affiliate)).reference
    return out


@pytest_asyncio.fixture
async def client(db_url, engine, references):
    client = await console_client(db_url)
    yield client
    await client.close()


async def page(client, path: str, status: int = 200) -> str:
    response = await client.get(path, allow_redirects=False)
    assert response.status == status, (path, response.status)
    return await response.text()


@pytest.mark.asyncio
async def test_staff_list_filters_searches_sorts_and_escapes(client, references):
    await log_in(client, STAFF)
    html = await page(client, "/console/inquiries")
    assert all(ref in html for ref in references.values())
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    only_us = await page(client, "/console/inquiries?country=us")
    assert references["c-ohio"] in only_us and references["c-lyon"] not in only_us
    by_affiliate = await page(client, "/console/inquiries?affiliate=wm-fr&q=lyon")
    assert references["c-lyon"] in by_affiliate and references["c-evil"] not in by_affiliate
    by_description = await page(client, "/console/inquiries?q=COURSE")
    assert references["c-ohio"] in by_description and "1 inquiry" in by_description
    ascending = await page(client, "/console/inquiries?sort=organisation&order=asc")
    assert ascending.index(references["c-evil"]) < ascending.index(references["c-lyon"]) < ascending.index(references["c-ohio"])
    for bad in ("status=lost", "created_from=yesterday", "page=0", "sort=secret"):
        assert "Cannot filter" in await page(client, f"/console/inquiries?{bad}", 400)


@pytest.mark.asyncio
async def test_the_list_shows_names_and_filters_take_them(client, references):
    await log_in(client, STAFF)
    html = cells(await page(client, "/console/inquiries"))
    for label in ("<td>Content donation</td>", "<td>France</td>", "<td>Routed</td>",
                  "<td>Wikimédia France</td>", "<td>Wiki Education (Wiki Education Foundation)</td>", "<td>English</td>"):
        assert label in html, label
    assert "<td>content_donation</td>" not in html and "<td>wm-fr</td>" not in html
    assert '<td>United States / <span title="US-OH">Ohio</span></td>' in html  # the region by name, its code on hover
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="[^"]+ UTC">', html)
    for typed in ("France", "france", "FRANCE", "fr"):
        found = await page(client, f"/console/inquiries?country={typed}")
        assert references["c-lyon"] in found and references["c-ohio"] not in found, typed
    ohio = await page(client, "/console/inquiries?country=united%20states&language=English")
    assert references["c-ohio"] in ohio and references["c-lyon"] not in ohio
    for typed in ("Wikimédia France", "wikimedia france", "wm-fr"):
        mine = await page(client, f"/console/inquiries?affiliate={typed}")
        assert references["c-lyon"] in mine and references["c-ohio"] not in mine, typed
    assert references["c-ohio"] not in await page(client, "/console/inquiries?language=Spanish")


@pytest.mark.asyncio
async def test_search_folds_case_accents_and_punctuation(client, references, sessionmaker):
    """Before issue 16 "musee" found nothing: SQLite's lower() folds ASCII only, and neither
    database strips accents."""
    with sessionmaker.begin() as session:
        inquiry = Inquiry(conversation_id="c-bogota", partnership_type=PartnershipType.CONTENT_DONATION,
                          organization_name="Biblioteca Nacional", organization_type=OrganizationType.LIBRARY,
                          country="CO", description="Exposición de fotografías del MUSEO DEL ORO y d’Orsay",
                          consent=False)
        references["c-bogota"] = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                                decision=FakeDecision(affiliate_id="wm-fr")).reference
    await log_in(client, STAFF)
    for typed, found in (("musee", "c-lyon"), ("MUSÉE", "c-lyon"), ("Musée  de lyon", "c-lyon"),
                         ("exposicion", "c-bogota"), ("FOTOGRAFIAS", "c-bogota"), ("museo del oro", "c-bogota"),
                         ("d'orsay", "c-bogota"), ("ohio state", "c-ohio"),
                         # Every word, in any order, in the name or the description.
                         ("lyon musee", "c-lyon"), ("oro  Biblioteca", "c-bogota")):
        html = await page(client, f"/console/inquiries?q={quote(typed)}")
        assert references[found] in html and "1 inquiry" in html, typed
    assert "0 inquiries" in await page(client, f"/console/inquiries?q={quote('musée de paris')}")
    # Wildcards are text like any other: folded to spaces, they match only a space.
    assert "0 inquiries" in await page(client, "/console/inquiries?q=%25%25")
    await log_in(client, FR)
    assert references["c-lyon"] in await page(client, "/console/inquiries?q=MUSEE")


@pytest.mark.asyncio
async def test_an_unknown_name_is_said_next_to_its_filter_and_the_list_stays(client, references):
    await log_in(client, STAFF)
    html = await page(client, "/console/inquiries?country=Atlantis&language=Klingonese&affiliate=Wikimedia%20Mars")
    assert "No country is called “Atlantis”" in html and 'aria-describedby="country-unknown"' in html
    assert "No language is called “Klingonese”" in html and "No affiliate is called “Wikimedia Mars”" in html
    assert all(ref in html for ref in references.values()) and "3 inquiries" in html
    evil = await page(client, "/console/inquiries?country=%3Cscript%3E")
    assert "<script>" not in evil.split("<main", 1)[1] and "&lt;script&gt;" in evil


@pytest.mark.asyncio
async def test_csv_export_is_the_filtered_list_safe_to_open_in_a_spreadsheet(client, references):
    await log_in(client, STAFF)
    response = await client.get("/console/inquiries.csv?country=FR")
    assert response.status == 200 and response.content_type == "text/csv"
    text = (await response.read()).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["reference"] for r in rows} == {references["c-lyon"], references["c-evil"]}
    evil = next(r for r in rows if r["reference"] == references["c-evil"])
    assert evil["description"].startswith("'=HYPERLINK") and evil["organization_name"] == EVIL  # text, not a formula
    assert evil["contact_email"] == ""  # no consent, no contact
    lyon = next(r for r in rows if r["reference"] == references["c-lyon"])
    assert lyon["contact_email"] == "alex@example.org"
    assert csv_cell("+1") == "'+1" and csv_cell("@x") == "'@x" and csv_cell("museum") == "museum"


@pytest.mark.asyncio
async def test_an_affiliate_sees_only_its_inquiries_everywhere(client, references):
    await log_in(client, FR)
    html = await page(client, "/console/inquiries")
    assert references["c-lyon"] in html and references["c-ohio"] not in html and "2 inquiries" in html
    assert references["c-ohio"] not in await page(client, "/console/inquiries?affiliate=wikiedu")
    assert references["c-ohio"] not in await page(client, "/console/inquiries?q=Ohio")
    text = (await (await client.get("/console/inquiries.csv")).read()).decode()
    assert references["c-ohio"] not in text and "Ohio" not in text
    ohio = references["c-ohio"]
    await page(client, f"/console/inquiries/{ohio}", 404)
    token = await csrf_token(client, f"/console/inquiries/{references['c-lyon']}")
    for action, form in (("notes", {"note": "x"}), ("accept", {}), ("decline", {"reason": "x"}),
                         ("reassign", {"affiliate": "wm-fr", "reason": "x"})):
        response = await client.post(f"/console/inquiries/{ohio}/{action}", data={"csrf_token": token, **form},
                                     allow_redirects=False)
        assert response.status == 404, action


@pytest.mark.asyncio
async def test_detail_shows_the_decision_and_history_and_takes_notes(client, references):
    await log_in(client, FR)
    base = f"/console/inquiries/{references['c-evil']}"
    html = await page(client, base)
    assert "by the rule “Chapter of the country”" in html and "country:chapter" not in html and "Wikimedia France is the chapter for France." in html
    assert EVIL not in html and "no consent to be contacted" in html
    token = await csrf_token(client, base)
    response = await client.post(base + "/notes", data={"csrf_token": token, "note": "Called them " + EVIL},
                                 allow_redirects=False)
    assert response.status == 303
    html = await page(client, base + "?done=note")
    assert "Note added." in html and "Called them &lt;script&gt;" in html and FR in html
    missing = await client.post(base + "/notes", data={"note": "no token"}, allow_redirects=False)
    assert missing.status == 403


@pytest.mark.asyncio
async def test_the_affiliate_holding_an_inquiry_accepts_or_declines_it(client, references, sessionmaker):
    await log_in(client, FR)
    lyon = f"/console/inquiries/{references['c-lyon']}"
    token = await csrf_token(client, lyon)
    asked = await client.post(lyon + "/accept", data={"csrf_token": token}, allow_redirects=False)
    assert asked.status == 200 and "Yes, accept it" in await asked.text()
    assert "<dt>Status</dt><dd>Routed" in await page(client, lyon)  # nothing changed before the confirmation
    yes = {"csrf_token": token, "confirm": "yes"}
    assert (await client.post(lyon + "/accept", data=yes, allow_redirects=False)).status == 303
    assert "accepted" in await page(client, lyon)
    again = await client.post(lyon + "/accept", data=yes, allow_redirects=False)
    assert again.status == 409
    evil = f"/console/inquiries/{references['c-evil']}"
    empty = await client.post(evil + "/decline", data={"csrf_token": token, "reason": " "}, allow_redirects=False)
    assert empty.status == 400
    declined = await client.post(evil + "/decline", data={**yes, "reason": "not our region"},
                                 allow_redirects=False)
    assert declined.status == 303
    # Declined: it moved on; wm-fr still sees it as it was while it held it: its own decline and
    # where that sent it (as the confirmation said), not the next affiliate's routing decision.
    html = await page(client, evil)
    assert "not our region" in html and "no longer with your affiliate" in html
    assert "moved to ug-fr-glam, the next affiliate in line" in html and html.count("ug-fr-glam") == 1
    assert "re-routed to" not in html


@pytest.mark.asyncio
async def test_staff_reassign_with_a_recorded_reason(client, references, sessionmaker):
    await log_in(client, STAFF)
    ohio = f"/console/inquiries/{references['c-ohio']}"
    token = await csrf_token(client, ohio)
    response = await client.post(ohio + "/reassign", data={"csrf_token": token, "affiliate": "wm-fr", "confirm": "yes",
                                                           "reason": "they run the course"}, allow_redirects=False)
    assert response.status == 303
    with sessionmaker() as session:
        decisions = session.execute(select(routing_decisions.c.affiliate_id, routing_decisions.c.rule,
                                           routing_decisions.c.is_current)
                                    .order_by(routing_decisions.c.id)).all()
        history = session.scalars(select(status_history.c.reason).order_by(status_history.c.id.desc())).first()
        queued = session.scalars(select(deliveries.c.affiliate_id)).all()
    assert ("wm-fr", "manual:staff", True) in decisions and ("wikiedu", "country:chapter", False) in decisions
    assert history == "re-assigned to wm-fr: they run the course"
    assert queued == []  # no endpoints configured in this app: nothing to deliver, nothing lost
    same = await client.post(ohio + "/reassign", data={"csrf_token": token, "affiliate": "wm-fr", "reason": "x",
                                                       "confirm": "yes"}, allow_redirects=False)
    assert same.status == 409
    # The previous affiliate keeps seeing it as it was while it held it: not the re-assignment.
    await client.post("/console/logout", data={"csrf_token": await csrf_token(client, ohio)})
    await log_in(client, US)
    html = await page(client, ohio)
    assert "no longer with your affiliate" in html
    assert "they run the course" not in html and "wm-fr" not in html


@pytest.mark.asyncio
async def test_affiliates_cannot_reassign(client, references):
    await log_in(client, FR)
    lyon = f"/console/inquiries/{references['c-lyon']}"
    token = await csrf_token(client, lyon)
    response = await client.post(lyon + "/reassign", data={"csrf_token": token, "affiliate": "wikiedu", "reason": "x"},
                                 allow_redirects=False)
    assert response.status == 403


def test_migration_folds_the_descriptions_already_stored(db_url):
    """Inquiries stored before 0016 are found by a folded search too; erased ones keep nothing."""
    from bot.store import make_engine, upgrade
    from bot.store.tables import inquiries

    upgrade(db_url, "0015")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for ref, description, erased in (("WMP-OLD00001", "Fotografías del Museo", None),
                                             ("WMP-OLD00002", "[erased]", "2026-01-01 00:00:00")):
                connection.exec_driver_sql(
                    "INSERT INTO inquiries (reference, conversation_id, status, created_at, language, description, "
                    "consent, qualification_reasons, wants_person, erased_at) VALUES "
                    f"('{ref}', 'c-{ref}', 'routed', CURRENT_TIMESTAMP, 'es', '{description}', false, '[]', false, "
                    f"{'NULL' if erased is None else repr(erased)})")
        upgrade(db_url)
        with engine.begin() as connection:
            assert dict(connection.execute(select(inquiries.c.reference, inquiries.c.description_folded)).all()) == {
                "WMP-OLD00001": "fotografias del museo", "WMP-OLD00002": None}
    finally:
        engine.dispose()
