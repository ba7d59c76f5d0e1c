"""`make bench-widget`: what the widget costs a partner site, measured in Debian's Chromium.

Starts the real servers (as `make run` does) on free ports, then loads the demo page with an
empty cache, five times each on loopback and on an emulated slow 4G link (150 ms, 1.6 Mbit/s),
and prints medians of:
- bytes transferred (compressed) for the loader at page load, and for the socket.io client,
  which is fetched only when a conversation starts;
- time to interactive: navigation start until the launcher is on the page and answers clicks;
- time from the click on the launcher to the assistant's greeting on screen.
"""
from __future__ import annotations

import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from playwright.sync_api import sync_playwright  # noqa: E402
from widget_driver import WIDGET, launch  # noqa: E402

from bot.nlp.train import train  # noqa: E402
from bot.store import upgrade  # noqa: E402
from integrations.stack.processes import Stack, base_env, free_port  # noqa: E402

RUNS = 5
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 0.75e6 / 8}


def transferred(page, fragment: str) -> int:
    return int(page.evaluate(
        "(f) => performance.getEntriesByType('resource').filter(e => e.name.includes(f))"
        ".reduce((n, e) => n + e.transferSize, 0)", fragment))


def one_load(browser, url: str, network: dict | None) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    if network:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", network)
    page.goto(url, wait_until="load")
    page.wait_for_selector(f"{WIDGET} .launcher")
    interactive = page.evaluate("performance.getEntriesByName('intake-chat:interactive')[0].startTime")
    loader = transferred(page, "/widget.js")
    started = time.perf_counter()
    page.click(f"{WIDGET} .launcher")
    page.wait_for_selector(f"{WIDGET} .msg.bot", timeout=60000)
    greeting = (time.perf_counter() - started) * 1000
    client = transferred(page, "socket.io.min.js")
    context.close()
    return {"loader": loader, "client": client, "interactive": interactive, "greeting": greeting}


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="intake-widget-bench-"))
    env = base_env(
        INTAKE_DATABASE_URL=f"sqlite:///{workdir / 'intake.db'}",
        INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()),
        INTAKE_CONSOLE_PORT=str(free_port()), INTAKE_API_TOKEN=secrets.token_urlsafe(32),
        INTAKE_LINK_SECRET=secrets.token_urlsafe(32),
    )
    upgrade(env["INTAKE_DATABASE_URL"])
    stack = Stack(env=env, model=train(), log_dir=workdir / "logs")
    stack.start()
    try:
        stack.wait_ready(timeout=240)
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for label, network in (("loopback", None), ("slow 4G (150 ms, 1.6 Mbit/s)", SLOW_4G)):
                runs = [one_load(browser, stack.console_url + "/", network) for _ in range(RUNS)]
                median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                print(f"{label:<30} loader {median['loader'] / 1024:5.1f} KiB  socket.io client "
                      f"{median['client'] / 1024:5.1f} KiB (on open)  time to interactive "
                      f"{median['interactive']:6.0f} ms  click to greeting {median['greeting']:6.0f} ms",
                      flush=True)
            browser.close()
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
