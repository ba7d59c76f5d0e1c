"""`intake export-training-data`: the partner messages staff flagged in the console, as Rasa NLU
YAML to add under data/nlu/<language>/ (then `make train`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.cli.database import database
from bot.settings import Settings


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export-training-data", help="flagged messages as Rasa NLU YAML",
        description="Write the messages flagged in the console as Rasa NLU training data.")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    export.add_argument("--language", help="only messages in this language (ISO 639-1)")
    export.add_argument("--all", action="store_true", help="also messages exported before")
    export.add_argument("--mark-exported", action="store_true", help="remember them as exported")
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.staff.training_export import nlu_yaml
    from bot.store.review import flags_to_export, mark_exported

    with database(settings) as session, session.begin():
        flags = flags_to_export(session=session, language=args.language, include_exported=args.all)
        text = nlu_yaml(flags)
        if args.out == "-":
            stdout.write(text)
        else:
            Path(args.out).write_text(text, encoding="utf-8")
        if args.mark_exported:
            mark_exported(session=session, ids=[flag["id"] for flag in flags])
    print(f"{len(flags)} flagged message{'s' if len(flags) != 1 else ''} exported", file=sys.stderr)
