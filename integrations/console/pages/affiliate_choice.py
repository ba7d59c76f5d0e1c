"""Choosing an affiliate to re-assign an inquiry to: the choices in the order staff need them
(the routing decision's alternatives first, then every affiliate by name), and what was typed
into the type-ahead field read back as one affiliate."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.routing.directory import Affiliate, Directory

#: "Wikimédia France (wm-fr)": what a choice puts into the field, and what the server reads back.
_LABELLED = re.compile(r".*\(([A-Za-z0-9_-]+)\)\s*")


@dataclass(frozen=True)
class Choice:
    affiliate: Affiliate
    suggested: bool

    @property
    def value(self) -> str:
        return choice_value(self.affiliate)


def choice_value(affiliate: Affiliate) -> str:
    return f"{affiliate.name} ({affiliate.id})"


def reassign_choices(directory: Directory, *, alternatives: Sequence[str], current: str | None) -> list[Choice]:
    """The alternatives of the current decision in their order, then every other affiliate sorted
    by name (case and accents folded); never the affiliate that holds the inquiry now."""
    suggested = [directory.get(a) for a in dict.fromkeys(alternatives) if a in directory and a != current]
    seen = {a.id for a in suggested}
    rest = sorted((a for a in directory if a.id not in seen and a.id != current), key=lambda a: _fold(a.name))
    return [Choice(a, True) for a in suggested] + [Choice(a, False) for a in rest]


def resolve(directory: Directory, typed: str) -> Affiliate | None:
    """The affiliate `typed` names: a choice's value ("Name (id)"), an id, or a name matched with
    case and accents folded when exactly one affiliate has it; None otherwise."""
    text = typed.strip()
    labelled = _LABELLED.fullmatch(text)
    for candidate in ((labelled.group(1),) if labelled else ()) + (text,):
        if candidate in directory:
            return directory.get(candidate)
    named = [a for a in directory if _fold(a.name) == _fold(text)]
    return named[0] if len(named) == 1 else None


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
