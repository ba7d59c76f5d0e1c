"""`intake`: the command line of the project (console accounts for now).

    intake users add --email E --role staff|affiliate [--affiliate ID] --password-stdin
    intake users list
    intake users disable --email E
    intake users enable --email E

The database is INTAKE_DATABASE_URL's, migrated first. Exit codes: 0 done, 1 the database
failed, 2 bad usage or input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import NoReturn, TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.accounts import User, check_email, check_role
from bot.passwords import check_new_password, hash_password
from bot.settings import Settings

OK, FAILED, USAGE = 0, 1, 2


class UsageError(ValueError):
    """Bad usage or input; the message is printed as it is."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line and lets `main` return the exit code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The `intake` command line; later commands (export-training-data) are more subparsers."""
    parser = _Parser(prog="intake", description="Wikimedia partner intake: command-line tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    users = commands.add_parser("users", help="console accounts", description="Manage console accounts.")
    actions = users.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)

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

    listing = actions.add_parser("list", help="list the users (never their password hashes)")
    listing.set_defaults(run=_list)
    for name, disabled in (("disable", True), ("enable", False)):
        toggle = actions.add_parser(name, help=f"{name} a user's login")
        toggle.add_argument("--email", required=True)
        toggle.set_defaults(run=_toggle, disabled=disabled)
    from bot import cli_export, cli_tokens

    cli_tokens.add_commands(commands, _Parser)
    cli_export.add_commands(commands, _Parser)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("intake: choose a command: users, tokens, export-training-data (see intake --help)")
        if getattr(args, "run", None) is None:  # a command group without its action
            raise UsageError(f"intake {args.command}: choose an action: add, list, disable, enable")
        args.run(args, settings=Settings.from_env(), stdin=stdin, stdout=stdout)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else USAGE
    except ValueError as error:  # AccountError, a refused password, a malformed INTAKE_ setting
        message = str(error)
        print(message if message.startswith("intake") else f"intake: {message}", file=sys.stderr)
        return USAGE
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"intake: database error: {reason}", file=sys.stderr)
        return FAILED
    return OK


def _add(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.routing.directory import load_directory
    from bot.store.users import DuplicateEmail, add_user

    if not args.password_stdin:
        raise UsageError("give the password on standard input and say so with --password-stdin")
    email = check_email(args.email)
    role = check_role(args.role, args.affiliate, known_affiliates=load_directory(settings.data_dir))
    password = _read_password(stdin)
    check_new_password(password)
    password_hash = hash_password(password)
    try:
        with _database(settings) as session, session.begin():
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


def _read_password(stdin: TextIO) -> str:
    # From a pipe or file: its first line. At a terminal: asked for without echo, never shown.
    if stdin.isatty():
        return getpass.getpass("Password: ")
    return stdin.readline().rstrip("\r\n")


def _list(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.users import list_users

    with _database(settings) as session, session.begin():
        found = list_users(session=session)
    print(format_users(found), file=stdout)


def _toggle(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.store.users import set_disabled

    with _database(settings) as session, session.begin():
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


@contextmanager
def _database(settings: Settings) -> Iterator[Session]:
    """A session on the migrated database; one command, one engine, disposed of afterwards."""
    from bot.store import make_engine, make_sessionmaker, upgrade

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
