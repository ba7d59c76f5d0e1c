"""`intake endpoints list | enable`: delivery endpoints disabled after their receiver answered
410 Gone (bot.store.disabled_endpoints). Enable one once the affiliate has fixed or replaced it."""
from __future__ import annotations

import argparse
from typing import Any, TextIO

from bot.cli.database import UsageError, database
from bot.settings import Settings


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `endpoints` under the `intake` command line's subparsers."""
    endpoints = commands.add_parser("endpoints", help="disabled delivery endpoints",
                                    description="List or enable delivery endpoints disabled after a 410 Gone.")
    actions = endpoints.add_subparsers(dest="action", metavar="ACTION", parser_class=parser_class)
    listing = actions.add_parser("list", help="list the disabled endpoints")
    listing.set_defaults(run=_list)
    enable = actions.add_parser("enable", help="deliver to an affiliate's disabled endpoints again")
    enable.add_argument("--affiliate", required=True, metavar="ID", help="the affiliate (data/affiliates.csv)")
    enable.add_argument("--channel", choices=("webhook",), help="only this channel (default: all)")
    enable.set_defaults(run=_enable)


def _list(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.disabled_endpoints import list_disabled_endpoints

    with database(settings) as session:
        rows = list_disabled_endpoints(session=session)
    if not rows:
        print("no disabled endpoints", file=stdout)
        return
    print(f"{'affiliate':<24} {'channel':<8} {'host':<32} {'since':<21} why", file=stdout)
    for row in rows:
        print(f"{row['affiliate_id']:<24} {row['channel']:<8} {row['host'] or '-':<32} {row['disabled_at']:<21} "
              f"{row['reason']}", file=stdout)


def _enable(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.disabled_endpoints import enable_endpoints

    with database(settings) as session, session.begin():
        count = enable_endpoints(session=session, affiliate_id=args.affiliate, channel=args.channel)
    if count == 0:
        raise UsageError(f"intake endpoints enable: no disabled endpoint of {args.affiliate!r}")
    print(f"enabled {count} endpoint(s) of {args.affiliate}; new deliveries are sent there again", file=stdout)
