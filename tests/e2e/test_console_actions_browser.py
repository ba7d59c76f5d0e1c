"""Staff and a volunteer affiliate at the console's "needs action" home, re-assigning with the
keyboard, closing, accepting and declining with their confirmations, in a real browser (Debian's
Chromium, Playwright) against the real console on a port and a real SQLite database. Screenshots
are kept in test-artifacts/console/."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import FakeDecision
from live_console import live_console
from sqlalchemy import select, update
from widget_driver import ARTIFACTS

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.settings import Settings
from bot.staff.passwords import hash_password
from bot.store import make_engine, make_sessionmaker, submit_inquiry, upgrade
from bot.store.accounts.users import add_user
from bot.store.clock import utcnow
from bot.store.tables import inquiries, routing_decisions, status_history

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough password"
STAFF, FR = "staff@actions.example", "fr@actions.example"
SHOTS = ARTIFACTS.parent / "console"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """The console on a free port; wm-fr holds `lyon` (overdue, alternatives wm-ch and
    wmf-partnerships), `spam` and `decline` (due in 5 days)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('console-actions') / 'intake.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    refs = {}
    now = utcnow()
    with sessionmaker.begin() as session:
        for email, affiliate in ((STAFF, None), (FR, "wm-fr")):
            add_user(session=session, email=email, role="affiliate" if affiliate else "staff", affiliate_id=affiliate,
                     password_hash=hash_password(PASSWORD))
        for key, due in (("lyon", now - timedelta(days=1)), ("spam", now + timedelta(days=2)),
                         ("decline", now + timedelta(days=5))):
            inquiry = Inquiry(conversation_id=f"c-{key}", partnership_type=PartnershipType.CONTENT_DONATION,
                              organization_name=f"Musée {key}", organization_type=OrganizationType.MUSEUM,
                              country="FR", description="photos", contact_name="Camille",
                              contact_email="camille@example.org", consent=True)
            refs[key] = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                       decision=FakeDecision(alternatives=("wm-ch", "wmf-partnerships"))).reference
            inquiry_id = session.scalar(select(inquiries.c.id).where(inquiries.c.reference == refs[key]))
            session.execute(update(routing_decisions).where(routing_decisions.c.inquiry_id == inquiry_id)
                            .values(response_due_at=due))
    with live_console(Settings(database_url=url, session_secret="a-session-secret-for-browser-tests")) as base:
        yield {"url": base, "refs": refs, "sessionmaker": sessionmaker}
    engine.dispose()


def log_in(browser, console, email, *, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
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


def count(page, need: str) -> int:
    return int(page.locator(f"[data-need={need}] .count").inner_text())


def test_staff_home_reassign_by_keyboard_with_confirmation_and_close(browser, console):
    refs = console["refs"]
    context, page = log_in(browser, console, STAFF)
    try:
        assert count(page, "overdue") == 1 and count(page, "review") == 0
        shot(page, "home-staff")
        page.click("[data-need=overdue] a")
        page.wait_for_url("**needs=overdue**")
        assert page.locator("table.list tbody a").all_inner_texts() == [refs["lyon"]]
        page.click(f"a:text('{refs['lyon']}')")
        page.wait_for_selector("#reassign-to")
        field = page.locator("#reassign-to")
        assert field.input_value() == "" and field.get_attribute("required") is not None
        options = page.locator("#reassign-choices option")
        assert options.first.get_attribute("value") == "Wikimedia CH (Switzerland) (wm-ch)"
        # Keyboard only: type part of the name into the field, tab to the reason, submit with Enter.
        field.focus()
        page.keyboard.type("wikimedia argentina")
        page.keyboard.press("Tab")
        page.keyboard.type("the partner moved to Buenos Aires")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector("h1:has-text('to Wikimedia Argentina?')")
        shot(page, "reassign-confirm")
        with console["sessionmaker"]() as session:
            current = session.scalar(select(routing_decisions.c.affiliate_id).join(
                inquiries, inquiries.c.id == routing_decisions.c.inquiry_id).where(
                inquiries.c.reference == refs["lyon"], routing_decisions.c.is_current.is_(True)))
        assert current == "wm-fr"  # nothing changed before the confirmation
        page.focus("button:has-text('Yes, re-assign to Wikimedia Argentina')")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Re-assigned.")
        assert "re-assigned to Wikimedia Argentina: the partner moved to Buenos Aires" in page.inner_text("main")

        page.goto(console["url"] + f"/console/inquiries/{refs['spam']}")
        page.check("input[name=reason][value=spam]")
        page.fill("#close-note", "a bot")
        page.click("button:has-text('Close the inquiry')")
        page.wait_for_selector("text=Closed.")
        assert "Closed: Spam" in page.inner_text("main")
        shot(page, "closed")
        page.goto(console["url"] + "/console/")
        assert count(page, "overdue") == 0
    finally:
        context.close()
    with console["sessionmaker"]() as session:
        reasons = session.scalars(select(status_history.c.reason).order_by(status_history.c.id)).all()
    assert "spam: a bot" in reasons


def test_the_affiliate_sees_what_waits_and_confirms_accept_and_decline(browser, console):
    refs = console["refs"]
    context, page = log_in(browser, console, FR)
    try:
        rows = page.locator("table.list tbody tr").all_inner_texts()
        assert any(refs["decline"] in row and "4 days left" in row for row in rows), rows
        shot(page, "home-affiliate")
        page.click(f"a:text('{refs['decline']}')")
        page.fill("#decline-reason", "not our topic")
        page.click("button:has-text('Decline…')")
        page.wait_for_selector("text=It goes on to")
        assert "Wikimedia CH (Switzerland)" in page.inner_text("main")
        shot(page, "decline-confirm")
        page.click("button:has-text('Yes, decline it')")
        page.wait_for_selector("text=Declined by you")
        assert "moved to Wikimedia CH (Switzerland), the next affiliate in line" in " ".join(page.inner_text("main").split())
        shot(page, "declined")
        page.goto(console["url"] + "/console/inquiries")
        row = page.locator(f"tr:has(a:text('{refs['decline']}'))").inner_text()
        assert "declined by you, moved to Wikimedia CH (Switzerland)" in row and "routed" not in row
    finally:
        context.close()
