"""`intake`: the command line of the project. One module per command group: `users` (console
accounts), `tokens` (JSON API tokens), `export` (flagged messages as NLU data), `partnerships` (the public partnership history), `erasure` (a
person's data erased on request, retention applied now), `endpoints` (delivery endpoints disabled
after a 410 Gone); `database` is what they share.

    intake users add --email E --role staff|affiliate [--affiliate ID] --password-stdin
    intake users list | disable --email E | enable --email E
    intake users password --email E --password-stdin   (ends the user's console sessions)
    intake tokens add --name N [--affiliate ID] | list | disable --name N | enable --name N
    intake export-training-data [--out FILE] [--language L] [--all] [--mark-exported]
    intake export-partnerships --out-dir DIR
    intake erase --email E | --reference R | --conversation C [--dry-run]
    intake purge [--dry-run]
    intake endpoints list | enable --affiliate ID [--channel webhook]

The database is INTAKE_DATABASE_URL's, migrated first. Exit codes: 0 done (for erase, also when
there was nothing to erase), 1 the database failed, 2 bad usage or input (one line on stderr,
never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.cli import endpoints, erasure, export, partnerships, tokens, users
from bot.cli.database import FAILED, OK, USAGE, UsageError
from bot.settings import Settings


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line and lets `main` return the exit code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The `intake` command line; later commands (export-training-data) are more subparsers."""
    parser = _Parser(prog="intake", description="Wikimedia partner intake: command-line tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    users.add_commands(commands, _Parser)
    tokens.add_commands(commands, _Parser)
    export.add_commands(commands, _Parser)
    partnerships.add_commands(commands, _Parser)
    erasure.add_commands(commands, _Parser)
    endpoints.add_commands(commands, _Parser)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("intake: choose a command: users, tokens, endpoints, export-training-data, export-partnerships, "
                             "erase, purge "
                             "(see intake --help)")
        if getattr(args, "run", None) is None:  # a command group without its action
            raise UsageError(f"intake {args.command}: choose an action (see intake {args.command} --help)")
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


if __name__ == "__main__":
    sys.exit(main())
