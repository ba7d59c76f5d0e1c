"""A partner in the widget and a staff member in the hand-off inbox talk to each other in a real
browser (issue 14): two pages of Debian's Chromium against the e2e stack. The partner asks for a
person in the middle of the intake; the inbox shows them without a reload; the staff member's
reply reaches the widget over socket.io (the time from Send to the screen is printed); the
partner's answer reaches the inbox without a reload, and the assistant stays silent; handed
back, the assistant asks the question it had paused again. Screenshots of both pages are kept."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from widget_driver import ARTIFACTS, WIDGET, WidgetPage

from bot.i18n.catalog import load_catalog

pytestmark = pytest.mark.e2e

STAFF = "handoffs@console.example"
PASSWORD = "a long enough password for the inbox"
SHOTS = ARTIFACTS.parent / "handoffs"
#: Typed as the partner, in their words (the NLU's request_human).
ASK_FOR_A_PERSON = "Could I talk to a person, please?"


def shot(page, name: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The widget's message list scrolled to its latest message, as the partner sees it.
    page.evaluate("""() => { const host = document.querySelector('#intake-chat');
        const root = host && host.shadowRoot; if (!root) return;
        const log = root.querySelector('.log'); if (log) log.scrollTop = log.scrollHeight; }""")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture(scope="module")
def staff_user(stack):
    env = {**os.environ, "INTAKE_DATABASE_URL": stack.env["INTAKE_DATABASE_URL"]}
    done = subprocess.run([str(Path(sys.executable).with_name("intake")), "users", "add", "--email", STAFF,
                           "--role", "staff", "--password-stdin"], input=PASSWORD + "\n", text=True,
                          capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return STAFF


def _wait_in_widget(page, text: str, timeout: float = 15) -> None:
    page.wait_for_function(
        f"t => document.querySelector('{WIDGET}').shadowRoot.querySelector('.log').innerText.includes(t)",
        arg=text, timeout=timeout * 1000, polling=20)


def _bot_count(page) -> int:
    return page.locator(f"{WIDGET} .msg.bot").count()


def _type(chat: WidgetPage, text: str) -> None:
    """Send a message without waiting for the assistant (during a hand-off it says nothing)."""
    chat.page.fill(f"{WIDGET} textarea", text)
    chat.page.keyboard.press("Enter")


def _wait_for(condition, timeout: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_partner_and_staff_talk_in_two_pages_and_the_assistant_resumes(browser, stack, staff_user):
    partner_context = browser.new_context(viewport={"width": 1000, "height": 900})
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        # Page 2 first: the staff member has the inbox open, so somebody is available.
        inbox = staff_context.new_page()
        inbox.on("pageerror", lambda error: errors.append(str(error)))
        inbox.goto(stack.console_url + "/console/handoffs")
        inbox.fill("#email", STAFF)
        inbox.fill("#password", PASSWORD)
        inbox.click("button[type=submit]")
        inbox.wait_for_url("**/console/handoffs")
        assert "You count as available while this inbox is open" in inbox.inner_text("#availability-now")

        # Page 1: the partner starts an inquiry, answers the first question, then asks for a person.
        page = partner_context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(stack.console_url + "/")
        page.wait_for_selector(f"{WIDGET} .launcher")
        chat = WidgetPage(page, stack.rasa_url, stack.rasa_admin_token, stack.env["INTAKE_CONVERSATION_SECRET"])
        chat.open()
        chat.wait_for_greeting()
        chat.choose("Start a partnership inquiry")
        chat.reply("We want to donate photographs")
        paused_slot = chat.tracker()["slots"]["requested_slot"]
        assert paused_slot, "the form asked no question"
        before = _bot_count(page)
        _type(chat, ASK_FOR_A_PERSON)
        page.wait_for_function(
            f"() => document.querySelector('{WIDGET}').shadowRoot.querySelectorAll('.msg.bot').length > {before}",
            timeout=30000)
        _wait_for(lambda: chat.tracker().get("paused") is True, what="the conversation to pause")
        conversation = chat.conversation_id()

        # The inbox shows the partner without a reload.
        link = f'#handoff-list a[href="/console/handoffs/{conversation}"]'
        inbox.wait_for_selector(link, timeout=10000)
        assert inbox.locator("#nav-waiting").is_visible()
        shot(inbox, "inbox-waiting")
        inbox.click(link)
        inbox.wait_for_selector("#handoff-transcript")
        assert ASK_FOR_A_PERSON in inbox.inner_text("#handoff-transcript")

        # The staff member replies: the time from Send to the text on the partner's screen.
        reply = "Hello, I am from the partnerships team. How can I help?"
        inbox.fill("#reply-text", reply)
        started = time.monotonic()
        inbox.click("#handoff-reply button[type=submit]")
        _wait_in_widget(page, reply)
        elapsed = time.monotonic() - started
        print(f"\nreply to the partner's screen: {elapsed * 1000:.0f} ms", flush=True)
        # ... and the inbox shows it in the transcript, from the tracker, through the live stream.
        inbox.locator("#handoff-transcript li.turn.person", has_text=reply).wait_for(timeout=5000)

        # The partner answers: the inbox shows it without a reload; the assistant says nothing.
        answer = "We have about 2,000 photographs of the harbour from 1900 to 1950."
        silent_from = _bot_count(page)
        _type(chat, answer)
        inbox.locator("#handoff-transcript li.turn.partner", has_text=answer).wait_for(timeout=10000)
        time.sleep(1.5)
        assert _bot_count(page) == silent_from, "the assistant spoke during the hand-off"
        assert page.locator(f"{WIDGET} .typing").count() == 0, "the widget shows the assistant typing"
        shot(inbox, "inbox-conversation")
        shot(page, "widget-with-person", full_page=False)  # the widget is fixed to the viewport

        # Handed back: the assistant asks the question it had paused again.
        before = _bot_count(page)
        inbox.click("button:text('Hand back to the assistant')")
        inbox.wait_for_selector("text=Handed back to the assistant")
        page.wait_for_function(
            f"() => document.querySelector('{WIDGET}').shadowRoot.querySelectorAll('.msg.bot').length > {before}",
            timeout=15000)
        _wait_for(lambda: not chat.tracker().get("paused"), what="the conversation to resume")
        # (Rasa's `execute` runs the one action: no action_listen follows, so no `chat.settle()`.)
        catalog = load_catalog("en").responses
        questions = {str(v["text"]).strip() for name in (f"utter_ask_{paused_slot}", f"utter_ask_{paused_slot}_buttons")
                     for v in catalog.get(name, [])}
        _wait_for(lambda: chat.bot_texts()[-1].strip() in questions, timeout=15,
                  what=f"the paused question ({paused_slot}) again; last: {chat.bot_texts()[-2:]}")
        assert chat.tracker()["slots"]["requested_slot"] == paused_slot
        shot(page, "widget-resumed", full_page=False)
        shot(inbox, "inbox-handed-back")
        assert not errors, errors
    finally:
        partner_context.close()
        staff_context.close()
