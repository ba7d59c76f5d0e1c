"""Every console page on a 360 px phone and at 1280 px, for staff and an affiliate, in a real
browser (Debian's Chromium, Playwright) against the real console on a port and a real SQLite
database: no horizontal scrolling, "Log out" visible and clickable, tables as stacked cards, and
no serious or critical axe-core violation; then the inquiry page with the keyboard alone.
Screenshots are kept in test-artifacts/console/phone-*.png (and desk-*.png at 1280 px)."""
from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fakes import FakeDecision
from live_console import live_console
from rasa_events import bot, create_events_table, session_started, slot, user, write_events
from sqlalchemy import select
from widget_driver import ARTIFACTS

from bot.delivery.lifecycle import create_response_links
from bot.delivery.signing import sign_link
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.settings import Settings
from bot.staff.passwords import hash_password
from bot.store import make_engine, make_sessionmaker, submit_inquiry, upgrade
from bot.store.accounts.password_resets import create_reset
from bot.store.accounts.users import add_user
from bot.store.clock import utcnow
from bot.store.handoffs import request_handoff
from bot.store.tables import inquiries, routing_decisions, users
from integrations.console import labels
from integrations.console.i18n import translate

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "integrations" / "webchat" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a long enough password"
#: Long enough to push a careless header off a phone's screen.
STAFF, FR = "partnerships.staff@console-phone.example", "benevole.france@console-phone.example"
#: A volunteer of the same affiliate who chose Arabic on the account page.
AR = "mutatawwi.arabi@console-phone.example"
LINK_SECRET = "a-link-secret-for-the-phone-tests-0123456789"
SHOTS = ARTIFACTS.parent / "console"
PHONE, DESK = {"width": 360, "height": 740}, {"width": 1280, "height": 900}
T0 = 1_790_000_000.0
#: Words long enough to overflow a cell unless they may break.
LONG_NAME = "Musée départemental d'art contemporain et des Archives photographiques de Haute-Provence"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """Two inquiries routed to wm-fr with transcripts, one waiting for a person, and a reset link."""
    url = f"sqlite:///{tmp_path_factory.mktemp('console-phone') / 'intake.db'}"
    upgrade(url)
    engine = make_engine(url)
    create_events_table(engine)
    sessionmaker = make_sessionmaker(engine)
    refs = {}
    with sessionmaker.begin() as session:
        for email, affiliate in ((STAFF, None), (FR, "wm-fr"), (AR, "wm-fr")):
            add_user(session=session, email=email, role="affiliate" if affiliate else "staff", affiliate_id=affiliate,
                     password_hash=hash_password(PASSWORD))
        session.execute(users.update().where(users.c.email == AR).values(language="ar"))
        # lyon and nice for the pages; arles only for the confirmation pages, never answered;
        # toulouse and brest for the whole jobs on a phone.
        for key, name in (("lyon", LONG_NAME), ("nice", "Bibliothèque municipale de Nice"),
                          ("arles", "Musée de l'Arles antique"), ("toulouse", "Muséum de Toulouse"),
                          ("brest", "Médiathèque François-Mitterrand de Brest")):
            inquiry = Inquiry(conversation_id=f"phone-conversation-{key}-0123456789abcdef0123456789abcdef",
                              partnership_type=PartnershipType.CONTENT_DONATION, organization_name=name,
                              organization_type=OrganizationType.MUSEUM, country="FR",
                              description="2,000 photographs of the collection, under CC BY-SA " * 3,
                              contact_name="Camille Exemple", contact_email="camille@example.org", consent=True)
            refs[key] = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                       decision=FakeDecision(alternatives=("wm-ch", "wmf-partnerships"))).reference
        request_handoff(session, conversation_id="phone-conversation-nice-0123456789abcdef0123456789abcdef",
                        language="fr", now=utcnow(), live=False)
        staff_id = session.scalar(select(users.c.id).where(users.c.email == STAFF))
        reset_token = create_reset(session=session, user_id=staff_id, lifetime=timedelta(hours=1))
        organisations = {key: session.scalar(select(inquiries.c.organization_id).where(inquiries.c.reference == ref))
                         for key, ref in refs.items()}
        inquiry_id, decision_id = session.execute(
            select(inquiries.c.id, routing_decisions.c.id)
            .join(routing_decisions, routing_decisions.c.inquiry_id == inquiries.c.id)
            .where(inquiries.c.reference == refs["arles"])).one()
        links = create_response_links(session=session, inquiry_id=inquiry_id, decision_id=decision_id,
                                      affiliate_id="wm-fr", expires_at=utcnow() + timedelta(days=3))
    for key in refs:
        write_events(engine, f"phone-conversation-{key}-0123456789abcdef0123456789abcdef", [
            session_started(t=T0), user("We are a museum in Lyon and want to donate photos", "start_intake", t=T0 + 1),
            slot("organization_name", LONG_NAME, t=T0 + 2),
            bot("What is the name of your organisation?", t=T0 + 3, buttons=[{"title": "A museum", "payload": "/inform"}]),
            user(LONG_NAME, "inform", t=T0 + 9)])
    until = int(time.time()) + 3 * 86400
    respond = {action: "/respond/" + sign_link(links[action], action, until, LINK_SECRET) for action in links}
    with live_console(Settings(database_url=url, session_secret="a-session-secret-for-phone-tests",
                               link_secret=LINK_SECRET)) as base:
        yield {"url": base, "refs": refs, "reset": reset_token, "organisations": organisations, "respond": respond,
               "conversation": "phone-conversation-lyon-0123456789abcdef0123456789abcdef",
               "handoff": "phone-conversation-nice-0123456789abcdef0123456789abcdef"}
    engine.dispose()


def pages(console, staff: bool) -> dict[str, str]:
    """Every console page a person of that role opens, by name."""
    ref = console["refs"]["lyon"]
    out = {"home": "/console/", "inquiries": "/console/inquiries", "inquiry": f"/console/inquiries/{ref}",
           "conversations": "/console/conversations", "transcript": f"/console/conversations/{console['conversation']}",
           "dashboard": "/console/dashboard", "handoffs": "/console/handoffs",
           "handoff": f"/console/handoffs/{console['handoff']}", "organisations": "/console/organisations",
           "organisation": f"/console/organisations/{console['organisations']['lyon']}", "account": "/console/account",
           "not-found": "/console/inquiries/NOT-A-REFERENCE"}
    if staff:
        out["transcript-detail"] = out["transcript"] + "?detail=1"
        out["proposals"] = "/console/organisations/proposals"
    return out


def log_in(browser, console, email, viewport, locale: str = "en-GB"):
    # axe is injected inline; `locale` is the browser's language (its Accept-Language).
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale=locale)
    page = context.new_page()
    page.goto(console["url"] + "/console/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    return context, page


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def too_wide(page, width: int) -> list[str]:
    """The page's scroll width when wider than the viewport, and the elements reaching past it."""
    return page.evaluate("""(width) => {
        const out = [];
        if (document.documentElement.scrollWidth > width) out.push('scrollWidth ' + document.documentElement.scrollWidth);
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            // Visually hidden text (a phone's table header, .sr) sits off-screen inside a clipped box.
            let hidden = false;
            for (let up = el; up && !hidden; up = up.parentElement) hidden = getComputedStyle(up).position === 'absolute';
            // A right-to-left page overflows on the left.
            if (box.width && (box.right > width + 0.5 || box.left < -0.5) && !hidden)
                out.push(el.tagName.toLowerCase() + '.' + el.className + ' left=' + Math.round(box.left)
                         + ' right=' + Math.round(box.right));
        }
        return out.slice(0, 12);
    }""", width)


def serious_violations(page) -> list[tuple[str, str, str, list[str]]]:
    page.add_script_tag(path=str(AXE))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    found = page.evaluate(f"async () => (await axe.run(document, {{runOnly: {json.dumps(tags)}}})).violations")
    return [(v["id"], v["impact"], v["help"], [n["target"][0] for n in v["nodes"]][:3])
            for v in found if v["impact"] in ("serious", "critical")]


def check_page(page, url: str, name: str, viewport: dict, problems: dict) -> None:
    page.goto(url)
    check_loaded(page, name, viewport, problems)


def check_loaded(page, name: str, viewport: dict, problems: dict) -> None:
    """The page now shown: fits, keeps "Log out" in reach (when it has one), passes axe; a screenshot."""
    page.wait_for_selector("main")
    width = viewport["width"]
    wide = too_wide(page, width)
    if width <= 360 and wide:
        problems.setdefault("too wide", []).append((name, wide))
    logout = page.locator("header form[action$='/logout'] button")  # in the page's language
    if page.locator("header").count() and logout.count():
        box = logout.first.bounding_box()
        if not (logout.first.is_visible() and box and box["x"] >= 0 and box["x"] + box["width"] <= width
                and box["y"] + box["height"] <= viewport["height"]):
            problems.setdefault("log out out of reach", []).append((name, box))
    violations = serious_violations(page)
    if violations:
        problems.setdefault("axe", []).append((name, width, violations))
    shot(page, f"{'phone' if width <= 360 else 'desk'}-{name}")


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360px", "1280px"])
@pytest.mark.parametrize("email", [STAFF, FR], ids=["staff", "affiliate"])
def test_every_page_fits_keeps_log_out_in_reach_and_passes_axe(browser, console, email, viewport):
    staff = email == STAFF
    context, page = log_in(browser, console, email, viewport)
    problems: dict = {}
    who = "staff" if staff else "affiliate"
    try:
        for name, path in pages(console, staff).items():
            check_page(page, console["url"] + path, f"{who}-{name}", viewport, problems)
        assert problems == {}, json.dumps(problems, indent=1, default=str)
        if viewport == PHONE:
            # A stacked card names each value: the header row is hidden, each cell says its column.
            page.goto(console["url"] + "/console/inquiries")
            # The rarer filters are folded: the first inquiry starts on the first screen.
            first_card = page.locator("table.list tbody tr").first.bounding_box()
            assert first_card and first_card["y"] < PHONE["height"], first_card
            cell = page.locator("table.list tbody tr").first.locator("td").nth(1)
            label = cell.evaluate("td => getComputedStyle(td, '::before').content")
            assert label == '"Created"', label
            assert page.locator("table.list thead").first.bounding_box() is None or \
                page.locator("table.list thead").first.evaluate("t => t.getBoundingClientRect().height") <= 1
        page.locator("header button:has-text('Log out')").click()
        page.wait_for_url("**/console/login**")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360px", "1280px"])
def test_the_pages_before_logging_in_fit_and_pass_axe(browser, console, viewport):
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    problems: dict = {}
    try:
        for name, path in (("login", "/console/login"), ("forgot", "/console/forgot"),
                           ("reset", f"/console/reset/{console['reset']}")):
            check_page(page, console["url"] + path, name, viewport, problems)
    finally:
        context.close()
    assert problems == {}, json.dumps(problems, indent=1, default=str)


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360px", "1280px"])
def test_confirmations_and_the_e_mailed_link_pages_fit_and_pass_axe(browser, console, viewport):
    """The pages between a click and a change (re-assign, merge, accept, decline: nothing is
    confirmed here) and those opened from an e-mail without logging in."""
    problems: dict = {}
    arles = console["url"] + f"/console/inquiries/{console['refs']['arles']}"
    context, page = log_in(browser, console, STAFF, viewport)
    try:
        page.goto(arles)
        page.fill("#reassign-to", "wikimedia argentina")
        page.fill("#reassign-reason", "the partner moved to Buenos Aires")
        page.click("button:has-text('Re-assign…')")
        page.wait_for_selector("h1:has-text('to Wikimedia Argentina?')")
        check_loaded(page, "staff-reassign-confirm", viewport, problems)
        page.goto(console["url"] + f"/console/organisations/{console['organisations']['arles']}")
        page.fill("#merge-other", str(console["organisations"]["nice"]))
        page.click("form[action$='/merge'] button[type=submit]")
        page.wait_for_selector("h1:has-text('Merge')")
        check_loaded(page, "staff-merge-confirm", viewport, problems)
    finally:
        context.close()
    context, page = log_in(browser, console, FR, viewport)
    try:
        page.goto(arles)
        page.click("button:has-text('Accept this inquiry…')")
        page.wait_for_selector("h1:has-text('Accept')")
        check_loaded(page, "affiliate-accept-confirm", viewport, problems)
        page.goto(arles)
        page.fill("#decline-reason", "No volunteer is free for this in the coming months.")
        page.click("button:has-text('Decline…')")
        page.wait_for_selector("h1:has-text('Decline')")
        check_loaded(page, "affiliate-decline-confirm", viewport, problems)
    finally:
        context.close()
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    try:
        for name, path in (("respond-accept", console["respond"]["accept"]),
                           ("respond-decline", console["respond"]["decline"]),
                           ("respond-invalid", "/respond/not.a.token"),
                           ("reports-stop-invalid", "/reports/stop/not.a.token")):
            check_page(page, console["url"] + path, name, viewport, problems)
    finally:
        context.close()
    assert problems == {}, json.dumps(problems, indent=1, default=str)


def test_an_arabic_volunteer_s_pages_fit_a_phone_right_to_left(browser, console):
    """Every page an affiliate opens, in Arabic (the account's language) at 360 px: right to left,
    nothing reaching past either edge, "Log out" (in Arabic) on the first screen, axe clean."""
    context, page = log_in(browser, console, AR, PHONE)
    problems: dict = {}
    try:
        for name, path in pages(console, staff=False).items():
            page.goto(console["url"] + path)
            assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == \
                ["ar", "rtl"], name
            check_loaded(page, f"affiliate-ar-{name}", PHONE, problems)
        assert problems == {}, json.dumps(problems, indent=1, default=str)
        page.goto(console["url"] + "/console/")
        logout = page.locator("header form[action$='/logout'] button")
        assert logout.inner_text().strip() == "تسجيل الخروج", logout.inner_text()
        logout.click()
        page.wait_for_url("**/console/login**")
    finally:
        context.close()


def test_a_volunteer_and_staff_do_their_whole_job_on_a_phone_in_their_language(browser, console):
    """A French volunteer accepts an inquiry from their home page; a Spanish-speaking staff member
    finds another by typing its name without accents, re-assigns it and closes it as a duplicate:
    every step at 360 px in the browser's language, fitting the screen and passing axe."""
    problems: dict = {}
    toulouse, brest = console["refs"]["toulouse"], console["refs"]["brest"]
    context, page = log_in(browser, console, FR, PHONE, locale="fr-FR")
    try:
        assert page.inner_text("h1") == translate("fr", "What needs your action")
        check_loaded(page, "job-fr-home", PHONE, problems)
        page.click(f"table.list a:text('{toulouse}')")  # "Waiting for your answer", with the time left
        page.wait_for_selector(f"h1:has-text('{toulouse}')")
        check_loaded(page, "job-fr-inquiry", PHONE, problems)
        page.click("form[action$='/accept'] button")
        page.wait_for_selector("input[name=confirm]", state="attached")
        assert translate("fr", "The partner is told by e-mail that your affiliate accepted it and will contact them.") \
            in page.inner_text("main")
        check_loaded(page, "job-fr-accept-confirm", PHONE, problems)
        page.click("form[action$='/accept'] button")
        page.wait_for_selector(f"h1:has-text('{toulouse}')")
        assert labels.text("status", "accepted", "fr") in page.inner_text("main")
        check_loaded(page, "job-fr-accepted", PHONE, problems)
    finally:
        context.close()

    context, page = log_in(browser, console, STAFF, PHONE, locale="es-ES")
    try:
        assert page.inner_text("h1") == translate("es", "What needs your action")
        page.click(f"nav.sections a:text('{translate('es', 'Inquiries')}')")
        page.fill("input[name=q]", "mediatheque brest")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**q=mediatheque**")
        check_loaded(page, "job-es-search", PHONE, problems)
        page.click(f"table.list a:text('{brest}')")
        page.wait_for_selector(f"h1:has-text('{brest}')")
        page.fill("#reassign-to", "Wikimedia España")
        page.fill("#reassign-reason", "La organización trabaja sobre todo con contenidos en español.")
        page.click("form[action$='/reassign'] button[type=submit]")
        page.wait_for_selector("input[name=confirm]", state="attached")
        assert "Wikimedia España" in page.inner_text("h1")
        check_loaded(page, "job-es-reassign-confirm", PHONE, problems)
        page.click("form[action$='/reassign'] button[type=submit]")
        page.wait_for_selector(f"h1:has-text('{brest}')")
        assert "Wikimedia España" in page.inner_text("main")
        page.check("input[name=reason][value=duplicate]")
        page.fill("#duplicate-of", toulouse)
        page.click("form[action$='/close'] button[type=submit]")
        page.wait_for_selector(f"main a[href$='/{toulouse}']")  # the duplicate links to its original
        assert labels.text("status", "closed", "es") in page.inner_text("main")
        check_loaded(page, "job-es-closed", PHONE, problems)
    finally:
        context.close()
    assert problems == {}, json.dumps(problems, indent=1, default=str)


def focused(page) -> dict:
    """What has the keyboard's focus, and whether a ring shows it."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'), value: el.value || '',
                text: (el.innerText || '').trim().slice(0, 60),
                ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
    }""")


def tab_to(page, wanted, limit: int = 80) -> list[dict]:
    """Press Tab until `wanted(focused)`; every element passed on the way must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now)
        assert now["ring"], f"no visible focus on {now}"
        if wanted(now):
            return seen
    raise AssertionError(f"never reached by Tab: {seen[-5:]}")


def test_the_inquiry_page_by_keyboard_alone_skip_link_reassign_and_close(browser, console):
    """Runs last: it re-assigns and closes the `nice` inquiry."""
    ref = console["refs"]["nice"]
    context, page = log_in(browser, console, STAFF, PHONE)
    try:
        page.goto(console["url"] + f"/console/inquiries/{ref}")
        page.keyboard.press("Tab")
        skip = focused(page)
        assert skip["text"] == "Skip to content" and skip["ring"], skip
        box = page.locator("a.skip").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        page.keyboard.press("Enter")
        assert focused(page)["id"] == "main"
        # From the main content on: the header's links are skipped.
        first = tab_to(page, lambda f: True)[0]
        assert first["text"] == "← Inquiries", first
        tab_to(page, lambda f: f["id"] == "reassign-to")
        page.keyboard.type("wikimedia argentina")
        page.keyboard.press("Tab")
        assert focused(page)["id"] == "reassign-reason"
        page.keyboard.type("the partner moved to Buenos Aires")
        tab_to(page, lambda f: f["text"] == "Re-assign…", limit=3)
        page.keyboard.press("Space")
        page.wait_for_selector("h1:has-text('to Wikimedia Argentina?')")
        shot(page, "phone-keyboard-reassign-confirm")
        tab_to(page, lambda f: f["text"].startswith("Yes, re-assign"))
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Re-assigned.")

        tab_to(page, lambda f: f["name"] == "reason" and f["tag"] == "input")
        page.keyboard.press("ArrowDown")  # the radio group: from "done" to "duplicate"
        page.keyboard.press("ArrowDown")  # and on to "spam", each checked as it is reached
        assert focused(page)["value"] == "spam"
        tab_to(page, lambda f: f["id"] == "close-note")
        page.keyboard.type("sent by a bot")
        tab_to(page, lambda f: f["text"] == "Close the inquiry", limit=3)
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Closed.")
        assert "Closed: Spam" in page.inner_text("main")
        shot(page, "phone-keyboard-closed")
    finally:
        context.close()
