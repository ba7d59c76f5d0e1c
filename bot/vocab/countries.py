"""Countries (ISO 3166-1 alpha-2) from names, aliases and codes, and a small city gazetteer.

Names come from Babel (localised, CLDR) for the countries of data/countries.csv, aliases and
abbreviations from data/terms/, cities from data/cities.yml. Only real countries are known:
Babel's macro-regions ("001", "150") are not in countries.csv and never match.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from bot.data import REPO_DATA_DIR
from bot.vocab.subdivisions import region_phrases
from bot.vocab.text import (
    Lexicon,
    Phrase,
    code_mode,
    language_list,
    load_data,
    load_terms,
    phrase_mode,
    place_variants,
    words,
)
from bot.vocab.text import primary_language as _lang

_PARENTHESIS = re.compile(r"^(.*?)\s*\((.*?)\)\s*$")


@lru_cache(maxsize=8)
def _alpha3(data_dir: str) -> dict[str, str]:
    # Imported at call time: bot.routing's package reads bot.vocab.text, which this package holds.
    from bot.routing.directory import read_countries

    return {iso2: country.iso3 for iso2, country in read_countries(Path(data_dir)).items()}


def country_codes(data_dir: Path | str | None = None) -> frozenset[str]:
    """The ISO alpha-2 codes of the real countries listed in countries.csv."""
    return frozenset(_alpha3(str(data_dir or REPO_DATA_DIR)))


@lru_cache(maxsize=32)
def babel_country_names(language: str) -> dict[str, str]:
    """Babel's country names in `language` by alpha-2 code ({} for an unknown locale)."""
    try:
        import babel

        return dict(babel.Locale.parse(language).territories)
    except Exception:  # unknown or malformed locale: no names rather than an error
        return {}


def name_variants(name: str) -> set[str]:
    """CLDR display names made matchable: "Myanmar (Burma)" -> also "Myanmar" and "Burma"."""
    names = {name, name.replace(" - ", "-")}
    match = _PARENTHESIS.match(name)
    if match:
        names |= {match.group(1), match.group(2)}
    names |= {re.sub(r"\s+SAR China$", "", n) for n in names}
    out: set[str] = set()
    for n in names:
        out |= place_variants(n)
    return out


def country_phrases(language: str = "en", data_dir: Path | str | None = None) -> list[Phrase]:
    """Country phrases in priority order, value = alpha-2.

    Aliases and Babel names of `language` and English match anywhere (modes from terms.yml);
    names in the other Babel languages of terms.yml and bare ISO codes only as a whole answer;
    abbreviations ("USA", "UK") in running text only when written in capitals.
    """
    language = _lang(language)
    iso = _alpha3(str(data_dir or REPO_DATA_DIR))
    terms = load_terms()
    common = terms.get("common") or {}
    out: list[Phrase] = []
    for lang in dict.fromkeys((language, "en")):
        for code, aliases in ((terms.get(lang) or {}).get("countries") or {}).items():
            out += [Phrase(a, str(code), phrase_mode(a, lang)) for a in aliases]
    for code, abbreviations in (common.get("country_codes") or {}).items():
        out += [Phrase(a, str(code), "upper") for a in abbreviations]
    for lang in dict.fromkeys((language, "en", *common.get("country_name_languages", ()))):
        local = lang in (language, "en")
        for code, name in babel_country_names(lang).items():
            if code in iso:
                mode = phrase_mode(name, lang) if local else "exact"
                out += [Phrase(v, code, mode) for v in sorted(name_variants(name))]
    out += [Phrase(code, code, code_mode(code, language)) for code in sorted(iso)]
    out += [Phrase(a3, code, "exact_upper") for code, a3 in sorted(iso.items()) if a3]
    return [p for p in out if p.value in iso]


@lru_cache(maxsize=32)
def _country_lexicon(language: str) -> Lexicon:
    phrases = country_phrases(language)
    # A subdivision name means its country ("New Mexico" is in the US, not Mexico).
    phrases += [Phrase(p.text, p.value.split("-")[0], p.mode) for p in region_phrases()]
    return Lexicon(phrases, strip_leading=language_list("articles", language))


@lru_cache(maxsize=32)
def _country_name_lexicon(language: str) -> Lexicon:
    """The country lexicon without bare ISO codes (alpha-2 and alpha-3)."""
    iso = _alpha3(str(REPO_DATA_DIR))
    codes = {c.casefold() for c in iso} | {a.casefold() for a in iso.values() if a}
    phrases = [p for p in country_phrases(language) if p.text.casefold() not in codes]
    phrases += [Phrase(p.text, p.value.split("-")[0], p.mode) for p in region_phrases()]
    return Lexicon(phrases, strip_leading=language_list("articles", language))


def near_country(text: object, language: str = "en") -> str | None:
    """The country named with a slip ("Irelannd"), when only one is that close."""
    return _country_name_lexicon(_lang(language)).near(text) if isinstance(text, str) else None


def normalize_country(text: object, language: str = "en") -> str | None:
    """ISO 3166-1 alpha-2 of the country named in `text`, or None.

    Whole answers ("U.K.", "the Netherlands", "Côte d'Ivoire", "fr") are tried first, then the
    first country named in running text ("We are based in Lyon, France"). A subdivision of a
    routed country gives that country ("Ohio" -> "US"). Cities are not countries: see
    `city_location`. Never raises.
    """
    if not isinstance(text, str):
        return None
    return _country_lexicon(_lang(language)).find(text)


def _lexicon(language: str, *, codes: bool) -> Lexicon:
    """Country names and, with `codes`, bare ISO codes too."""
    return _country_lexicon(_lang(language)) if codes else _country_name_lexicon(_lang(language))


def exact_country(text: object, language: str = "en", *, codes: bool = True) -> str | None:
    """Alpha-2 code of the country the whole text is ("Congo - Kinshasa."), or None."""
    if not isinstance(text, str):
        return None
    lexicon = _lexicon(language, codes=codes)
    return lexicon.exact(text)


def countries_in(text: object, language: str = "en", *, codes: bool = True) -> list[str]:
    """Alpha-2 codes of every country `text` names, in order ("Belgium, not France"). Without
    `codes`, bare ISO codes do not count ("jo" is Austrian for yes, not Jordan)."""
    if not isinstance(text, str):
        return []
    lexicon = _lexicon(language, codes=codes)
    whole = lexicon.exact(text)
    return [whole] if whole else [value for _, _, value in lexicon.scan(text)]


def without_countries(text: str, language: str = "en") -> str:
    """`text` with the countries it names left out, word by word: words inside a country's name
    ("Arab" in "United Arab Emirates", "العربية" in "الإمارات العربية المتحدة") say nothing else."""
    raw = words(text)
    spans = _country_name_lexicon(_lang(language)).scan(text)
    if not spans:
        return text
    inside = {i for start, end, _ in spans for i in range(start, end)}
    return " ".join(w for i, w in enumerate(raw) if i not in inside)


@lru_cache(maxsize=1)
def _cities() -> dict[str, str]:
    return {str(k): str(v) for k, v in (load_data("cities.yml").get("cities") or {}).items()}


def city_phrases() -> list[Phrase]:
    """Gazetteer phrases: value = "FR" (alpha-2) or "US-OH" (ISO 3166-2, routed regions)."""
    return [
        Phrase(variant, where, phrase_mode(name))
        for name, where in _cities().items()
        for variant in sorted(place_variants(name))
    ]


@lru_cache(maxsize=1)
def _city_lexicon() -> Lexicon:
    return Lexicon(city_phrases())


def city_location(text: object) -> tuple[str, str | None] | None:
    """(alpha-2 country, ISO 3166-2 region or None) of a gazetteer city in `text`, or None.

    The region is given only where routing needs one: "Columbus" -> ("US", "US-OH"),
    "Lyon" -> ("FR", None).
    """
    if not isinstance(text, str):
        return None
    where = _city_lexicon().find(text)
    if where is None:
        return None
    country, _, _ = where.partition("-")
    return country, (where if "-" in where else None)
