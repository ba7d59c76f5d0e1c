"""The website widget in a real browser: Debian's Chromium driven by Playwright, against the real
console (demo page, /widget.js), Rasa (socket.io) and action servers of the e2e stack."""
from __future__ import annotations

import json
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from driver import get_json
from widget_driver import ROOT, WIDGET, WidgetPage, screenshot

from bot.i18n.catalog import supported_languages

pytestmark = pytest.mark.e2e

AXE = ROOT / "integrations" / "webchat" / "node_modules" / "axe-core" / "axe.min.js"
SOCKET = re.compile(r"/socket\.io/")
MUSEUM = {
    "partnership_type": "We want to donate photographs",
    "organization_name": "Musée d'histoire de Lyon",
    "organization_type": "museum",
    "country": "France",
    "content_language": "French",
    "licence": "CC BY-SA",
    "project_description": "2,000 photographs of the city from 1900 to 1950",
    "consent": "Yes, you may",
    "contact_name": "Alex Example",
    "contact_email": "alex@example.org",
    "summary": "Yes, send it",
}


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


def widget(context, stack, path: str = "/") -> WidgetPage:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(stack.console_url + path)
    page.wait_for_selector(f"{WIDGET} .launcher")
    assert not errors, errors
    return WidgetPage(page, stack.rasa_url, stack.rasa_admin_token, stack.env["INTAKE_CONVERSATION_SECRET"])


def test_demo_page_embeds_the_widget_with_one_script_tag(stack):
    with urllib.request.urlopen(stack.console_url + "/") as response:
        html = response.read().decode()
    tags = re.findall(r"<script[^>]*\bsrc=[^>]*>", html)
    assert tags == ['<script src="/widget.js" data-language="auto" async>']


def test_whole_intake_in_the_browser_by_typing_and_clicking(context, stack):
    chat = widget(context, stack)
    chat.open()
    chat.wait_for_greeting()
    notice = chat.page.locator(f"{WIDGET} .notice a")
    assert notice.get_attribute("href") == stack.console_url + "/privacy"
    assert notice.is_visible()
    assert "Wikimedia" in chat.bot_texts()[0]
    # The language picker lists the languages the assistant speaks; with one there is none.
    assert chat.page.locator(f"{WIDGET} .lang").is_hidden() == (len(supported_languages()) < 2)

    chat.choose("Start a partnership inquiry")
    reference = chat.answer_form(MUSEUM)

    assert len(chat.clicked) >= 3 and len(chat.typed) >= 6, (chat.clicked, chat.typed)
    assert reference in chat.page.locator(f"{WIDGET} .log").inner_text()
    # The reference never breaks across lines; e-mail addresses are links.
    shown = chat.page.locator(f"{WIDGET} .log .ref").last
    assert shown.inner_text() == reference
    assert shown.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    assert chat.page.locator(f'{WIDGET} .log a[href="mailto:alex@example.org"]').count() >= 1
    found = get_json(f"{stack.console_url}/api/inquiries?conversation_id={chat.conversation_id()}",
                     stack.env["INTAKE_API_TOKEN"])
    assert isinstance(found, list) and [item["reference"] for item in found] == [reference]
    inquiry = found[0]
    assert inquiry["organization"]["name"] == MUSEUM["organization_name"]
    assert inquiry["country"] == "FR" and inquiry["routing"]["affiliate_id"] == "wm-fr"
    assert inquiry["consent"] is True and inquiry["contact"]["email"] == "alex@example.org"


def test_addresses_in_replies_are_links(context, stack):
    chat = widget(context, stack)
    chat.open()
    chat.wait_for_greeting()
    chat.say("what's the weather like in Paris tomorrow?")
    chat.settle()
    link = chat.page.locator(f'{WIDGET} .log a[href="https://wikimediafoundation.org/about/contact"]')
    assert link.count() == 1 and link.get_attribute("rel") == "noopener noreferrer"


def test_reloading_the_page_continues_the_conversation(context, stack):
    chat = widget(context, stack)
    chat.open()
    chat.wait_for_greeting()
    chat.choose("Start a partnership inquiry")
    chat.say("We want to donate photographs")
    session, shown = chat.session_id(), chat.page.locator(f"{WIDGET} .msg").count()
    asked = chat.tracker()["slots"]["requested_slot"]

    chat.page.reload()
    chat.page.wait_for_selector(f"{WIDGET} .panel", state="visible")
    assert chat.session_id() == session
    assert chat.page.locator(f"{WIDGET} .msg").count() == shown
    assert chat.page.locator(f"{WIDGET} textarea").evaluate("(el) => el === el.getRootNode().activeElement")

    chat.say(MUSEUM[asked])
    slots = chat.tracker()["slots"]
    assert slots["partnership_type"] == "content_donation"
    assert slots[asked], f"the answer to {asked} given after the reload was lost: {chat.bot_texts()[-3:]} {slots}"
    assert slots["requested_slot"] != asked


def test_a_lost_connection_reconnects_says_so_and_loses_nothing(context, stack):
    chat = widget(context, stack)
    page = chat.page
    outage = threading.Event()
    sockets = []

    def route(ws):
        if outage.is_set():
            ws.close()
            return
        sockets.append(ws)
        ws.connect_to_server()

    page.route_web_socket(SOCKET, route)
    page.route(SOCKET, lambda request: request.abort() if outage.is_set() else request.continue_())
    chat.open()
    chat.wait_for_greeting()
    status = page.locator(f"{WIDGET} .status")
    assert status.inner_text() == ""

    outage.set()
    for ws in sockets:
        ws.close()
    page.wait_for_function(f"() => document.querySelector('{WIDGET}').shadowRoot.querySelector('.status').textContent.includes('Reconnecting')")
    assert status.get_attribute("role") == "status"
    page.fill(f"{WIDGET} textarea", "We want to donate photographs")
    page.keyboard.press("Enter")
    assert page.locator(f"{WIDGET} .msg.user.pending").count() == 1

    before = len(chat.bot_texts())
    outage.clear()
    page.wait_for_function(f"() => document.querySelector('{WIDGET}').shadowRoot.querySelector('.status').textContent.includes('Reconnected')",
                           timeout=20000)
    page.wait_for_function(f"() => document.querySelector('{WIDGET}').shadowRoot.querySelectorAll('.msg.bot').length > {before}",
                           timeout=30000)
    chat.settle()
    assert page.locator(f"{WIDGET} .msg.user.pending").count() == 0
    assert chat.tracker()["slots"]["partnership_type"] == "content_donation"


def test_phone_and_desktop_layouts_keep_everything_readable(browser, stack):
    for name, viewport in (("widget-360x740", {"width": 360, "height": 740}), ("widget-desktop", {"width": 1280, "height": 800})):
        context = browser.new_context(viewport=viewport)
        try:
            chat = widget(context, stack)
            chat.open()
            chat.wait_for_greeting()
            chat.choose("Start a partnership inquiry")
            chat.say("help")  # a long reply
            chat.say("hmm, we are not sure yet")
            chat.say("maybe something with books")  # two misses: every kind of partnership as a button
            assert len(chat.offered()) >= 6
            overflow = chat.page.evaluate(f"""() => {{
                const root = document.querySelector('{WIDGET}').shadowRoot;
                const width = document.documentElement.clientWidth;
                return [...root.querySelectorAll('.msg, .choices button, .send, textarea, .close')]
                    .map(el => el.getBoundingClientRect())
                    .filter(r => r.left < 0 || r.right > width + 0.5).length;
            }}""")
            assert overflow == 0, f"{overflow} elements overflow the {viewport['width']} px viewport"
            log = chat.page.locator(f"{WIDGET} .log")
            assert log.evaluate("(el) => el.scrollWidth <= el.clientWidth")
            if viewport["width"] == 360:
                box = chat.page.locator(f"{WIDGET} .panel").bounding_box()
                assert box and box["width"] == 360, "on a phone the chat takes the whole screen"
            path = screenshot(chat.page, name)
            assert path.stat().st_size > 10_000
        finally:
            context.close()


def test_keyboard_only(context, stack):
    chat = widget(context, stack)
    page = chat.page
    for _ in range(30):  # the page's own links come first
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id === 'intake-chat'"):
            break
    focused = page.evaluate(f"() => document.querySelector('{WIDGET}').shadowRoot.activeElement.className")
    assert focused == "launcher"
    outline = page.locator(f"{WIDGET} .launcher").evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused launcher shows no focus indicator"
    page.keyboard.press("Enter")
    chat.wait_for_greeting()
    assert page.locator(f"{WIDGET} .launcher").get_attribute("aria-expanded") == "true" or page.locator(
        f"{WIDGET} .launcher").is_hidden()
    active = f"() => document.querySelector('{WIDGET}').shadowRoot.activeElement"
    assert page.evaluate(active + ".tagName") == "TEXTAREA"
    # Focus order: header, privacy link, messages, suggested answers, input, send.
    page.locator(f"{WIDGET} .close").focus()
    order = []
    for _ in range(7):
        order.append(page.evaluate(f"""() => {{
            const el = document.querySelector('{WIDGET}').shadowRoot.activeElement;
            return el.getAttribute('aria-label') || el.textContent || el.tagName;
        }}"""))
        page.keyboard.press("Tab")
    assert order == ["Close the chat", "Privacy notice", "Conversation", "Start a partnership inquiry",
                     "What is a Wikimedia chapter?", "Which licences work?", "TEXTAREA"], order
    page.keyboard.press("Escape")
    assert page.locator(f"{WIDGET} .panel").is_hidden()
    assert page.evaluate(active + ".className") == "launcher"


def test_accessibility_scan_of_the_open_widget_finds_nothing_serious(context, stack):
    chat = widget(context, stack)
    page = chat.page
    page.add_script_tag(path=str(AXE))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    scan = f"async () => (await axe.run('{WIDGET}', {{runOnly: {json.dumps(tags)}}})).violations"
    closed = page.evaluate(scan)
    chat.open()
    chat.wait_for_greeting()
    chat.choose("Start a partnership inquiry")
    opened = page.evaluate(scan)
    serious = [(v["id"], v["impact"], v["help"]) for v in closed + opened if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert page.evaluate("async () => (await axe.run('#intake-chat', {runOnly: ['color-contrast']})).passes.length") > 0


def test_right_to_left_conversation(context, stack):
    chat = widget(context, stack, "/?lang=ar")
    page = chat.page
    root = page.locator(f"{WIDGET} .root")
    assert root.get_attribute("dir") == "rtl" and root.get_attribute("lang") == "ar"
    assert page.locator(f"{WIDGET} .launcher").inner_text() == "الشراكة مع ويكيميديا"
    chat.open()
    chat.wait_for_greeting()
    chat.say("نحن متحف في القاهرة ونريد التبرع بالصور")
    chat.settle()
    directions = page.evaluate(f"""() => [...document.querySelector('{WIDGET}').shadowRoot.querySelectorAll('.msg')]
        .map(m => [m.classList.contains('user') ? 'user' : 'bot', getComputedStyle(m.querySelector('.text')).direction])""")
    assert ["user", "rtl"] in directions
    # The assistant answers in Arabic, and its messages read right to left.
    bot = [d for who, d in directions if who == "bot"]
    assert len(bot) >= 2 and set(bot) == {"rtl"}, directions
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in text) for text in chat.bot_texts()), chat.bot_texts()
    assert chat.tracker()["slots"]["language"] == "ar"
    panel = page.locator(f"{WIDGET} .panel").bounding_box()
    user = page.locator(f"{WIDGET} .msg.user").last.bounding_box()
    assert panel and user and user["x"] - panel["x"] < 40, "in RTL the partner's messages sit on the left"
    screenshot(page, "widget-rtl-ar")


def test_the_language_picker_switches_mid_form_and_keeps_the_answers(context, stack):
    chat = widget(context, stack)
    chat.open()
    chat.wait_for_greeting()
    chat.say("We are a museum in Lyon and want to donate photos under CC BY-SA")
    chat.settle()
    before = chat.tracker()["slots"]
    assert before["language"] == "en" and before["requested_slot"]
    chat.page.select_option(f"{WIDGET} .lang", "es")
    chat.settle()
    after = chat.tracker()["slots"]
    assert (after["language"], after["requested_slot"]) == ("es", before["requested_slot"])
    kept = ("partnership_type", "country", "licence")
    assert {k: after[k] for k in kept} == {k: before[k] for k in kept}
    # The question comes again in Spanish, and the widget's own labels follow.
    assert "Por supuesto" in " ".join(chat.bot_texts()[-3:]), chat.bot_texts()[-3:]
    assert chat.page.locator(f"{WIDGET} textarea").get_attribute("placeholder") == "Escriba su mensaje…"


class _PartnerSite(BaseHTTPRequestHandler):
    """A page on another origin that embeds the widget from the console."""

    console = ""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = (f'<!doctype html><html lang="en"><title>Partner</title><h1>Partner site</h1>'
                f'<script src="{self.console}/widget.js" data-language="auto" async></script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_site_not_in_allowed_origins_cannot_talk_to_the_assistant(context, stack):
    handler = type("Site", (_PartnerSite,), {"console": stack.console_url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.click(f"{WIDGET} .launcher")
        page.wait_for_function(f"() => document.querySelector('{WIDGET}').shadowRoot.querySelector('.status').textContent.includes('Reconnecting')",
                               timeout=20000)
        page.wait_for_timeout(1500)
        assert page.locator(f"{WIDGET} .msg.bot").count() == 0
    finally:
        server.shutdown()
