"""Organisation types, partnership types, licences and content languages from free text.

Phrase tables are data/terms/ (keyed by language, English as the fallback); language names
come from Babel. Each normaliser accepts a whole answer ("museum", "CC BY-SA 4.0", "Catalan")
or picks the value out of a sentence ("we are a small city museum").
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from bot.intake.model import Licence, OrganizationType, PartnershipType
from bot.vocab.text import (
    Lexicon,
    Phrase,
    code_mode,
    fold,
    fold_word,
    language_list,
    load_terms,
    phrase_mode,
    words,
)
from bot.vocab.text import primary_language as _lang

KINDS = ("organization_type", "partnership_type", "licence")
#: When a licence answer mentions several, the most restrictive reading wins ("Namensnennung -
#: Weitergabe unter gleichen Bedingungen" names BY and SA: it is BY-SA).
_LICENCE_PRIORITY = (Licence.RESTRICTED.value, Licence.UNSURE.value, Licence.CC_BY_SA.value)


def term_phrases(kind: str, language: str = "en") -> list[Phrase]:
    """Phrases of one kind (see KINDS) for `language` then English; value = enum value."""
    terms = load_terms()
    out: list[Phrase] = []
    values: dict[str, None] = {}
    for lang in dict.fromkeys((_lang(language), "en")):
        for value, phrases in ((terms.get(lang) or {}).get(kind) or {}).items():
            out += [Phrase(str(p), str(value), phrase_mode(str(p), lang)) for p in phrases]
            values[str(value)] = None
    # The values themselves ("research_institute", button payloads) as whole answers, after
    # every language's phrases so that "cc0" keeps the mode English gives it.
    return out + [Phrase(value, value, "exact") for value in values]


@lru_cache(maxsize=32)
def _lexicon(kind: str, language: str) -> Lexicon:
    return Lexicon(term_phrases(kind, language))


def values_in(kind: str, text: object, language: str = "en", *, near_wiki: bool = True) -> list[str]:
    """Every `kind` value (see KINDS) that `text` names, in the order named; the whole text's
    value alone when the text is exactly one phrase. Without `near_wiki`, a phrase next to a
    Wiki* word is left out: "the Wikimedia Foundation" is not the partner's foundation."""
    if not isinstance(text, str):
        return []
    language = _lang(language)
    lexicon = _lexicon(kind, language)
    value = lexicon.exact(text)
    if value is not None:
        return [value]
    found = lexicon.scan(text)
    if not near_wiki:
        keys = [fold_word(w) for w in words(text)]
        found = [m for m in found if not any(_is_wiki(k) for k in keys[max(0, m[0] - 1) : m[0]] + keys[m[1] : m[1] + 1])]
    if kind == "partnership_type":  # "research institute" is who they are, not what they want
        orgs = [(s, e) for s, e, _ in _lexicon("organization_type", language).scan(text)]
        found = [
            m for m in found if not any(s <= m[0] and m[1] <= e and e - s > m[1] - m[0] for s, e in orgs)
        ]
    return [v for _, _, v in found]


def near_value(kind: str, text: object, language: str = "en") -> str | None:
    """The `kind` value of a phrase typed with a slip ("musuem"), when only one is that close."""
    return _lexicon(kind, _lang(language)).near(text) if isinstance(text, str) else None


def near_language(text: object, ui_language: str = "en") -> str | None:
    """The language named with a slip ("Portugese", "العربةي"), when only one is that close."""
    return _language_lexicon(_lang(ui_language)).near(text) if isinstance(text, str) else None


def _is_wiki(key: str) -> bool:
    return key.startswith(("wiki", "ويكي"))


def _normalize(kind: str, text: object, language: str) -> str | None:
    values = values_in(kind, text, language)
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    if kind == "licence":
        for value in _LICENCE_PRIORITY:
            if value in values:
                return value
        return values[0]
    counts = Counter(values)
    return max(values, key=lambda v: (counts[v], -values.index(v)))


def normalize_organization_type(text: object, language: str = "en") -> OrganizationType | None:
    """The kind of organisation described ("city museum" -> MUSEUM, "NGO" -> NONPROFIT)."""
    value = _normalize("organization_type", text, language)
    return OrganizationType(value) if value else None


def normalize_partnership_type(text: object, language: str = "en") -> PartnershipType | None:
    """What the partner wants to do ("donate 2,000 photos" -> CONTENT_DONATION)."""
    value = _normalize("partnership_type", text, language)
    return PartnershipType(value) if value else None


def normalize_licence(text: object, language: str = "en") -> Licence | None:
    """The licence offered; any NC/ND/all-rights-reserved mention makes it RESTRICTED.

    "CC BY-NC-SA" -> RESTRICTED (not CC_BY_SA), "cc-by-sa 4.0" -> CC_BY_SA, "CC0" -> CC0,
    "out of copyright" -> PUBLIC_DOMAIN, "not sure" -> UNSURE.
    """
    value = _normalize("licence", text, language)
    return Licence(value) if value else None


@lru_cache(maxsize=32)
def _babel_languages(language: str) -> dict[str, str]:
    """ISO 639-1 -> name in `language`; regional variants map to their base ("pt_BR")."""
    try:
        import babel

        names = babel.Locale.parse(language).languages
    except Exception:  # unknown locale: no names
        return {}
    return {k: n for k, n in names.items() if len(k.split("_")[0]) == 2 and k[:2].isalpha()}


@lru_cache(maxsize=1)
def _autonyms() -> dict[str, str]:
    """Each language's name for itself ("català", "Deutsch"), where Babel knows it."""
    import babel

    out = {}
    for code in _babel_languages("en"):
        if "_" in code:
            continue
        try:
            name = babel.Locale.parse(code).languages.get(code)
        except Exception:  # no CLDR locale for this language
            continue
        if name:
            out[code] = name
    return out


def language_phrases(ui_language: str = "en") -> list[Phrase]:
    """Language-name phrases (aliases, Babel names, autonyms, codes); value = ISO 639-1."""
    language = _lang(ui_language)
    terms = load_terms()
    out: list[Phrase] = []
    for lang in dict.fromkeys((language, "en")):
        for code, aliases in ((terms.get(lang) or {}).get("languages") or {}).items():
            out += [Phrase(str(a), str(code), phrase_mode(str(a), lang)) for a in aliases]
    for lang in dict.fromkeys((language, "en")):
        for key, name in _babel_languages(lang).items():
            out.append(Phrase(name, key.split("_")[0], phrase_mode(name, lang)))
    out += [Phrase(name, code, phrase_mode(name, language)) for code, name in _autonyms().items()]
    codes = sorted(k for k in _babel_languages("en") if "_" not in k)
    out += [Phrase(code, code, code_mode(code, language)) for code in codes]
    return out


@lru_cache(maxsize=32)
def _language_lexicon(language: str) -> Lexicon:
    return Lexicon(language_phrases(language))


def normalize_language(text: object, ui_language: str = "en") -> str | None:
    """ISO 639-1 code of the language named in `text` ("Catalan" -> "ca"), or None.

    Names in the conversation language and English, autonyms ("español") and two-letter codes
    are accepted; languages without a two-letter code are not.
    """
    if not isinstance(text, str):
        return None
    return _language_lexicon(_lang(ui_language)).find(text)


def languages_in(text: object, ui_language: str = "en") -> list[str]:
    """ISO 639-1 codes of every language `text` names, in order ("English and some French")."""
    if not isinstance(text, str):
        return []
    lexicon = _language_lexicon(_lang(ui_language))
    whole = lexicon.exact(text)
    return [whole] if whole else [value for _, _, value in lexicon.scan(text)]


#: Whole-answer lists of terms/<lang>.yml (yes, no, international, same_language).
ANSWER_LISTS = ("yes", "no", "international", "same_language")


@lru_cache(maxsize=64)
def _answers(key: str, language: str) -> frozenset[str]:
    return frozenset(fold(x) for x in language_list(key, language))


def is_answer(key: str, text: object, language: str = "en") -> bool:
    """Whether `text` as a whole is one of the `key` answers (see ANSWER_LISTS) in `language`
    or English: "sí" and "yes" are both yes in a Spanish conversation."""
    key_text = fold(text) if isinstance(text, str) else ""
    return bool(key_text) and key_text in _answers(key, _lang(language))


@lru_cache(maxsize=32)
def _field_lexicon(language: str) -> Lexicon:
    terms = load_terms()
    phrases = [Phrase(str(p), str(slot), "any")
               for lang in dict.fromkeys((language, "en"))
               for slot, words in ((terms.get(lang) or {}).get("fields") or {}).items() for p in words]
    return Lexicon(phrases)


def named_field(text: object, language: str = "en") -> str | None:
    """The answer a partner names when asking to change it ("change the country" -> country)."""
    if not isinstance(text, str):
        return None
    return _field_lexicon(_lang(language)).find(text)
