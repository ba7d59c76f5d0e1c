"""Per-language reply catalogues (bot/responses/<lang>.yml): the languages the assistant speaks,
their replies, and names of countries and languages in each (Babel, CLDR)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from bot.data import load_yaml

BOT_DIR = Path(__file__).resolve().parents[1]
RESPONSES_DIR = BOT_DIR / "responses"
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Catalog:
    language: str
    labels: dict[str, str]
    values: dict[str, Any]
    responses: dict[str, list[dict[str, Any]]]
    reasons: dict[str, str]
    #: Replies the channels send without the dialogue (not in the Rasa domain: no retraining).
    channel: dict[str, str] = field(default_factory=dict)

    def reason(self, rule: str) -> str | None:
        """The partner-facing sentence for a routing rule (bot/intake/reasons.py), English if missing."""
        return self.reasons.get(rule) or load_catalog(DEFAULT_LANGUAGE).reasons.get(rule)

    def topics(self) -> set[str]:
        """The thematic topics the catalogue has names for."""
        return set(load_catalog(DEFAULT_LANGUAGE).values.get("topic") or {})

    def label(self, key: str) -> str:
        return self.labels.get(key) or load_catalog(DEFAULT_LANGUAGE).labels.get(key, key)

    def value_title(self, slot: str, value: str) -> str:
        titles = self.values.get(slot) or {}
        return titles.get(value) or load_catalog(DEFAULT_LANGUAGE).values.get(slot, {}).get(value, value)


def supported_languages(directory: Path = RESPONSES_DIR) -> tuple[str, ...]:
    """ISO 639-1 codes that have a catalogue, English first."""
    codes = sorted(p.stem for p in directory.glob("*.yml"))
    return tuple(sorted(codes, key=lambda c: (c != DEFAULT_LANGUAGE, c)))


@cache
def load_catalog(language: str, directory: Path = RESPONSES_DIR) -> Catalog:
    """The catalogue of one language; unknown languages get English."""
    path = directory / f"{language}.yml"
    if not path.exists():
        path = directory / f"{DEFAULT_LANGUAGE}.yml"
        language = DEFAULT_LANGUAGE
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    return Catalog(
        language=language,
        labels=raw.get("labels") or {},
        values=raw.get("values") or {},
        responses=raw.get("responses") or {},
        reasons=raw.get("reasons") or {},
        channel=raw.get("channel") or {},
    )


def resolve_language(code: str | None) -> str:
    """A supported conversation language for a requested code like 'es', 'es-MX' or 'pt_BR'."""
    if not code or not isinstance(code, str):
        return DEFAULT_LANGUAGE
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in supported_languages() else DEFAULT_LANGUAGE


def country_name(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The country's name in the conversation language (Babel), or the code itself."""
    try:
        return Locale.parse(language).territories.get(code.upper(), code)
    except (ValueError, UnknownLocaleError, AttributeError):
        return code


def language_name(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The language's name in the conversation language (Babel), or the code itself."""
    try:
        return Locale.parse(language).languages.get(code.lower(), code)
    except (ValueError, UnknownLocaleError, AttributeError):
        return code
