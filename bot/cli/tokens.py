"""`intake tokens add | list | disable | enable`: bearer tokens of the JSON API, per affiliate
or for staff tools. The token is printed once, when it is made; only its hash is kept."""
from __future__ import annotations

import argparse
from typing import Any, TextIO

from bot.cli.database import UsageError, database
from bot.settings import Settings


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `tokens` under the `intake` command line's subparsers."""
    tokens = commands.add_parser("tokens", help="JSON API tokens", description="Manage JSON API tokens.")
    actions = tokens.add_subparsers(dest="action", metavar="ACTION", parser_class=parser_class)
    add = actions.add_parser("add", help="make a token and print it (once)")
    add.add_argument("--name", required=True, help="who uses it, e.g. 'wm-fr CRM'")
    add.add_argument("--affiliate", metavar="ID", help="limit it to this affiliate's inquiries (data/affiliates.csv)")
    add.set_defaults(run=_add)
    listing = actions.add_parser("list", help="list the tokens (names, scopes, last use; never the tokens)")
    listing.set_defaults(run=_list)
    for name, disabled in (("disable", True), ("enable", False)):
        toggle = actions.add_parser(name, help=f"{name} a token")
        toggle.add_argument("--name", required=True)
        toggle.set_defaults(run=_toggle, disabled=disabled)


def _add(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.routing.directory import load_directory
    from bot.store.accounts.api_tokens import TokenError, add_token

    name = args.name.strip()
    if not name or len(name) > 100:
        raise UsageError("intake tokens add: --name must be 1 to 100 characters")
    if args.affiliate and args.affiliate not in {a.id for a in load_directory(settings.data_dir).affiliates}:
        raise UsageError(f"intake tokens add: unknown affiliate {args.affiliate!r} (see data/affiliates.csv)")
    try:
        with database(settings) as session, session.begin():
            raw = add_token(session=session, name=name, affiliate_id=args.affiliate or None)
    except TokenError as error:
        raise UsageError(f"intake tokens add: {error}") from None
    scope = f"the inquiries of {args.affiliate}" if args.affiliate else "everything"
    print(f"token {name!r} for {scope} (shown only now):\n{raw}", file=stdout)


def _list(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.accounts.api_tokens import list_tokens

    with database(settings) as session:
        tokens = list_tokens(session=session)
    print(f"{'name':<30} {'scope':<18} {'state':<9} last used", file=stdout)
    for t in tokens:
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
        state = "disabled" if t.disabled else "active"
        print(f"{t.name:<30} {t.affiliate_id or 'all':<18} {state:<9} {used}", file=stdout)


def _toggle(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.accounts.api_tokens import TokenError, set_token_disabled

    try:
        with database(settings) as session, session.begin():
            set_token_disabled(session=session, name=args.name, disabled=args.disabled)
    except TokenError as error:
        raise UsageError(f"intake tokens: {error}") from None
    print(f"token {args.name!r} {'disabled' if args.disabled else 'enabled'}", file=stdout)
