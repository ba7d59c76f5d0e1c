"""Drives the chat widget in a real browser (Playwright, Debian's Chromium) as a partner would:
click the launcher, read the bubbles, type, click the suggested answers.

Which question is open is read from Rasa's tracker (`requested_slot`), as the REST driver does,
so a test states facts and the widget is exercised by typing and clicking only.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from driver import REFERENCE, get_json
from playwright.sync_api import Browser, Page

from bot.intake.conversation_keys import conversation_id

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("INTAKE_CHROMIUM", "/usr/bin/chromium")
#: --disable-background-networking: Chromium's own calls home fail on this closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("INTAKE_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "widget"
WIDGET = "#intake-chat"
BOT_TEXT = f"{WIDGET} .msg.bot .text"


@dataclass
class WidgetPage:
    """The demo page with the widget, plus what a test needs to check the server side."""

    page: Page
    rasa_url: str
    token: str
    #: INTAKE_CONVERSATION_SECRET of the stack: the test derives the conversation id as the server does.
    conversation_secret: str = ""
    clicked: list[str] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)

    def open(self) -> None:
        self.page.click(f"{WIDGET} .launcher")
        self.page.wait_for_selector(f"{WIDGET} .panel", state="visible")

    def bot_texts(self) -> list[str]:
        return self.page.locator(BOT_TEXT).all_inner_texts()

    def wait_for_greeting(self, timeout: float = 20) -> None:
        self.page.wait_for_selector(f"{WIDGET} .choices button", timeout=timeout * 1000)
        self.settle()

    def session_id(self) -> str:
        state = self.page.evaluate("() => Object.entries(sessionStorage).find(([k]) => k.startsWith('intake-chat:'))")
        assert state, "the widget kept no conversation in sessionStorage"
        return json.loads(state[1])["sessionId"]

    def conversation_id(self) -> str:
        """The id the server knows the conversation by (derived from the widget's session key)."""
        return conversation_id(self.session_id(), self.conversation_secret)

    def tracker(self) -> dict:
        """Rasa's tracker of the conversation (`token`: the stack's admin JWT, sent in a header)."""
        found = get_json(f"{self.rasa_url}/conversations/{self.conversation_id()}/tracker?include_events=NONE", self.token)
        assert isinstance(found, dict)
        return found

    def settle(self, quiet: float = 0.6, timeout: float = 30) -> None:
        """Wait until the bot has answered: no typing indicator, no new bubble for `quiet` s,
        and Rasa listening again (the tracker is saved after the replies are sent)."""
        deadline = time.monotonic() + timeout
        count, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now = self.page.locator(f"{WIDGET} .msg, {WIDGET} .typing").count()
            typing = self.page.locator(f"{WIDGET} .typing").count()
            if now != count or typing:
                count, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet and self.tracker().get("latest_action_name") == "action_listen":
                return
            time.sleep(0.1)
        raise AssertionError(f"the bot did not settle; last replies: {self.bot_texts()[-3:]}")

    def say(self, text: str) -> None:
        replies = len(self.bot_texts())
        self.page.fill(f"{WIDGET} textarea", text)
        self.page.keyboard.press("Enter")
        self.typed.append(text)
        self._await_reply(replies)

    def choose(self, title: str) -> None:
        replies = len(self.bot_texts())
        self.page.locator(f"{WIDGET} .choices button:not([disabled])", has_text=title).last.click()
        self.clicked.append(title)
        self._await_reply(replies)

    def _await_reply(self, before: int) -> None:
        self.page.wait_for_function(
            f"() => document.querySelector('{WIDGET}').shadowRoot.querySelectorAll('.msg.bot').length > {before}",
            timeout=30000,
        )
        self.settle()

    def offered(self) -> list[str]:
        """The titles of the suggested answers under the bot's last message, if any."""
        return self.page.evaluate(
            f"""() => {{
                const last = document.querySelector('{WIDGET}').shadowRoot.querySelector('.log').lastElementChild;
                if (!last || !last.classList.contains('choices')) return [];
                return [...last.querySelectorAll('button:not([disabled])')].map(b => b.textContent);
            }}"""
        )

    def answer_form(self, answers: dict[str, str], *, max_turns: int = 25) -> str:
        """Answer every question (a button when one has the answer's title), accept the summary by
        its button, and return the reference number the widget shows."""
        for _ in range(max_turns):
            slots = self.tracker()["slots"]
            asked = slots.get("requested_slot")
            if asked:
                if asked not in answers:
                    raise AssertionError(f"unexpected question {asked!r}: {self.bot_texts()[-2:]}")
                self.reply(answers[asked])
                continue
            if slots.get("stage") == "summary":
                self.reply(answers["summary"])
                found = REFERENCE.search("\n".join(self.bot_texts()[-2:]))
                assert found, f"no reference number shown: {self.bot_texts()[-2:]}"
                return found.group(0)
            raise AssertionError(f"the intake stalled: {self.bot_texts()[-3:]}")
        raise AssertionError(f"no summary after {max_turns} turns")

    def reply(self, answer: str) -> None:
        if answer in self.offered():
            self.choose(answer)
        else:
            self.say(answer)


def launch(playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def screenshot(page: Page, name: str) -> Path:
    """Keep a screenshot as a test artefact (test-artifacts/widget/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
