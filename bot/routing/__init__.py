"""Routing: which affiliate receives an inquiry, and why (shared/ROUTING.md).

Pure: no Rasa, SQLAlchemy or aiohttp. `load_directory()` reads data/affiliates.csv and
data/countries.csv, `load_rules()` reads data/routing.yml, and `route()` decides.
`default_router()` bundles the three for callers that just want to route.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.data import REPO_DATA_DIR
from bot.data import data_dir as default_data_dir
from bot.intake.model import Inquiry

from .directory import Affiliate, AffiliateKind, Country, Directory, load_directory
from .engine import Decision, route
from .rules import Rule, Rules, load_rules
from .topics import Lexicon, language_name, lexicon_topics

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
    "fallback_affiliate",
    "language_name",
    "load_directory",
    "load_rules",
    "route",
    "topics_for",
]

#: The repository's data/ directory (affiliates.csv, countries.csv, routing.yml); INTAKE_DATA_DIR
#: replaces it where it is set (bot.data).
DEFAULT_DATA_DIR = REPO_DATA_DIR
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
    return _router(str(Path(data_dir or default_data_dir()).resolve()))


@lru_cache(maxsize=8)
def _router(data_dir: str) -> Router:
    path = Path(data_dir)
    directory = load_directory(path)
    return Router(directory=directory, rules=load_rules(path / RULES_FILE, directory=directory))


def fallback_affiliate(data_dir: Path | str | None = None) -> str:
    """The last resort of every inquiry (routing.yml's `fallback_affiliate`): it never moves on
    from there."""
    return default_router(data_dir).rules.fallback_affiliate


def topics_for(text: str, language: str | None, *, lexicon: Lexicon | None = None) -> frozenset[str]:
    """The topics (e.g. {'health'}) whose keywords for `language` occur in `text`; without
    `lexicon`, those of the routing rules in use (INTAKE_DATA_DIR's routing.yml, else data/'s)."""
    return lexicon_topics(text, language, lexicon or default_router().rules.lexicon)
