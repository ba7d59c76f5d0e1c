"""`make bench`: this project's intakes and the stock `rasa init` bot, side by side in one run.

Both are served by the same Rasa on the same machine, driven by the same client (urllib, one
HTTP connection per message, as tests/e2e/driver.py) at the same concurrency, and only
message -> reply round trips over the REST channel are timed. The project's whole intakes are
first held once untimed, answering whatever the form asks by reading the tracker; the messages
sent become a script that the timed phases replay with fresh conversations, so no tracker read
happens between timed turns (the stock side has none either). A replay must still end with a
reference, as its recording did.

Phases per bot: sequential, then 10 conversations at a time. `--profile` (`make bench PROFILE=1`)
records py-spy profiles of the project's Rasa server and action server (and the stock Rasa
server) during the concurrent phase into var/bench/ and prints their top entries.
"""
from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from driver import REFERENCE, Conversation  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402

from bot.nlp.train import train  # noqa: E402
from bot.store import upgrade  # noqa: E402
from integrations.stack.processes import Stack, base_env, free_port  # noqa: E402
from tests.bench import profiling, stock_bot  # noqa: E402

PLAIN_OPENING = "Hello, I'd like to make a partnership inquiry"
CONCURRENCY = 10
VAR = ROOT / "var"
PROFILE_DIR = VAR / "bench"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


@dataclass
class Script:
    """The partner messages of one conversation, and whether its end must show a reference."""

    messages: list[str]
    expects_reference: bool = False


@dataclass
class Phase:
    """Round-trip times (ms) of one phase and its wall time."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    conversations: int = 0
    #: CPU seconds each server process spent during the phase.
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def p(self, pct: float) -> float:
        return percentile(self.latencies, pct)

    def line(self, label: str) -> str:
        return (f"  {label:<26} {self.conversations:>3} conversations {len(self.latencies):>4} msgs  "
                f"p50 {self.p(50):6.0f} ms  p95 {self.p(95):6.0f} ms  {self.throughput:6.1f} msg/s")

    def cpu_line(self) -> str:
        per_message = ", ".join(f"{name} {1000 * seconds / max(len(self.latencies), 1):.1f} ms"
                                for name, seconds in self.cpu.items())
        return f"  CPU per message in the concurrent phase: {per_message}"


def replay(rasa_url: str, script: Script) -> list[float]:
    """Send a script's messages in a fresh conversation; the round-trip time of each (ms)."""
    chat = Conversation(rasa_url, "", f"bench-{uuid.uuid4().hex[:12]}")
    for message in script.messages:
        turn = chat.send(message)
        if not turn.replies:
            raise AssertionError(f"no reply to {message!r}; transcript:\n{chat.transcript()}")
    if script.expects_reference and not REFERENCE.search(chat.turns[-1].text):
        raise AssertionError(f"the replayed intake ended without a reference:\n{chat.transcript()}")
    return [t.seconds * 1000 for t in chat.turns]


def run_phase(rasa_url: str, scripts: list[Script], workers: int, pids: dict[str, int] | None = None) -> Phase:
    phase = Phase(conversations=len(scripts))
    cpu_before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
    started = time.monotonic()
    if workers == 1:
        results = [replay(rasa_url, s) for s in scripts]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda s: replay(rasa_url, s), scripts))
    phase.wall = time.monotonic() - started
    phase.cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in (pids or {}).items()}
    phase.latencies = [ms for result in results for ms in result]
    return phase


@dataclass
class Result:
    sequential: Phase
    concurrent: Phase
    rss_mb: float
    notes: list[str] = field(default_factory=list)


def measure(rasa_url: str, sequential: list[Script], concurrent: list[Script], pids: dict[str, int],
            profile: Callable[[], profiling.Recorder] | None) -> tuple[Phase, Phase]:
    seq = run_phase(rasa_url, sequential, 1)
    recorder = profile() if profile else None
    if recorder:
        recorder.start()
        time.sleep(1)  # py-spy attaches before the load starts
    try:
        conc = run_phase(rasa_url, concurrent, CONCURRENCY, pids)
    finally:
        if recorder:
            recorder.stop()
    return seq, conc


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"not ready after {timeout:.0f} s: {url}")


@contextmanager
def stopping(proc: subprocess.Popen) -> Iterator[subprocess.Popen]:
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


def bench_stock(tmp: Path, profile: bool) -> Result:
    project, model = stock_bot.ensure_stock_bot(VAR)
    port = free_port()
    log = tmp / "stock-rasa.log"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
    with open(log, "ab") as out:
        proc = subprocess.Popen(stock_bot.stock_command(project, model, port), cwd=project, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    with stopping(proc):
        wait_http(url + "/webhooks/rest/", proc, log)
        scripts = [Script(list(messages)) for messages in stock_bot.CONVERSATIONS]
        run_phase(url, scripts, 1)  # warm-up, untimed, as the project's recording pass
        recorder = (lambda: profiling.Recorder({"stock-rasa": proc.pid}, PROFILE_DIR)) if profile else None
        seq, conc = measure(url, scripts * 3, scripts * 10, {"rasa": proc.pid}, recorder)
        return Result(seq, conc, rss_mb(proc.pid))


def record_scripts(rasa_url: str, token: str, opening_of: Callable[[dict], str], *, api_url: str = "") -> list[Script]:
    """Hold each scenario once (untimed), answering by reading the tracker (Rasa's HTTP API at
    `api_url`, else at `rasa_url`, with the admin JWT `token`); the messages sent."""
    scripts = []
    for scenario in SCENARIOS:
        chat = Conversation(rasa_url, token, f"bench-{uuid.uuid4().hex[:12]}", api_url=api_url)
        if not chat.complete_intake(opening_of(scenario), dict(scenario["answers"])):
            raise AssertionError(chat.transcript())
        scripts.append(Script([t.sent for t in chat.turns],
                              expects_reference=bool(REFERENCE.search(chat.turns[-1].text))))
    return scripts


def bench_project(tmp: Path, profile: bool) -> Result:
    model = train()
    env = base_env(
        INTAKE_DATABASE_URL=f"sqlite:///{tmp}/bench.db",
        INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()),
        INTAKE_CONSOLE_PORT=str(free_port()), INTAKE_API_TOKEN=secrets.token_urlsafe(32),
        INTAKE_LINK_SECRET=secrets.token_urlsafe(32), INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
        # The bench measures the server at full speed from one address: no abuse limits.
        INTAKE_RATE_CONVERSATION_PER_MINUTE="0", INTAKE_RATE_CLIENT_PER_MINUTE="0", INTAKE_MAX_INQUIRIES_PER_HOUR="0",
    )
    upgrade(env["INTAKE_DATABASE_URL"])
    stack = Stack(env=env, model=model, log_dir=tmp / "logs")
    stack.start()
    try:
        stack.wait_ready(timeout=300)
        rich = record_scripts(stack.rasa_url, stack.rasa_admin_token, lambda s: s["opening"])
        plain = record_scripts(stack.rasa_url, stack.rasa_admin_token, lambda s: PLAIN_OPENING)
        pids = {"rasa": stack.procs["rasa"].pid, "actions": stack.procs["actions"].pid}
        recorder = (lambda: profiling.Recorder(pids, PROFILE_DIR)) if profile else None
        every = {name: proc.pid for name, proc in stack.procs.items()}
        seq, conc = measure(stack.rasa_url, rich, rich * 2, every, recorder)
        notes = [
            f"median partner messages per intake: {statistics.median(len(s.messages) for s in rich):.0f} with a "
            f"rich opening, {statistics.median(len(s.messages) for s in plain):.0f} with a bare hello",
            f"action server RSS {rss_mb(pids['actions']):.0f} MB, console {rss_mb(stack.procs['console'].pid):.0f} MB",
            storage_note(tmp / "bench.db"),
        ]
        return Result(seq, conc, rss_mb(pids["rasa"]), notes)
    finally:
        stack.stop()


def storage_note(db: Path) -> str:
    """What a conversation costs in the database (for README's capacity table): the SQLite file
    and the stored events per conversation held so far (recording, sequential and concurrent)."""
    import sqlite3

    with sqlite3.connect(db) as connection:
        conversations, events, event_bytes = connection.execute(
            "SELECT count(DISTINCT sender_id), count(*), sum(length(data)) FROM events").fetchone()
        inquiries = connection.execute("SELECT count(*) FROM inquiries").fetchone()[0]
    size = db.stat().st_size + sum(p.stat().st_size for p in db.parent.glob(db.name + "-wal"))
    return (f"database: {conversations} conversations, {inquiries} inquiries, {events / conversations:.0f} events "
            f"({event_bytes / conversations / 1024:.1f} KB of event data) per conversation, "
            f"{size / conversations / 1024:.1f} KB of SQLite file per conversation")


def print_comparison(stock: Result | None, ours: Result) -> None:
    from importlib.metadata import version

    print(f"\nSame machine ({platform.machine()}, {os.cpu_count()} cores), same Rasa {version('rasa')}, same client "
          f"(one HTTP connection per message), same concurrency ({CONCURRENCY}); only message -> reply round trips "
          f"over REST are timed, no reads between turns on either side.")
    print("stock `rasa init` bot (DIET + TED, in-memory tracker, no action server):")
    if stock:
        print(stock.sequential.line("sequential"))
        print(stock.concurrent.line(f"{CONCURRENCY} concurrent"))
        print(stock.concurrent.cpu_line())
        print(f"  Rasa server RSS after the run: {stock.rss_mb:.0f} MB")
    else:
        print("  skipped (--skip-stock)")
    print("this project (whole intakes: forms, actions, SQL tracker store, SQLite):")
    print(ours.sequential.line("sequential, rich opening"))
    print(ours.concurrent.line(f"{CONCURRENCY} concurrent, rich opening"))
    print(ours.concurrent.cpu_line())
    print(f"  Rasa server RSS after the run: {ours.rss_mb:.0f} MB")
    for note in ours.notes:
        print(f"  {note}")
    print("targets (issue 15):")
    if stock:
        ratio = ours.concurrent.throughput / stock.concurrent.throughput
        p95 = ours.concurrent.p(95) / stock.concurrent.p(95)
        print(f"  throughput at {CONCURRENCY} concurrent, ours / stock: {ratio:4.2f}x  (target >= 2x)")
        print(f"  p95 at {CONCURRENCY} concurrent, ours / stock:        {p95:4.2f}x  (target <= 0.5x)")
    print(f"  sequential p50: {ours.sequential.p(50):.0f} ms  (target <= 50 ms; stock "
          f"{f'{stock.sequential.p(50):.0f} ms' if stock else '-'})")
    print(f"  Rasa server RSS: {ours.rss_mb:.0f} MB  (target <= 700 MB; stock "
          f"{f'{stock.rss_mb:.0f} MB' if stock else '-'})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="py-spy profiles of the concurrent phase (var/bench/)")
    parser.add_argument("--skip-stock", action="store_true", help="measure only this project")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        stock = None if args.skip_stock else bench_stock(tmp, args.profile)
        ours = bench_project(tmp, args.profile)
    print_comparison(stock, ours)
    if args.profile:
        for process in ("rasa", "actions", *(() if args.skip_stock else ("stock-rasa",))):
            profiling.print_top(process, PROFILE_DIR / f"{process}.raw", str(ROOT))


if __name__ == "__main__":
    main()
