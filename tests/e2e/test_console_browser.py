"""Staff and an affiliate doing their jobs in the console in a real browser (Debian's Chromium,
Playwright), against the e2e stack, with users made by `intake users add`."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from driver import Conversation, get_json
from scenarios import SCENARIOS
from widget_driver import ARTIFACTS

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough password"
STAFF, AFFILIATE = "staff@console.example", "fr@console.example"
SHOTS = ARTIFACTS.parent / "console"


def intake_cli(stack, *argv: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "INTAKE_DATABASE_URL": stack.env["INTAKE_DATABASE_URL"]}
    return subprocess.run([str(Path(sys.executable).with_name("intake")), *argv], input=stdin, text=True,
                          capture_output=True, env=env, timeout=60)


@pytest.fixture(scope="module")
def people(stack):
    for email, extra in ((STAFF, ["--role", "staff"]), (AFFILIATE, ["--role", "affiliate", "--affiliate", "wm-fr"])):
        done = intake_cli(stack, "users", "add", "--email", email, *extra, "--password-stdin", stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    scenario = next(s for s in SCENARIOS if s["id"] == "lyon-museum")
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"console-{uuid.uuid4().hex[:10]}")
    # An organisation of its own: once accepted here, the same name would be routed by
    # continuity in the other end-to-end tests that share this stack.
    answers = {**scenario["answers"], "organization_name": f"Musée console {uuid.uuid4().hex[:6]}"}
    reference = chat.complete_intake(scenario["opening"], answers)
    assert reference
    return {"reference": reference, "conversation": chat.conversation_id}


def log_in(browser, stack, email):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(stack.console_url + "/console/inquiries")
    assert "/console/login" in page.url
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/inquiries")
    return context, page


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_staff_filter_open_a_transcript_flag_a_turn_and_see_the_dashboard(browser, stack, people):
    context, page = log_in(browser, stack, STAFF)
    try:
        # The rarer filters are folded away until asked for, and stay open while one is in use.
        assert not page.locator("input[name=country]").is_visible()
        page.click("form.filters details.more summary")
        page.fill("input[name=country]", "FR")
        page.select_option("select[name=status]", "routed")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**country=FR**")
        assert page.locator(f"a:text('{people['reference']}')").count() == 1
        assert page.locator("input[name=country]").is_visible()
        assert page.locator("form.filters details.more summary").inner_text() == "More filters (in use: 1)"
        shot(page, "inquiries")
        page.click(f"a:text('{people['reference']}')")
        page.wait_for_selector("h1")
        assert "Wikimédia France" in page.inner_text("main") and "by the rule “Chapter of the country”" in page.inner_text("main")
        page.click("a:text('transcript')")
        page.wait_for_selector("ol.transcript")
        # The people's view: the partner's words and the assistant's, one line each, nothing technical.
        plain = page.inner_text("ol.transcript")
        assert "start_intake" not in plain and "slot" not in plain and page.locator("li.turn.slot").count() == 0
        for line in page.locator("li.turn").all()[:8]:
            who, said = line.locator(".who").bounding_box(), line.locator(".text").bounding_box()
            # One line per turn at 1280 px: the words start beside the speaker (a long message wraps there).
            assert who is not None and said is not None and abs(who["y"] - said["y"]) < 6, line.inner_text()
        shot(page, "transcript-plain")
        page.click("#detail-toggle")
        page.wait_for_url("**detail=1**")
        assert page.locator("li.turn.slot").count() > 0
        first = page.locator("li.turn.partner").first
        assert "start_intake" in first.inner_text() or "inform" in first.inner_text()
        first.locator("summary").click()
        first.locator("select[name=intent]").select_option("start_intake")
        first.locator("button[type=submit]").click()
        page.wait_for_selector("text=flagged: should be")
        shot(page, "transcript")
        page.click("nav.sections a:text('Dashboard')")
        page.wait_for_selector("svg.chart")
        assert page.locator("svg.chart").count() >= 6
        shot(page, "dashboard")
    finally:
        context.close()
    exported = intake_cli(stack, "export-training-data")
    assert exported.returncode == 0 and "- intent: start_intake" in exported.stdout


def test_the_affiliate_accepts_its_inquiry(browser, stack, people):
    context, page = log_in(browser, stack, AFFILIATE)
    try:
        page.click(f"a:text('{people['reference']}')")
        page.click("button:has-text('Accept this inquiry')")
        page.wait_for_selector("text=becomes yours")
        shot(page, "accept-confirm")
        page.click("button:has-text('Yes, accept it')")
        page.wait_for_selector("text=Accepted.")
        shot(page, "accepted")
        assert page.locator("nav.sections a:text('Conversations')").count() == 1
    finally:
        context.close()
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{people['reference']}", stack.env["INTAKE_API_TOKEN"])
    assert inquiry["status"] == "accepted"


#: The dashboard's height at 1280 px before issue 16 (twelve weeks of zeros, fixed-size charts).
DASHBOARD_HEIGHT_BEFORE = 4188


def test_the_dashboard_is_compact_at_1280_px_and_every_chart_readable_at_360_px(browser, stack, people):
    context, page = log_in(browser, stack, STAFF)
    try:
        page.goto(stack.console_url + "/console/dashboard")
        page.wait_for_selector("svg.chart")
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"dashboard at 1280 px: {height} px tall (before issue 16: {DASHBOARD_HEIGHT_BEFORE} px)")
        shot(page, "dashboard-1280")
        assert height < DASHBOARD_HEIGHT_BEFORE / 2
        page.select_option("select[name=weeks]", "4")
        page.click("form.range button[type=submit]")
        page.wait_for_url("**weeks=4**")
        assert "last 4 weeks" in page.inner_text("main")
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(stack.console_url + "/console/dashboard")
        page.wait_for_selector("svg.chart")
        charts = page.locator("svg.chart")
        assert charts.count() >= 6
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
            # Drawn 360 units wide with 13-unit text: shown this wide, its text is at least 11 px.
            assert box["width"] * 13 / 360 >= 11, box
        shot(page, "dashboard-360")
        print(f"dashboard at 360 px: {page.evaluate('document.documentElement.scrollHeight')} px tall")
    finally:
        context.close()


def test_an_arabic_affiliate_sees_the_console_right_to_left_in_arabic(browser, stack, people):
    """A browser asking for Arabic in Beirut: Arabic texts, <html dir=rtl> laid out right to left
    (the brand at the right edge, no horizontal scrolling), codes by Arabic names, and times
    rewritten to the browser's time zone with the UTC value kept on hover."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar-EG", timezone_id="Asia/Beirut")
    try:
        page = context.new_page()
        page.goto(stack.console_url + "/console/inquiries")
        assert page.locator("html").get_attribute("dir") == "rtl" and "تسجيل الدخول" in page.inner_text("h1")
        page.fill("#email", AFFILIATE)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/inquiries")
        assert page.locator("html").get_attribute("lang") == "ar"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert "الطلبات" in page.inner_text("nav.sections") and "تسجيل الخروج" in page.inner_text("header")
        row = page.locator("tbody tr", has_text=people["reference"])
        assert "التبرع بالمحتوى" in row.inner_text() and "فرنسا" in row.inner_text()
        brand = page.locator("a.brand").bounding_box()
        assert brand is not None and brand["x"] + brand["width"] > 1280 * 0.6, brand
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        when = row.locator("time")
        assert when.get_attribute("title").endswith(" UTC")
        iso = when.get_attribute("datetime")
        local, utc = (page.evaluate("([iso, zone]) => new Intl.DateTimeFormat('ar', {dateStyle: 'short', "
                                    "timeStyle: 'short', timeZone: zone}).format(new Date(iso))", [iso, zone])
                      for zone in ("Asia/Beirut", "UTC"))
        assert local != utc  # Beirut is never on UTC: the text below is the rewritten one
        page.wait_for_function("([iso, text]) => document.querySelector(`time[datetime='${iso}']`).textContent === text",
                               arg=[iso, local])
        shot(page, "inquiries-ar")
        page.click("a.brand")
        page.wait_for_selector("h1")
        assert page.inner_text("h1") == "ما يتطلّب إجراءً منك"
        shot(page, "home-ar")
    finally:
        context.close()
