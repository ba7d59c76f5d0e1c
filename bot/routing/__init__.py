"""Routing: which affiliate receives an inquiry, and why (shared/ROUTING.md).

Pure: no Rasa, SQLAlchemy or aiohttp. `load_directory()` reads data/affiliates.csv and
data/countries.csv, `load_rules()` reads data/routing.yml, and `route()` decides.
`default_router()` bundles the three for callers that just want to route.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.intake import Inquiry

from .directory import Affiliate, AffiliateKind, Country, Directory, load_directory
from .engine import Decision, route
from .rules import Rule, Rules, load_rules
from .topics import Lexicon, language_name, topics_for

__all__ = [
    "Affiliate",
    "AffiliateKind",
    "Country",
    "Decision",
    "Directory",
    "Lexicon",
    "Router",
    "Rule",
    "Rules",
    "DEFAULT_DATA_DIR",
    "RULES_FILE",
    "default_router",
    "language_name",
    "load_directory",
    "load_rules",
    "route",
    "topics_for",
]

#: The project's data/ directory (affiliates.csv, countries.csv, routing.yml).
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
RULES_FILE = "routing.yml"


@dataclass(frozen=True)
class Router:
    """A loaded directory and rules table, ready to route."""

    directory: Directory
    rules: Rules

    def route(self, inquiry: Inquiry, *, accepted_affiliate: str | None = None) -> Decision:
        """`route()` with this router's directory and rules."""
        return route(inquiry, directory=self.directory, rules=self.rules, accepted_affiliate=accepted_affiliate)


def default_router(data_dir: Path | str | None = None) -> Router:
    """Load and cross-validate directory and rules from `data_dir` (default: the project's data/).

    Cached per directory: the files are read once per process, on first use.
    """
    return _router(str(Path(data_dir or DEFAULT_DATA_DIR).resolve()))


@lru_cache(maxsize=8)
def _router(data_dir: str) -> Router:
    path = Path(data_dir)
    directory = load_directory(path)
    return Router(directory=directory, rules=load_rules(path / RULES_FILE, directory=directory))
