"""Regions (ISO 3166-2 subdivisions) of the countries where routing needs one.

The subdivision table is subdivisions.yml (bot.vocab.subdivisions); which countries need a
region is the affiliate directory's to say (an affiliate of data/affiliates.csv declares
`subdivisions`), read through bot.routing's directory, its one reader.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.data import REPO_DATA_DIR
from bot.vocab.countries import city_location
from bot.vocab.subdivisions import region_phrases, subdivisions
from bot.vocab.text import (
    Lexicon,
    Phrase,
    code_mode,
    fold,
    fold_word,
    load_data,
    words,
)


def countries_needing_region(data_dir: Path | str | None = None) -> frozenset[str]:
    """Alpha-2 codes of countries where some affiliate declares subdivisions (US, IN, ...)."""
    from bot.routing.directory import countries_needing_region as read  # at call time: see _alpha3

    return read(Path(data_dir or REPO_DATA_DIR))


def __getattr__(name: str) -> frozenset[str]:
    """`REGION_COUNTRIES`: countries_needing_region() of the repository, computed on access."""
    if name == "REGION_COUNTRIES":
        return countries_needing_region()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _code_phrases(country: str) -> list[Phrase]:
    aliases = load_data("subdivisions.yml").get("code_aliases") or {}
    codes = {code: code for code in subdivisions().get(country, {})}
    codes.update({old: new for old, new in aliases.items() if str(new).startswith(country + "-")})
    out = []
    for given, code in codes.items():
        suffix = given.split("-", 1)[1]
        out += [Phrase(given, code, "exact"), Phrase(suffix, code, code_mode(suffix))]
    return out


@lru_cache(maxsize=16)
def _lexicon(country: str) -> Lexicon:
    return Lexicon(region_phrases(country) + _code_phrases(country))


@lru_cache(maxsize=1)
def _affixes() -> tuple[list[list[str]], list[list[str]]]:
    affixes = load_data("subdivisions.yml").get("affixes") or {}

    def folded(key: str) -> list[list[str]]:
        return sorted((fold(a).split() for a in affixes.get(key) or ()), key=len, reverse=True)

    return folded("prefixes"), folded("suffixes")


def _strip_affixes(text: str) -> str:
    """ "State of Ohio" -> "Ohio", "Pskov Oblast" -> "Pskov" (never strips to nothing)."""
    original = words(text)
    keys = [fold_word(w) for w in original]
    prefixes, suffixes = _affixes()
    start, end = 0, len(keys)
    for prefix in prefixes:
        if keys[: len(prefix)] == prefix and len(prefix) < end:
            start = len(prefix)
            break
    for suffix in suffixes:
        if end - len(suffix) > start and keys[end - len(suffix) : end] == suffix:
            end -= len(suffix)
            break
    return " ".join(original[start:end])


def _find(country: str, text: str) -> str | None:
    lexicon = _lexicon(country)
    found = lexicon.exact(text) or lexicon.exact(_strip_affixes(text))
    if found:
        return found
    matches = lexicon.scan(text)
    if matches:
        return matches[0][2]
    city = city_location(text)
    return city[1] if city and city[0] == country else None


def normalize_region(text: object, country: object) -> str | None:
    """ISO 3166-2 code of the subdivision of `country` named in `text`, or None.

    Names, "State of ..." / "... Oblast" forms and codes ("US-NY", "ny") are accepted; a
    gazetteer city gives its region ("Columbus" -> "US-OH"). Without a country, a name that
    belongs to exactly one known country is accepted. Never raises.
    """
    if not isinstance(text, str):
        return None
    table = subdivisions()
    if isinstance(country, str) and country.strip():
        alpha2 = country.strip().upper()
        return _find(alpha2, text) if alpha2 in table else None
    found = {code for code in (_find(c, text) for c in table) if code}
    return found.pop() if len(found) == 1 else None
