"""`intake users add | list | disable | enable | password`: console accounts. A password is read
from standard input (or asked for without echo at a terminal), never from the command line, and
never printed."""
from __future__ import annotations

import argparse
import getpass
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from bot.cli.database import UsageError, database
from bot.settings import Settings
from bot.staff.accounts import User, check_email, check_role
from bot.staff.passwords import check_new_password, hash_password


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `users` under the `intake` command line's subparsers."""
    users = commands.add_parser("users", help="console accounts", description="Manage console accounts.")
    actions = users.add_subparsers(dest="action", metavar="ACTION", parser_class=parser_class)

    add = actions.add_parser("add", help="create a user; the password is read from standard input")
    add.add_argument("--email", required=True)
    add.add_argument("--role", required=True, choices=["staff", "affiliate"])
    add.add_argument(
        "--affiliate", metavar="ID", help="the affiliate of an affiliate user (data/affiliates.csv)"
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (required)",
    )
    add.set_defaults(run=_add)

    password = actions.add_parser(
        "password", help="set a user's password (read from standard input) and end their console sessions"
    )
    password.add_argument("--email", required=True)
    password.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new password from the first line of standard input (required)",
    )
    password.set_defaults(run=_password)

    listing = actions.add_parser("list", help="list the users (never their password hashes)")
    listing.set_defaults(run=_list)
    for name, disabled in (("disable", True), ("enable", False)):
        toggle = actions.add_parser(name, help=f"{name} a user's login")
        toggle.add_argument("--email", required=True)
        toggle.set_defaults(run=_toggle, disabled=disabled)


def _add(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.routing.directory import load_directory
    from bot.store.accounts.users import DuplicateEmail, add_user

    if not args.password_stdin:
        raise UsageError("give the password on standard input and say so with --password-stdin")
    email = check_email(args.email)
    role = check_role(args.role, args.affiliate, known_affiliates=load_directory(settings.data_dir))
    password = _read_password(stdin)
    check_new_password(password)
    password_hash = hash_password(password)
    try:
        with database(settings) as session, session.begin():
            user = add_user(
                session=session,
                email=email,
                role=role,
                affiliate_id=args.affiliate,
                password_hash=password_hash,
            )
    except DuplicateEmail as error:
        raise UsageError(str(error)) from None
    print(
        f"added {user.role.value} user {user.email}"
        + (f" ({user.affiliate_id})" if user.affiliate_id else ""),
        file=stdout,
    )


def _password(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.accounts.users import set_password, user_by_email

    if not args.password_stdin:
        raise UsageError("give the password on standard input and say so with --password-stdin")
    email = check_email(args.email)
    password = _read_password(stdin)
    check_new_password(password)
    password_hash = hash_password(password)
    with database(settings) as session, session.begin():
        user = user_by_email(session=session, email=email)
        if user is None:
            raise UsageError(f"no user with e-mail {email}")
        set_password(session=session, user_id=user.id, password_hash=password_hash)
    print(f"set a new password for {user.email}; their console sessions have ended", file=stdout)


def _read_password(stdin: TextIO) -> str:
    # From a pipe or file: its first line. At a terminal: asked for without echo, never shown.
    if stdin.isatty():
        return getpass.getpass("Password: ")
    return stdin.readline().rstrip("\r\n")


def _list(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.accounts.users import list_users

    with database(settings) as session, session.begin():
        found = list_users(session=session)
    print(format_users(found), file=stdout)


def _toggle(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.accounts.users import set_disabled

    with database(settings) as session, session.begin():
        user = set_disabled(session=session, email=args.email, disabled=args.disabled)
    if user is None:
        raise UsageError(f"no user with e-mail {args.email.strip().lower()}")
    print(f"{'disabled' if user.disabled else 'enabled'} {user.email}", file=stdout)


def format_users(found: Sequence[User]) -> str:
    """A plain-text table of users: e-mail, role, affiliate, disabled, last login (UTC)."""
    header = ("EMAIL", "ROLE", "AFFILIATE", "DISABLED", "LAST LOGIN")
    rows = [
        (u.email, u.role.value, u.affiliate_id or "-", "yes" if u.disabled else "no", _when(u.last_login_at))
        for u in found
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines if rows else [*lines, "(no users)"])


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"
