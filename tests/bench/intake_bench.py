"""`make bench`: per-message latency, throughput and memory of whole intakes over REST.

Starts the real servers (as `make run` does) on free ports with a scratch SQLite database, then
holds every end-to-end scenario: sequentially, then 10 conversations at a time. Also compares
the number of partner messages with a rich opening sentence and with a bare "hello".
"""
from __future__ import annotations

import secrets
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from driver import Conversation  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402

from bot.nlp.train import train  # noqa: E402
from bot.store import upgrade  # noqa: E402
from integrations.stack.processes import Stack, base_env, free_port  # noqa: E402

PLAIN_OPENING = "Hello, I'd like to make a partnership inquiry"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one(stack: Stack, scenario: dict, rich: bool) -> Conversation:
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"bench-{uuid.uuid4().hex[:12]}")
    opening = scenario["opening"] if rich else PLAIN_OPENING
    answers = dict(scenario["answers"])
    reference = chat.complete_intake(opening, answers)
    if not reference:
        raise AssertionError(chat.transcript())
    return chat


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def report(label: str, chats: list[Conversation], wall: float) -> None:
    latencies = [t.seconds * 1000 for c in chats for t in c.turns]
    messages = [len(c.turns) for c in chats]
    print(
        f"{label:<34} {len(chats):>3} intakes {len(latencies):>4} msgs  "
        f"p50 {percentile(latencies, 50):6.0f} ms  p95 {percentile(latencies, 95):6.0f} ms  "
        f"{len(latencies) / wall:5.1f} msg/s  median partner msgs/intake {statistics.median(messages):.0f}",
        flush=True,
    )


def main() -> None:
    started = time.monotonic()
    model = train()
    print(f"model ready in {time.monotonic() - started:.1f} s ({model.name})")
    with tempfile.TemporaryDirectory() as tmp:
        env = base_env(
            INTAKE_DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()),
            INTAKE_CONSOLE_PORT=str(free_port()), INTAKE_API_TOKEN=secrets.token_urlsafe(32),
            INTAKE_LINK_SECRET=secrets.token_urlsafe(32), INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
            # The bench measures the server at full speed from one address: no abuse limits.
            INTAKE_RATE_CONVERSATION_PER_MINUTE="0", INTAKE_RATE_CLIENT_PER_MINUTE="0", INTAKE_MAX_INQUIRIES_PER_HOUR="0",
        )
        upgrade(env["INTAKE_DATABASE_URL"])
        stack = Stack(env=env, model=model, log_dir=Path(tmp) / "logs")
        boot = time.monotonic()
        stack.start()
        try:
            stack.wait_ready(timeout=300)
            print(f"servers ready in {time.monotonic() - boot:.1f} s; Rasa RSS {rss_mb(stack.procs['rasa'].pid):.0f} MB")
            for rich in (True, False):
                t0 = time.monotonic()
                chats = [one(stack, s, rich) for s in SCENARIOS]
                report(f"sequential, {'rich' if rich else 'plain'} opening", chats, time.monotonic() - t0)
            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=10) as pool:
                chats = list(pool.map(lambda s: one(stack, s, True), SCENARIOS * 2))
            report("10 concurrent, rich opening", chats, time.monotonic() - t0)
            print(f"Rasa server RSS after the run: {rss_mb(stack.procs['rasa'].pid):.0f} MB; "
                  f"action server {rss_mb(stack.procs['actions'].pid):.0f} MB; "
                  f"console {rss_mb(stack.procs['console'].pid):.0f} MB")
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
