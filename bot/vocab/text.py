"""Shared text helpers for the vocabulary: cleaning, folding and phrase lexicons.

Everything here is pure. `fold()` is the matching key used on both sides (table phrases and
user text): HTML removed, length capped, accents stripped, case folded, punctuation turned into
spaces (French elisions are split off: "d'Ivoire" -> "d ivoire"; other apostrophes and dots
inside abbreviations are dropped: "don't" -> "dont", "U.K." -> "uk"), whitespace collapsed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from bot.data import load_yaml

#: Text longer than this is cut before matching (a chat message, not a document).
MAX_MATCH_CHARS = 2000
#: Longest phrase, in words, that a lexicon scan tries.
MAX_PHRASE_WORDS = 8
#: The vocabulary's own data (terms/<lang>.yml, cities.yml, subdivisions.yml).
DATA_DIR = Path(__file__).resolve().parent / "data"

_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_APOSTROPHE = re.compile(r"['’ʼ`´‘]")
_INNER_DOT = re.compile(r"(?<=\w)\.(?=\w)")
#: French (and Catalan, Italian) elision: "l'université" is two words, "l'" and "université".
ELISION = r"(?:[ldjnscmtLDJNSCMT]|[qQ]u|[jJ]usqu|[lL]orsqu|[pP]uisqu)['’ʼ]"
_ELISION = re.compile(rf"(?<!\w)({ELISION})(?=\w)")

#: Phrase modes. any: everywhere, any case. title / upper: in running text only when written
#: capitalised / in capitals, any case as a whole answer. scan: anywhere in text but never an
#: entity-ruler pattern. exact: only as the whole answer. exact_upper: whole answer in capitals.
MODES = ("any", "title", "upper", "scan", "exact", "exact_upper")
RULER_MODES = frozenset({"any", "title", "upper"})


class Phrase(NamedTuple):
    """A surface form, the normalised value it stands for, and how it may match."""

    text: str
    value: str
    mode: str = "any"


def primary_language(language: object) -> str:
    """The primary subtag of a language tag ("pt-BR" -> "pt"); "en" for anything unusable."""
    if not isinstance(language, str):
        return "en"
    primary = re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()
    return primary if primary.isalpha() and len(primary) <= 8 else "en"


def strip_tags(text: str) -> str:
    """Remove HTML tags (and script/style bodies) and unescape entities."""
    text = _SCRIPT_STYLE.sub(" ", text)
    return html.unescape(_TAG.sub(" ", text))


def clean(text: Any, limit: int = MAX_MATCH_CHARS) -> str:
    """Untagged, NFKC-normalised text, cut at `limit` characters, whitespace collapsed."""
    if not isinstance(text, str):
        return ""
    text = strip_tags(text[: limit * 4])
    text = unicodedata.normalize("NFKC", text)[:limit]
    return _SPACE.sub(" ", text).strip()


def strip_accents(text: str) -> str:
    """Remove combining marks: "Côte" -> "Cote"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def words(text: Any) -> list[str]:
    """The words of `text` with their case kept; punctuation and symbols split words."""
    cleaned = clean(text).replace("&", " and ")
    cleaned = _ELISION.sub(r"\1 ", cleaned)
    cleaned = _INNER_DOT.sub("", _APOSTROPHE.sub("", cleaned))
    chars = (" " if unicodedata.category(c)[0] in "PSZC" else c for c in cleaned)
    return "".join(chars).split()


#: Arabic writes the article and some prepositions as part of the word (المتحف, بالمتحف,
#: للمكتبة): matching keys drop them on both sides. Longest first.
ARABIC_ARTICLES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال")
#: One-letter prefixes ("and", "in", "for"), tried only when a word does not match as it is,
#: because many names begin with these letters (بريطانيا, لبنان).
ARABIC_PREFIXES = ("و", "ب", "ل", "ف")
_ARABIC_FOLD = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None})


def is_arabic(word: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in word)


def arabic_stem(word: str) -> str:
    """An Arabic word without its article (and the prepositions fused with it)."""
    for article in ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 3:
            return word[len(article):]
    return word


def fold_word(word: str) -> str:
    """The matching key of one word (Arabic: hamza on alef, tatweel, final yā'/tā' marbūṭa and
    the article folded away)."""
    folded = strip_accents(word).casefold()
    if is_arabic(folded):
        folded = arabic_stem(folded.translate(_ARABIC_FOLD))
    return folded


def fold(text: Any) -> str:
    """The matching key of a text (see the module docstring)."""
    return " ".join(fold_word(w) for w in words(text))


class Lexicon:
    """Folded phrases mapped to values; the first phrase given for a key wins."""

    def __init__(self, phrases: Iterable[Phrase], strip_leading: Iterable[str] = ()) -> None:
        self._table: dict[str, tuple[str, str]] = {}
        for phrase in phrases:
            key = fold(phrase.text)
            if key and key not in self._table:
                self._table[key] = (phrase.value, phrase.mode)
        self._strip = frozenset(fold(w) for w in strip_leading)
        self._by_start: dict[str, list[tuple[str, str, str]]] | None = None
        longest = max((k.count(" ") + 1 for k in self._table), default=1)
        self._max_words = min(longest, MAX_PHRASE_WORDS)

    def exact(self, text: Any) -> str | None:
        """The value of the whole text, or None."""
        raw = words(text)
        while len(raw) > 1 and fold_word(raw[0]) in self._strip:
            raw = raw[1:]
        hit = self._table.get(" ".join(fold_word(w) for w in raw))
        if hit is None:
            return None
        value, mode = hit
        if mode == "exact_upper" and not all(w.isupper() for w in raw):
            return None
        return value

    def scan(self, text: Any) -> list[tuple[int, int, str]]:
        """Longest-leftmost non-overlapping matches in running text: (start, end, value)."""
        raw = words(text)
        keys = [fold_word(w) for w in raw]
        found: list[tuple[int, int, str]] = []
        i = 0
        while i < len(keys):
            unprefixed = _without_prefix(keys[i])
            for size in range(min(self._max_words, len(keys) - i), 0, -1):
                hit = self._table.get(" ".join(keys[i : i + size]))
                if hit is None and unprefixed:
                    hit = self._table.get(" ".join([unprefixed, *keys[i + 1 : i + size]]))
                if hit and _scan_allows(hit[1], raw[i : i + size]):
                    found.append((i, i + size, hit[0]))
                    i += size
                    break
            else:
                i += 1
        return found

    def find(self, text: Any) -> str | None:
        """The whole-text value, else the first value found in running text."""
        value = self.exact(text)
        if value is not None:
            return value
        found = self.scan(text)
        return found[0][2] if found else None

    def near(self, text: Any) -> str | None:
        """The value of a phrase typed with a slip of the finger ("Irelannd", "musuem",
        "centor de investigación"): one letter wrong, missing, doubled or two swapped (two in
        words of nine letters or more), in phrases of five letters or more, only when exactly
        one value is that close. For answers that matched nothing exactly."""
        keys = [fold_word(w) for w in words(text)]
        best: set[str] = set()
        best_distance = 3
        for size in range(min(3, len(keys)), 0, -1):
            for start in range(len(keys) - size + 1):
                typed = " ".join(keys[start : start + size])
                if len(typed) < 5:
                    continue
                allowed = 2 if len(typed) >= 9 else 1
                for key, value in self._candidates(typed):
                    distance = _edit_distance(typed, key, allowed)
                    if distance <= allowed and distance < best_distance:
                        best, best_distance = {value}, distance
                    elif distance <= allowed and distance == best_distance:
                        best.add(value)
        return next(iter(best)) if len(best) == 1 else None

    def _candidates(self, typed: str) -> list[tuple[str, str]]:
        if self._by_start is None:
            index: dict[str, list[tuple[str, str, str]]] = {}
            for key, (value, mode) in self._table.items():
                if len(key) >= 5 and mode not in ("exact_upper", "upper"):
                    index.setdefault(key[0], []).append((key, value, mode))
            self._by_start = index
        return [(k, v) for k, v, _ in self._by_start.get(typed[0], ()) if abs(len(k) - len(typed)) <= 2]


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of two neighbours counts one), or limit + 1
    as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _without_prefix(key: str) -> str | None:
    """The key of an Arabic word without a one-letter prefix (ومصر -> مصر), tried when the
    word itself does not match; None for other words."""
    if len(key) > 3 and key[0] in ARABIC_PREFIXES and is_arabic(key):
        return fold_word(key[1:])
    return None


def _scan_allows(mode: str, original: list[str]) -> bool:
    if mode in ("any", "scan"):
        return True
    if mode == "title":
        return original[0][:1].isupper()
    if mode == "upper":
        return all(w.isupper() for w in original)
    return False


def place_variants(name: str) -> set[str]:
    """Spelling variants of a place name: "&"/"and", "St."/"St"/"Saint", hyphen/space."""
    out = {name}
    for old, new in (("&", "and"), ("St. ", "Saint "), ("St. ", "St "), ("-", " ")):
        out |= {v.replace(old, new) for v in out}
    return {_SPACE.sub(" ", v).strip() for v in out if v.strip()}


@lru_cache(maxsize=64)
def load_data(name: str) -> Any:
    """A YAML file of bot/vocab/data, parsed once."""
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return load_yaml(handle) or {}


@lru_cache(maxsize=1)
def load_terms() -> dict[str, Any]:
    """The phrase tables of data/terms/: {"common": {...}, "en": {...}, "es": {...}, ...}."""
    out: dict[str, Any] = {}
    for path in sorted((DATA_DIR / "terms").glob("*.yml")):
        with open(path, encoding="utf-8") as handle:
            out[path.stem] = load_yaml(handle) or {}
    return out


def term_languages() -> tuple[str, ...]:
    """The languages that have a phrase table, English first."""
    return tuple(sorted((k for k in load_terms() if k != "common"), key=lambda k: (k != "en", k)))


def language_list(key: str, language: str) -> list[str]:
    """terms/<language>.yml[key] followed by the English list (the fallback language)."""
    terms = load_terms()
    out: list[str] = []
    for lang in dict.fromkeys((language, "en")):
        out.extend(str(x) for x in (terms.get(lang) or {}).get(key) or ())
    return out


@lru_cache(maxsize=64)
def _mode_sets(language: str) -> tuple[frozenset[str], ...]:
    keys = ("exact_only", "abbreviations", "capitalised", "no_ruler")
    return tuple(frozenset(fold(x) for x in language_list(k, language)) for k in keys)


def phrase_mode(text: str, language: str = "en") -> str:
    """The mode of a vocabulary phrase from terms.yml's per-language lists (default "any")."""
    key = fold(text)
    for sets, mode in zip(_mode_sets(language), ("exact", "upper", "title", "scan"), strict=True):
        if key in sets:
            return mode
    return "any"


def code_mode(code: str, language: str = "en") -> str:
    """Whole-answer mode of a bare code: capitals only when it is also a common word."""
    stop = _stopwords(language)
    return "exact_upper" if fold(code) in stop else "exact"


@lru_cache(maxsize=64)
def _stopwords(language: str) -> frozenset[str]:
    return frozenset(fold(x) for x in language_list("code_stopwords", language))
