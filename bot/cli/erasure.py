"""`intake erase` and `intake purge`: a person's data removed on request, and the retention
periods applied now (the delivery worker applies them every INTAKE_PURGE_INTERVAL_MINUTES).

Both print how many rows of each table changed and nothing personal: never the e-mail, the name
or a conversation id; inquiry references are printed (they are not personal data). Both leave an
audit row in `erasures`; `--dry-run` does the same work in a transaction that is rolled back, so
its counts are exact and nothing changes. Finding nothing to erase is not an error: exit 0 and
"nothing to erase" (the request was honoured; there was nothing to remove).
"""
from __future__ import annotations

import argparse
import getpass
import re
from collections.abc import Mapping
from typing import Any, TextIO

from bot.cli.database import UsageError, database
from bot.settings import Settings

#: The order counts are printed in: the tables a reader expects first.
COUNT_ORDER = ("conversations", "conversations_abandoned", "inquiries_expired", "events", "inquiries",
               "review_flags", "review_flags_exported", "deliveries", "deliveries_cancelled", "inquiry_notes",
               "status_history")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")
_CONVERSATION = re.compile(r"[A-Za-z0-9_.:-]{1,255}")


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `erase` and `purge` under the `intake` command line's subparsers."""
    erase = commands.add_parser(
        "erase", help="erase a person's data (on request)",
        description="Erase a partner's personal data: transcripts, contact details, description, flags, "
                    "e-mails to them and mentions in notes. The inquiry stays for statistics.")
    which = erase.add_mutually_exclusive_group()
    which.add_argument("--email", metavar="E", help="every conversation and inquiry that holds this address")
    which.add_argument("--reference", metavar="R", help="the inquiry with this reference (WMP-...)")
    which.add_argument("--conversation", metavar="C", help="the conversation with this id")
    erase.add_argument("--dry-run", action="store_true", help="print the counts, change nothing")
    erase.set_defaults(run=_erase)
    purge = commands.add_parser(
        "purge", help="apply the retention periods now",
        description="Erase conversations without an inquiry after INTAKE_RETENTION_DAYS_ABANDONED days and "
                    "inquiries' personal data after INTAKE_RETENTION_DAYS days.")
    purge.add_argument("--dry-run", action="store_true", help="print the counts, change nothing")
    purge.set_defaults(run=_purge)


def actor() -> str:
    """Who ran the command, for the audit row: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (containers)
        return "cli"


def _erase(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.erasure import erase

    selector, value = _selector(args)
    with database(settings) as session:
        with session.begin() as transaction:
            result = erase(session=session, selector=selector, value=value, actor=actor())
            if args.dry_run:
                transaction.rollback()
    _report(stdout, counts=result.counts, references=result.references, dry_run=args.dry_run,
            nothing="nothing to erase" if not result.changed else None)


def _purge(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.retention import RetentionPolicy, purge

    policy = RetentionPolicy(abandoned_days=settings.retention_days_abandoned, inquiry_days=settings.retention_days)
    with database(settings) as session:
        with session.begin() as transaction:
            result = purge(session=session, policy=policy, actor=actor())
            if args.dry_run:
                transaction.rollback()
    print(f"retention: conversations without an inquiry after {policy.abandoned_days} days, "
          f"inquiries after {policy.inquiry_days} days", file=stdout)
    _report(stdout, counts=result.counts, references=result.references, dry_run=args.dry_run,
            nothing="nothing to purge" if not result.changed else None)


def _selector(args: argparse.Namespace) -> tuple[str, str]:
    """The one selector given, checked. Messages never repeat the value: it may be an address."""
    given = [(name, getattr(args, name)) for name in ("email", "reference", "conversation")
             if getattr(args, name) is not None]
    if len(given) != 1:
        raise UsageError("intake erase: give exactly one of --email, --reference, --conversation")
    name, value = given[0]
    value = value.strip()
    if name == "email" and not (len(value) <= 320 and _ADDRESS.fullmatch(value)):
        raise UsageError("intake erase: --email is not an e-mail address")
    if name == "reference" and not value:
        raise UsageError("intake erase: --reference is empty")
    if name == "conversation" and not _CONVERSATION.fullmatch(value):
        raise UsageError("intake erase: --conversation is not a conversation id")
    return name, value


def _report(stdout: TextIO, *, counts: Mapping[str, int], references: list[str], dry_run: bool,
            nothing: str | None) -> None:
    if dry_run:
        print("dry run: nothing was changed", file=stdout)
    if nothing:
        print(nothing, file=stdout)
        return
    if references:
        print("inquiries: " + ", ".join(sorted(references)), file=stdout)
    names = [n for n in COUNT_ORDER if counts.get(n)] + sorted(n for n in counts if counts[n] and n not in COUNT_ORDER)
    for name in names:
        print(f"{name:<24} {counts[name]}", file=stdout)
    if counts.get("review_flags_exported"):
        print("some of the deleted flagged messages had been exported as training data: remove them from "
              "the exported files and data/nlu/ too, then retrain", file=stdout)
