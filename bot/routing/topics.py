"""Topics of an inquiry from its free text, by a per-language keyword lexicon; language names.

The lexicon lives in data/routing.yml (`topic_lexicon`): topic -> language -> keywords. Matching
is case-insensitive, accent-insensitive ("médical" matches "medical") and on whole words; a
keyword of several words matches across any run of spaces.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from re import Pattern
from types import MappingProxyType

from bot.vocab.text import fold_word


def normalise(text: str) -> str:
    """Lower-case, accents stripped, whitespace collapsed, the Arabic article dropped
    (المستشفى = مستشفى): the form both sides are matched in."""
    return " ".join(fold_word(word) for word in text.split())


def _pattern(keywords: tuple[str, ...]) -> Pattern[str] | None:
    words = sorted({normalise(k) for k in keywords if k.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternation = "|".join(r"\s+".join(map(re.escape, w.split(" "))) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


@dataclass(frozen=True)
class Lexicon:
    """Keywords per topic and language; `fallback_language` serves languages without keywords."""

    topics: Mapping[str, Mapping[str, tuple[str, ...]]]
    fallback_language: str = "en"
    _patterns: Mapping[tuple[str, str], Pattern[str] | None] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        frozen = {
            topic: MappingProxyType({lang: tuple(words) for lang, words in by_lang.items()})
            for topic, by_lang in self.topics.items()
        }
        object.__setattr__(self, "topics", MappingProxyType(frozen))
        patterns = {
            (topic, lang): _pattern(words)
            for topic, by_lang in frozen.items()
            for lang, words in by_lang.items()
        }
        object.__setattr__(self, "_patterns", MappingProxyType(patterns))

    def languages(self) -> frozenset[str]:
        """Every language that has keywords for at least one topic."""
        return frozenset(lang for by_lang in self.topics.values() for lang in by_lang)

    def matches(self, text: str, language: str | None) -> dict[str, tuple[str, ...]]:
        """Topic -> the keywords found in `text` (normalised, in order of appearance)."""
        lang = primary_language(language)
        if lang not in self.languages():
            lang = self.fallback_language
        normalised = normalise(text or "")
        found: dict[str, tuple[str, ...]] = {}
        for topic in sorted(self.topics):
            pattern = self._patterns.get((topic, lang))
            if pattern is None:
                continue
            hits = tuple(dict.fromkeys(" ".join(m.group(0).split()) for m in pattern.finditer(normalised)))
            if hits:
                found[topic] = hits
        return found


def primary_language(language: str | None) -> str:
    """The primary subtag, lower-cased: 'pt-BR' -> 'pt'; None -> '' (routing's "no language",
    where the vocabulary's own `primary_language` falls back to English)."""
    return re.split(r"[-_]", (language or "").strip().lower(), maxsplit=1)[0]


@lru_cache(maxsize=256)
def language_name(code: str | None) -> str:
    """English name of an ISO 639-1 code ('ca' -> 'Catalan') if Babel knows it, else the code."""
    if not code:
        return "an unknown language"
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - Babel ships with Rasa
        return code
    return str(Locale("en").languages.get(code, code))


def lexicon_topics(text: str, language: str | None, lexicon: Lexicon) -> frozenset[str]:
    """The topics (e.g. {'health'}) whose keywords for `language` occur in `text`.

    `language` is ISO 639-1; a language the lexicon has no keywords for is matched with the
    lexicon's fallback language."""
    return frozenset(lexicon.matches(text, language))
