"""`make simulate`: seeded partners in six languages, and held-out out-of-scope queries, against
the real Rasa server, action server and console (started here unless --rasa-url is given).

    python -m tests.simulation --partners 300 --seed 11 --ood 3100
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from integrations.stack.rasa_server import admin_jwt
from tests.simulation.partner import Endpoints
from tests.simulation.phrases import LANGUAGES
from tests.simulation.runner import report, run_out_of_scope, run_partners, summarise


def start_stack(workdir: Path):
    from bot.nlp.train import train
    from bot.store import upgrade
    from integrations.stack.processes import Stack, base_env, free_port

    env = base_env(
        INTAKE_DATABASE_URL=f"sqlite:///{workdir / 'intake.db'}",
        INTAKE_RASA_PORT=str(free_port()), INTAKE_ACTIONS_PORT=str(free_port()),
        INTAKE_CONSOLE_PORT=str(free_port()), INTAKE_API_TOKEN=secrets.token_urlsafe(24),
        INTAKE_LINK_SECRET=secrets.token_urlsafe(24), INTAKE_SESSION_SECRET=secrets.token_urlsafe(32),
        INTAKE_RASA_ADMIN_SECRET=secrets.token_urlsafe(32),
        # Hundreds of simulated partners from one address: the abuse limits would stop the run.
        INTAKE_RATE_CONVERSATION_PER_MINUTE="0", INTAKE_RATE_CLIENT_PER_MINUTE="0", INTAKE_MAX_INQUIRIES_PER_HOUR="0",
    )
    upgrade(env["INTAKE_DATABASE_URL"])
    stack = Stack(env=env, model=train(), log_dir=workdir / "logs")
    stack.start()
    stack.wait_ready(timeout=240)
    return stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--ood", type=int, default=3100, help="held-out out-of-scope queries (0: none)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--show", type=int, default=20, help="failing transcripts to print")
    parser.add_argument("--rasa-url")
    parser.add_argument("--console-url")
    args = parser.parse_args(argv)

    stack = None
    if args.rasa_url:
        admin_secret = os.environ.get("INTAKE_RASA_ADMIN_SECRET") or Path("var/rasa_admin_secret").read_text().strip()
        endpoints = Endpoints(args.rasa_url, args.console_url or "http://127.0.0.1:8080",
                              os.environ.get("INTAKE_API_TOKEN") or Path("var/api_token").read_text().strip(),
                              admin_jwt(admin_secret, lifetime_seconds=24 * 3600))
    else:
        workdir = Path(tempfile.mkdtemp(prefix="simulate-"))
        print(f"starting the stack (logs in {workdir / 'logs'}) ...", flush=True)
        stack = start_stack(workdir)
        endpoints = Endpoints(stack.rasa_url, stack.console_url, stack.env["INTAKE_API_TOKEN"],
                              admin_jwt(stack.env["INTAKE_RASA_ADMIN_SECRET"], lifetime_seconds=24 * 3600))
    try:
        started = time.perf_counter()
        outcomes = run_partners(endpoints, count=args.partners, seed=args.seed,
                                languages=tuple(args.languages.split(",")), workers=args.workers)
        partners_seconds = time.perf_counter() - started
        ood = run_out_of_scope(endpoints, limit=args.ood, seed=args.seed, workers=args.workers) if args.ood else None
        print(report(outcomes, ood, show=args.show))
        messages = sum(o.partner_messages for o in outcomes)
        print(f"\n{len(outcomes)} partners, {messages} messages in {partners_seconds:.0f} s "
              f"(seed {args.seed}, {args.workers} at a time)")
    finally:
        if stack is not None:
            stack.stop()
    table = summarise(outcomes)
    ok = all(row["right"] >= 0.98 for row in table.values())
    ok = ok and not any(p.startswith(("no reply", "apology")) or "asked more than" in p
                        for o in outcomes for p in o.problems)
    if ood is not None:
        ok = ok and not ood.unanswered and len(ood.started) <= 0.01 * ood.total
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
