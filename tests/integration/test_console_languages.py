"""The console in the viewer's language: the user's setting, else the browser's Accept-Language,
else English; Arabic right to left; codes in lists named in the viewer's language."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import pytest_asyncio
from console_helpers import add_accounts, console_client, csrf_token, log_in
from fakes import FakeDecision
from sqlalchemy import select, update

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry
from bot.store.accounts.users import set_language, user_by_email
from bot.store.clock import utcnow
from bot.store.tables import inquiries, routing_decisions

STAFF = "staff@example.org"
FR = "fr@example.org"
_HTML = re.compile(r'<html lang="([^"]+)" dir="([^"]+)">')


@pytest.fixture
def world(engine, sessionmaker) -> dict[str, str]:
    """A staff user without a language and a Wikimédia France user who chose French; one inquiry
    routed to wm-fr, due in 3 days."""
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr"})
    with sessionmaker.begin() as session:
        user = user_by_email(session=session, email=FR)
        assert user is not None
        set_language(session=session, user_id=user.id, language="fr")
        inquiry = Inquiry(conversation_id="c-fr", partnership_type=PartnershipType.CONTENT_DONATION,
                          organization_name="Musée de Lyon", organization_type=OrganizationType.MUSEUM,
                          country="DE", language="es", description="photos", contact_name="Alex",
                          contact_email="a@example.org", consent=True)
        stored = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                decision=FakeDecision(affiliate_id="wm-fr"))
        inquiry_id = session.scalar(select(inquiries.c.id).where(inquiries.c.reference == stored.reference))
        session.execute(update(routing_decisions).where(routing_decisions.c.inquiry_id == inquiry_id)
                        .values(response_due_at=utcnow() + timedelta(days=3, hours=1)))
    return {"reference": stored.reference}


@pytest_asyncio.fixture
async def client(db_url, engine, world):
    client = await console_client(db_url)
    yield client
    await client.close()


async def _page(client, path: str, language: str | None = None) -> str:
    response = await client.get(path, headers={"Accept-Language": language} if language else None)
    assert response.status == 200, await response.text()
    return await response.text()


@pytest.mark.asyncio
async def test_the_login_page_follows_the_browser_and_arabic_is_right_to_left(client):
    arabic = await _page(client, "/console/login", "ar-EG,ar;q=0.9,en;q=0.5")
    assert _HTML.search(arabic).groups() == ("ar", "rtl")
    assert "تسجيل الدخول" in arabic and "Log in" not in arabic
    # The first language the console has wins; a region ("fr-CH") counts as its language.
    french = await _page(client, "/console/login", "tlh, fr-CH;q=0.9, de;q=0.8")
    assert _HTML.search(french).groups() == ("fr", "ltr") and "Mot de passe oublié ?" in french
    assert "Passwort" in await _page(client, "/console/login", "de-AT")


@pytest.mark.asyncio
async def test_an_unknown_or_refused_language_falls_back_to_english(client):
    for header in (None, "tlh", "xx-YY, *;q=0.5", "fr;q=0", "ar;q=abc"):
        page = await _page(client, "/console/login", header)
        assert _HTML.search(page).groups() == ("en", "ltr"), header
        assert "Forgot your password?" in page


@pytest.mark.asyncio
async def test_a_french_user_sees_french_whatever_the_browser_says(client, world):
    await log_in(client, FR)
    home = await _page(client, "/console/", "de,en;q=0.8")
    assert _HTML.search(home).groups() == ("fr", "ltr")
    assert "Ce qui attend votre action" in home and "demandes en attente de votre réponse" in home
    assert "3 jours restants" in home and "Se déconnecter" in home
    listing = await _page(client, "/console/inquiries", "de")
    # Codes by name in French (labels.py, Babel), numbers and counts in French.
    assert "Don de contenus" in listing and "Allemagne" in listing and "espagnol" in listing
    assert "Transmise" in listing and "1 demande" in listing and "Télécharger en CSV" in listing
    assert "content_donation" not in listing.split("<tbody>")[1]
    # A name the console does not know, said in French.
    unknown = await _page(client, "/console/inquiries?country=Atlantide")
    assert "Aucun pays ne s'appelle « Atlantide » : pas de filtre par pays." in unknown
    # The CSV export keeps the codes.
    csv = await (await client.get("/console/inquiries.csv")).text()
    assert "content_donation" in csv and "Don de contenus" not in csv


@pytest.mark.asyncio
async def test_the_account_page_sets_the_console_language_for_staff_too(client, sessionmaker):
    await log_in(client, STAFF)
    assert _HTML.search(await _page(client, "/console/account", "pt-BR")).groups() == ("pt", "ltr")
    token = await csrf_token(client, "/console/account")
    bad = await client.post("/console/account/language", data={"csrf_token": token, "language": "tlh"},
                            headers={"Accept-Language": "es"})
    assert bad.status == 400 and "Elija uno de los idiomas ofrecidos." in await bad.text()
    saved = await client.post("/console/account/language", data={"csrf_token": token, "language": "ar"})
    page = await saved.text()
    assert saved.status == 200 and _HTML.search(page).groups() == ("ar", "rtl") and "حُفظت لغتك." in page
    with sessionmaker() as session:
        assert user_by_email(session=session, email=STAFF).language == "ar"
    # Back to the browser's language.
    await client.post("/console/account/language", data={"csrf_token": token, "language": ""})
    assert _HTML.search(await _page(client, "/console/", "de")).groups() == ("de", "ltr")


@pytest.mark.asyncio
async def test_error_pages_and_refusals_are_in_the_viewers_language(client):
    expired = await client.post("/console/login", data={"csrf_token": "wrong", "email": "x@example.org",
                                                         "password": "nope"}, headers={"Accept-Language": "es"})
    assert expired.status == 403 and "Este formulario ha caducado" in await expired.text()
    token = await csrf_token(client)
    wrong = await client.post("/console/login", data={"csrf_token": token, "email": FR, "password": "not it at all"},
                              headers={"Accept-Language": "pt"})
    assert wrong.status == 401 and "Endereço de e-mail ou palavra-passe incorretos." in await wrong.text()
