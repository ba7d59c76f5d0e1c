"""The console in the viewer's language: the user's setting, else the browser's Accept-Language,
else English; Arabic right to left; codes in lists named in the viewer's language."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import pytest_asyncio
from babel.dates import format_date
from console_helpers import add_accounts, console_client, csrf_token, log_in
from fakes import FakeDecision
from rasa_events import create_events_table, session_started, slot, user, write_events
from sqlalchemy import select, update

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry
from bot.store.accounts.users import set_language, user_by_email
from bot.store.clock import utcnow
from bot.store.tables import handoffs, inquiries, routing_decisions

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


@pytest.mark.asyncio
async def test_an_inquiry_its_answers_and_its_refusals_are_in_the_viewers_language(client, world):
    """The inquiry page, the confirmation of an answer and the refusals of its forms (issue 16,
    first group of the remaining pages)."""
    await log_in(client, FR)
    base = f"/console/inquiries/{world['reference']}"
    page = await _page(client, base)
    assert "Historique des statuts" in page and "Votre réponse" in page and "Accepter cette demande…" in page
    # Codes and dates by name: status, partnership type, country, conversation language.
    assert "Transmise" in page and "Don de contenus" in page and "Allemagne" in page and "espagnol" in page
    assert 'data-label="Quand"' in page and "Status history" not in page
    token = await csrf_token(client, base)
    asked = await client.post(f"{base}/decline", data={"csrf_token": token, "reason": "pas pour nous"})
    answer = await asked.text()
    assert asked.status == 200 and "Décliner " in answer and "Oui, la décliner" in answer
    refused = await client.post(f"{base}/close", data={"csrf_token": token, "reason": "spam"})
    assert refused.status == 403 and "Un affilié ne clôture qu'une demande qu'il a acceptée" in (
        await refused.text()).replace("&#39;", "'")
    empty = await client.post(f"{base}/notes", data={"csrf_token": token, "note": " "})
    assert empty.status == 400 and "Merci d'écrire la note." in unescape(await empty.text())
    missing = await client.get("/console/inquiries/WMP-NOPE")
    assert missing.status == 404 and "Demande introuvable." in await missing.text()
    # A bad filter, said in Arabic with what was typed.
    await client.post("/console/logout", data={"csrf_token": token})
    await log_in(client, STAFF)
    bad = await client.get("/console/inquiries?status=sometimes", headers={"Accept-Language": "ar"})
    assert bad.status == 400 and "قيمة غير معروفة لـ«status»: «sometimes»." in await bad.text()


@pytest.mark.asyncio
async def test_the_dashboard_and_the_conversations_are_in_the_viewers_language(client, world, engine):
    """Dashboard (tables, chart titles, breakdowns by name), the conversation list, a transcript
    and their refusals (issue 16, second group)."""
    create_events_table(engine)
    t = utcnow().timestamp() - 3600
    write_events(engine, "c-fr", [session_started(t=t), user("nous donnons des photos", "start_intake", t=t + 1)])
    await log_in(client, FR)
    dashboard = await _page(client, "/console/dashboard")
    assert "Entonnoir par semaine" in dashboard and "<title id=\"type-t\">Demandes par type de partenariat</title>" in dashboard
    assert "les 12 dernières semaines" in dashboard and "Funnel per week" not in dashboard
    breakdown = dashboard[dashboard.index("<h2>Par type de partenariat"):]
    assert "Don de contenus" in breakdown[:breakdown.index("</section>")]
    by_country = dashboard[dashboard.index("<h2>Par pays"):]
    assert "Allemagne" in by_country[:by_country.index("</section>")]
    conversations = await _page(client, "/console/conversations")
    assert "Dernière activité" in conversations and "1 conversation" in conversations and "(Transmise)" in conversations
    transcript = await _page(client, "/console/conversations/c-fr")
    assert "Partenaire" in transcript and "Devenue <a href=\"/console/inquiries/" + world["reference"] in transcript
    assert "Afficher les détails techniques" in transcript and "Show technical detail" not in transcript
    missing = await client.get("/console/conversations/nobody-here")
    assert missing.status == 404 and "Conversation introuvable." in await missing.text()
    bad = await client.get("/console/conversations?page=0", headers={"Accept-Language": "ar"})
    assert bad.status == 400 and "La page doit être un nombre de 1 à" in await bad.text()  # her setting wins


def test_a_wait_is_written_as_the_viewers_language_writes_it():
    from integrations.console.pages.dashboard import duration
    assert [duration(s) for s in (45, 150, 7560, None)] == ["45 s", "2.5 min", "2.1 h", "—"]
    assert duration(150, "fr") == "2,5 min" and duration(7560, "de") == "2,1 Std."
    assert duration(150, "ar") == "2.5 دقيقة"  # CLDR writes Arabic with Latin digits by default


@pytest.mark.asyncio
async def test_the_organisation_pages_are_in_the_viewers_language(client, world):
    """The organisation list and page and their refusals (issue 16, third group: organisations)."""
    await log_in(client, FR)
    listing = await _page(client, "/console/organisations")
    assert "1 organisation" in listing and "Organisations par nom" in listing and 'data-label="Dernière demande"' in listing
    found = re.search(r'href="/console/organisations/(\d+)"', listing)
    assert found, listing
    page = await _page(client, f"/console/organisations/{found.group(1)}")
    assert "Historique des partenariats" in page and "Don de contenus" in page and "Transmise" in page
    assert "Partnership history" not in page
    # Days as the viewer writes them ("6 déc. 2026"), the ISO date on hover; they were ISO text.
    today = utcnow().date()
    assert f'title="{today.isoformat()}">{format_date(today, "medium", locale="fr")}</time>' in page
    assert format_date(today, "medium", locale="fr") in listing
    token = await csrf_token(client, f"/console/organisations/{found.group(1)}")
    refused = await client.post(f"/console/organisations/{found.group(1)}/merge", data={"csrf_token": token, "other": "1"})
    assert refused.status == 403 and "Seule l'équipe Wikimedia gère les fiches des organisations." in unescape(await refused.text())
    missing = await client.get("/console/organisations/0", headers={"Accept-Language": "ar"})
    assert missing.status == 404 and "Organisation introuvable." in await missing.text()
    # A country typed in the viewer's language filters.
    assert "1 organisation" in await _page(client, "/console/organisations?country=Allemagne")


def _waiting_handoff(engine, sessionmaker, third_event) -> None:
    """Conversation c-fr (the partner said "hola" in Spanish, then `third_event(t)`), waiting for a
    person of wm-fr for 7 minutes."""
    create_events_table(engine)
    t = utcnow().timestamp() - 600
    write_events(engine, "c-fr", [session_started(t=t), user("hola", "start_intake", t=t + 1), third_event(t + 2)])
    with sessionmaker.begin() as session:
        session.execute(handoffs.insert().values(
            conversation_id="c-fr", status="waiting", language="es", affiliate_id="wm-fr",
            requested_at=utcnow() - timedelta(minutes=7), notify_status="sent", notify_attempts=1,
            notify_next_at=utcnow()))


def _response_links(sessionmaker, reference: str) -> tuple[dict[str, str], dict[str, str]]:
    """The accept/decline link tokens of the inquiry's current decision for wm-fr (whose people
    chose French) and for wikiedu (nobody chose a language)."""
    from bot.delivery.lifecycle import create_response_links

    with sessionmaker.begin() as session:
        inquiry_id, decision_id = session.execute(
            select(inquiries.c.id, routing_decisions.c.id).join(routing_decisions,
                                                                routing_decisions.c.inquiry_id == inquiries.c.id)
            .where(inquiries.c.reference == reference)).one()
        return tuple(create_response_links(session=session, inquiry_id=inquiry_id, decision_id=decision_id,
                                           affiliate_id=affiliate, expires_at=utcnow() + timedelta(days=3))
                     for affiliate in ("wm-fr", "wikiedu"))


@pytest.mark.asyncio
async def test_the_response_links_speak_the_affiliates_language_else_the_browsers(db_url, engine, world, sessionmaker):
    """The e-mailed accept / decline pages (issue 16, third group: respond.py): in the language
    wm-fr's people chose in the console (French here), whatever the browser says; for an
    affiliate nobody chose one for, in the browser's."""
    import time

    from bot.delivery.signing import sign_link

    secret = "s" * 32
    ours, theirs = _response_links(sessionmaker, world["reference"])
    until = int(time.time()) + 3 * 86400

    def link(tokens: dict[str, str], action: str) -> str:
        return "/respond/" + sign_link(tokens[action], action, until, secret)

    client = await console_client(db_url, link_secret=secret)
    try:
        confirm = await client.get(link(ours, "decline"), headers={"Accept-Language": "de"})
        page = await confirm.text()
        assert confirm.status == 200 and _HTML.search(page).groups() == ("fr", "ltr")
        assert "Décliner cette demande de partenariat ?" in page and "Pourquoi déclinez-vous ? (facultatif)" in page
        assert "Don de contenus" in page and "Allemagne" in page and "espagnol" in page
        arabic = await (await client.get(link(theirs, "accept"), headers={"Accept-Language": "ar"})).text()
        assert _HTML.search(arabic).groups() == ("ar", "rtl") and "قبول طلب الشراكة هذا؟" in arabic
        invalid = await client.get("/respond/not.a.token", headers={"Accept-Language": "es"})
        assert invalid.status == 410 and "El enlace no es correcto o ha caducado." in await invalid.text()
        accepted = await client.post(link(ours, "accept"), headers={"Accept-Language": "de"})
        assert accepted.status == 200 and f"La demande {world['reference']} est à vous." in await accepted.text()
    finally:
        await client.close()


@pytest.mark.asyncio
async def test_the_handoff_inbox_and_a_handoff_are_in_the_viewers_language(client, world, engine, sessionmaker):
    """The hand-off inbox, a hand-off's page (its answers named by the assistant's own French
    catalogue), the live script's texts and a refusal (issue 16, third group: hand-offs)."""
    _waiting_handoff(engine, sessionmaker, lambda t: slot("organization_type", "museum", t=t))
    await log_in(client, FR)
    inbox = await _page(client, "/console/handoffs")
    assert "Votre disponibilité" in inbox and "attend une personne" in inbox and "espagnol" in inbox
    assert ' data-text-nobody="Personne n\'attend de parler à quelqu\'un."' in inbox and "7 min" in inbox
    page = await _page(client, "/console/handoffs/c-fr")
    assert "Partenaire qui écrit en espagnol" in page and "Prendre en charge" in page and "Partenaire</span>" in page
    assert "Musée" in page.split("Réponses jusqu")[1]  # the answer's value in the assistant's French
    token = await csrf_token(client, "/console/handoffs")
    bad = await client.post("/console/handoffs/availability", data={"csrf_token": token, "hours": "99"})
    assert bad.status == 400 and "Choisissez pendant combien d'heures vous êtes disponible." in unescape(await bad.text())
    missing = await client.get("/console/handoffs/nobody")
    assert missing.status == 404 and "Mise en relation introuvable." in await missing.text()


def test_a_handoff_wait_is_said_in_the_viewers_language():
    from integrations.console.pages.handoff_views import duration
    assert [duration(s) for s in (30, 420, 3900, 3 * 86400)] == ["under a minute", "7 min", "1 h 05 min", "3 days"]
    assert duration(3900, "de") == "1 Std. 05 Min." and duration(3 * 86400, "ar") == "3 أيام"


# --- The last English texts (issue 16, item 8): the core's refusals, the response links' reasons,
# the dashboard's hint and chart numbers, labels of codes, the transcript's own words.

def _text(html: str) -> str:
    """A page's text as a person reads it: the apostrophe that Jinja escapes, unescaped."""
    return html.replace("&#39;", "'").replace("&#34;", '"')


async def _post(client, path: str, form_page: str, data: dict[str, str], headers: dict[str, str] | None = None):
    token = await csrf_token(client, form_page)
    return await client.post(path, data={"csrf_token": token, **data}, headers=headers, allow_redirects=False)


@pytest.mark.asyncio
async def test_a_refused_partnership_is_said_in_the_viewers_language_with_its_field(client, world, sessionmaker):
    """bot/store/partnerships.py refuses in English for the API; the French affiliate reads the
    refusal, the field it names and its numbers in French. The inquiry page names the
    organisation type and the licence (codes in the store) in French too."""
    with sessionmaker.begin() as session:
        session.execute(update(inquiries).where(inquiries.c.reference == world["reference"])
                        .values(licence="restricted"))
    await log_in(client, FR)
    base = f"/console/inquiries/{world['reference']}"
    page = _text(await _page(client, base))
    assert "(Musée)" in page and "(museum)" not in page
    assert "Restreinte (pas d'utilisation commerciale, pas de modification ou tous droits réservés)" in page
    assert (await _post(client, f"{base}/accept", base, {"confirm": "yes"})).status == 303
    late = await _post(client, f"{base}/partnership", base, {"status": "completed", "ended_on": "24/11/2026"})
    assert late.status == 400
    assert "Le champ « Date de fin » doit être une date au format 2026-11-24." in _text(await late.text())
    many = await _post(client, f"{base}/partnership", base, {"status": "active", "files_uploaded": "999999999"})
    assert many.status == 400
    assert ("Le champ « Fichiers versés » doit être compris entre 0 et 100\u202f000\u202f000."
            in _text(await many.text()))
    # The same refusal in English for an English reader (and the JSON API's `error`).
    from bot.store.partnerships import Outcome
    with pytest.raises(ValueError, match="^end date must be a date like 2026-11-24$"):
        Outcome.parse({"status": "completed", "ended_on": "24/11/2026"})


@pytest.mark.asyncio
async def test_the_handoff_reply_refusals_and_its_turns_are_in_the_viewers_language(client, world, engine,
                                                                                   sessionmaker):
    """integrations/console/handoffs.py's refusals (an empty reply, a too long one) in German, on
    the page and in the JSON the page's script asks for; a hand-over in the transcript in French."""
    _waiting_handoff(engine, sessionmaker, lambda t: {"event": "pause", "timestamp": t})
    await log_in(client, STAFF)
    page = "/console/handoffs/c-fr"
    german = {"Accept-Language": "de"}
    empty = await _post(client, f"{page}/reply", page, {"text": "   "}, german)
    assert empty.status == 400 and "Die Antwort ist leer." in await empty.text()
    long = await _post(client, f"{page}/reply", page, {"text": "x" * 5001}, {**german, "Accept": "application/json"})
    assert long.status == 400 and (await long.json())["error"] == "Eine Antwort hat höchstens 5.000 Zeichen."
    french = await client.get(page, headers={"Accept-Language": "fr"})
    assert "confiée à une personne" in await french.text() and "handed to a person" not in await french.text()


@pytest.mark.asyncio
async def test_organisation_curation_refusals_are_in_the_viewers_language(client, world, sessionmaker):
    """bot/store/organization.py's refusals (a merge split already, a proposal decided already),
    in Spanish for staff whose browser asks for it."""
    with sessionmaker.begin() as session:
        other = Inquiry(conversation_id="c-es", partnership_type=PartnershipType.EVENT,
                        organization_name="Museo del Prado", organization_type=OrganizationType.MUSEUM,
                        country="ES", language="es", description="editatón", consent=False)
        submit_inquiry(session=session, inquiry=other, qualification=qualify(other),
                       decision=FakeDecision(affiliate_id="wm-es"))
        orgs = [row.organization_id for row in session.execute(select(inquiries.c.organization_id)
                                                                  .order_by(inquiries.c.id))]
    await log_in(client, STAFF)
    spanish = {"Accept-Language": "es"}
    page = f"/console/organisations/{orgs[0]}"
    assert (await _post(client, f"{page}/merge", page, {"other": str(orgs[1]), "confirm": "yes"})).status == 303
    merge_id = re.search(r'name="merge" value="(\d+)"', await _page(client, page)).group(1)
    assert (await _post(client, f"{page}/split", page, {"merge": merge_id})).status == 303
    again = await _post(client, f"{page}/split", page, {"merge": merge_id}, spanish)
    assert again.status == 409 and "Esa fusión no existe o ya se separó." in await again.text()
    decided = await _post(client, "/console/organisations/proposals/999/merge", "/console/organisations/proposals", {},
                          spanish)
    assert decided.status == 409 and "No hay ninguna propuesta abierta con este número." in await decided.text()
    # The organisation's type by name (a code in the store).
    listing = await client.get("/console/organisations", headers=spanish)
    assert "Museo" in await listing.text() and ">museum<" not in await listing.text()


@pytest.mark.asyncio
async def test_a_transcript_says_its_own_words_and_a_flag_refusal_in_the_viewers_language(client, world, engine):
    """The transcript's words that are not a message (a session, a hand-over, the assistant's
    fallback and the problems it marks) and the refusal of an annotation that does not match the
    message (bot/staff/training_export.py), in French."""
    create_events_table(engine)
    t = utcnow().timestamp() - 600
    write_events(engine, "c-fr", [session_started(t=t), user("blabla", "nlu_fallback", t=t + 1),
                                  {"event": "action", "timestamp": t + 2, "name": "action_default_fallback"},
                                  {"event": "pause", "timestamp": t + 3}])
    await log_in(client, STAFF)
    french = {"Accept-Language": "fr"}
    path = "/console/conversations/c-fr"
    detail = await client.get(path + "?detail=1", headers=french)
    html = _text(await detail.text())
    for said in ("session commencée", "confiée à une personne", "(réponse de repli)", "non compris", "repli"):
        assert said in html, said
    for english in ("session started", "handed to a person", "(fallback)", "not understood"):
        assert english not in html, english
    event_id = re.search(r'name="event_id" value="(\d+)"', html).group(1)
    refused = await _post(client, path + "/flags", path, {"event_id": event_id, "intent": "start_intake",
                                                          "annotated": "autre chose"}, french)
    assert refused.status == 400
    assert ("Le texte annoté doit être le message du partenaire, avec seulement des marques [mots](entité) ajoutées."
            in _text(await refused.text()))


@pytest.mark.asyncio
async def test_the_dashboard_hint_is_a_whole_sentence_and_its_questions_are_named(client, world, engine,
                                                                                 sessionmaker):
    """The hint above the charts is one sentence per case (fragments put together cannot be
    translated); where partners left the form is named by the question, in the viewer's language."""
    create_events_table(engine)
    t = utcnow().timestamp() - 3600
    write_events(engine, "c-left", [session_started(t=t), user("hello", "start_intake", t=t + 1),
                                    slot("requested_slot", "organization_type", t=t + 2)])
    await log_in(client, STAFF)
    french = _text(await _page(client, "/console/dashboard", "fr"))
    assert "Les 12 dernières semaines ; les semaines sans aucune activité sont omises." in french
    drop_off = french[french.index("Abandons par question"):]
    assert "Type d'organisation" in drop_off[:drop_off.index("</table>")] and "organization_type" not in drop_off
    # No activity at all in the affiliate's range: said as a sentence of its own.
    with sessionmaker.begin() as session:
        session.execute(update(inquiries).values(created_at=utcnow() - timedelta(weeks=30)))
    await client.post("/console/logout", data={"csrf_token": await csrf_token(client, "/console/")})
    await log_in(client, FR)
    quiet = _text(await _page(client, "/console/dashboard"))
    assert ("Les 12 dernières semaines, demandes transmises à votre affilié : aucune n'a eu d'activité." in quiet)
    assert "(aucune n'en a eu)" not in quiet


@pytest.mark.asyncio
async def test_chart_numbers_are_written_as_the_viewers_locale_writes_them(client, world, engine):
    """The SVG charts write numbers as Babel does for the page's locale, like the tables beside
    them: German groups thousands with a dot and writes a decimal comma, Arabic (CLDR's default
    Latin digits) a comma and a point."""
    from integrations.console.keys import DASHBOARD_CACHE

    create_events_table(engine)
    await log_in(client, STAFF)
    await _page(client, "/console/dashboard")
    # The numbers are cached for a minute per scope and range: make them large enough to group.
    _expiry, stats = client.server.app[DASHBOARD_CACHE][(None, 12)]
    stats["by_type"] = [("content_donation", 12345)]
    stats["time_to_accept"] = [("wm-fr", 2.5)]

    def chart(html: str, ident: str) -> str:
        start = html.index(f'<title id="{ident}-t">')
        return html[start:html.index("</svg>", start)]

    german = await _page(client, "/console/dashboard", "de")
    assert ">12.345<" in chart(german, "type") and ">2,5" in chart(german, "accept")
    arabic = await _page(client, "/console/dashboard", "ar")
    assert ">12,345<" in chart(arabic, "type") and ">2.5" in chart(arabic, "accept")


def test_a_chart_writes_its_numbers_in_the_locale():
    from integrations.console import charts
    svg = charts.bars("t", [("a", 1234567), ("b", 2.5)], ident="x", locale="fr")
    assert ">1\u202f234\u202f567<" in svg and ">2,5<" in svg
    assert "a: 1\u202f234\u202f567" in svg  # the description read by screen readers too
    grouped = charts.grouped("t", ["2026-W01"], {"Conversations": [2500]}, ident="g", locale="de")
    assert ">2.500<" in grouped


@pytest.mark.asyncio
async def test_a_used_response_link_says_why_in_the_browsers_language(db_url, engine, world, sessionmaker):
    """A link that cannot be used says why in a sentence of its own (not a raw code), here in the
    Spanish of a browser whose affiliate chose no language."""
    import time

    from bot.delivery.signing import sign_link

    secret = "s" * 32
    ours, theirs = _response_links(sessionmaker, world["reference"])
    until = int(time.time()) + 3 * 86400
    client = await console_client(db_url, link_secret=secret)
    try:
        confirm = await (await client.get("/respond/" + sign_link(ours["accept"], "accept", until, secret))).text()
        assert "Musée de Lyon (Musée)" in confirm
        assert (await client.post("/respond/" + sign_link(ours["accept"], "accept", until, secret))).status == 200
        # One answer per decision: the other links of the decision are used with it.
        used = await client.post("/respond/" + sign_link(theirs["decline"], "decline", until, secret),
                                 headers={"Accept-Language": "es"})
        text = await used.text()
        assert used.status == 410 and "Este enlace ya se usó: la solicitud ya tiene respuesta." in text
        assert "(used)" not in text
    finally:
        await client.close()


@pytest.mark.asyncio
async def test_an_invalid_report_unsubscribe_link_speaks_the_browsers_language(client):
    """A recognition report's unsubscribe link that names no partnership cannot say the partner's
    language: the browser's, not English."""
    invalid = await client.get("/reports/stop/not.a.token", headers={"Accept-Language": "de-CH"})
    html = await invalid.text()
    assert invalid.status == 410 and "Dieser Link ist nicht gültig" in html
    assert _HTML.search(html).groups() == ("de", "ltr")


@pytest.mark.asyncio
async def test_the_account_page_names_devices_and_the_conversations_name_questions_in_french(client, world, engine):
    """A session's device is stored in English ("Firefox on Linux", "unknown device") and said in
    the viewer's language; an abandoned conversation names its last question, not the slot."""
    from integrations.console.pages.devices import shown

    await log_in(client, FR)
    account = await _page(client, "/console/account")
    assert "appareil inconnu" in account and "unknown device" not in account
    assert shown("Firefox on Linux", "fr") == "Firefox sur Linux" and shown("Firefox on Linux", "en") == "Firefox on Linux"
    create_events_table(engine)
    t = utcnow().timestamp() - 3600
    write_events(engine, "c-left", [session_started(t=t), user("bonjour", "start_intake", t=t + 1),
                                    slot("requested_slot", "organization_type", t=t + 2)])
    await client.post("/console/logout", data={"csrf_token": await csrf_token(client, "/console/")})
    await log_in(client, STAFF)
    listing = _text(await _page(client, "/console/conversations", "fr"))
    assert "abandonnée à la question « Type d'organisation »" in listing and "organization_type" not in listing
@pytest.mark.asyncio
async def test_the_reasons_the_product_recorded_are_shown_in_the_viewers_language(client, sessionmaker):
    """Qualification and routing reasons, rule codes, alternatives and the status history's whys are
    stored in English (the record, as the API keeps it) and shown in the viewer's language, with
    affiliate names for codes and typed text as typed (issue 16, item 8)."""
    from bot.delivery.lifecycle import reroute_inquiry
    from bot.intake.model import Licence
    from bot.routing import default_router
    from bot.store import get_inquiry

    inquiry = Inquiry(conversation_id="c-reasons", partnership_type=PartnershipType.CONTENT_DONATION,
                      organization_name="Musée de Brest", organization_type=OrganizationType.MUSEUM, country="FR",
                      language="fr", licence=Licence.UNSURE, description="cartes postales", consent=True,
                      contact_email="m@example.org")
    with sessionmaker.begin() as session:
        stored = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                decision=default_router().route(inquiry))
    await log_in(client, FR)
    page = unescape(await _page(client, f"/console/inquiries/{stored.reference}", "en"))
    assert "Le partenaire ne sait pas quelle licence s'applique." in page
    assert "Wikimédia France est le chapitre Wikimedia compétent (France)." in page
    assert "selon la règle « Chapitre du pays »" in page and "country:chapter" not in page
    alternatives = page[page.index("Autres possibilités :"):][:200]
    assert "Wikimedia Foundation Partnerships team" in alternatives and "wmf-partnerships" not in alternatives
    # wm-fr declines with its words; staff reading in Arabic see the decline and the new decision.
    with sessionmaker.begin() as session:
        reroute_inquiry(session=session, reference=stored.reference, actor="affiliate:wm-fr",
                        reason="pas de place cette année")
        assert get_inquiry(session=session, reference=stored.reference)["routing"]["reasons"][0] == (
            "wm-fr declined or did not answer: pas de place cette année")  # the record stays English
    await client.post("/console/logout", data={"csrf_token": await csrf_token(client, "/console/")})
    await log_in(client, STAFF)
    arabic = unescape(await _page(client, f"/console/inquiries/{stored.reference}", "ar"))
    assert "رفضت الجهة التابعة Wikimédia France الطلب أو لم تردّ عليه: pas de place cette année" in arabic
    assert "البديل التالي بعد الرفض" in arabic and "declined or did not answer" not in arabic
