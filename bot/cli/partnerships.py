"""`intake export-partnerships`: the public part of the partnership history as CSV and JSON
(bot/store/public_export.py), for the movement to publish."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.cli.database import UsageError, database
from bot.settings import Settings

CSV_NAME, JSON_NAME = "partnerships.csv", "partnerships.json"


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export-partnerships", help="the public partnership history as CSV and JSON",
        description=f"Write {CSV_NAME} (one partnership a row) and {JSON_NAME} (the partnerships, the "
                    "knowledge gaps: countries and languages with inquiries but no affiliate, and who to ask in "
                    "each country) into a directory. No personal data.")
    export.add_argument("--out-dir", required=True, help="directory to write the two files into (created if missing)")
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace, *, settings: Settings, stdin: TextIO, stdout: TextIO) -> None:
    from bot.routing.directory import load_directory
    from bot.store.clock import iso_utc, utcnow
    from bot.store.public_export import CSV_COLUMNS, csv_row, knowledge_gaps, public_partnerships, who_to_ask

    out = Path(args.out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"intake export-partnerships: {out} is not a directory")
    directory = load_directory(settings.data_dir)
    with database(settings) as session, session.begin():
        rows = public_partnerships(session=session, directory=directory)
        gaps = knowledge_gaps(session=session, directory=directory)
    out.mkdir(parents=True, exist_ok=True)
    with (out / CSV_NAME).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_row(row) for row in rows)
    document = {"generated_at": iso_utc(utcnow()), "partnerships": rows, "knowledge_gaps": gaps,
                "who_to_ask": who_to_ask(directory)}
    (out / JSON_NAME).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(rows)} partnership{'s' if len(rows) != 1 else ''} written to {out / CSV_NAME} and "
          f"{out / JSON_NAME}", file=sys.stderr)
