"""Sentences the product wrote in English and stored (qualification and routing reasons, the
status history's whys), shown in the viewer's language.

The record stays English: the JSON API and the CSV show it as stored. The producers keep each
sentence's English shape in one table next to the code that writes it (bot.intake.model.REASONS,
bot.intake.client_cap.HELD_REASON, bot.routing.engine.REASONS and the `reason`s of data/routing.yml,
bot.delivery.lifecycle.REASONS, bot.store.repository.AFTER_DEFLECTION,
bot.organisations.matching.REASONS); this module turns each shape into a pattern with named parts
and pairs it with its translation in integrations.console.recorded_texts (the same English with
%(name)s placeholders, marked for the console's catalogues). A stored text that matches a shape is
shown translated, its parts rendered for the viewer: affiliate ids and rule codes become names,
field names, licences, types, countries and languages are said in the viewer's language; what a
person typed (a reason, a note) and affiliate names stay as written.
A text no shape matches (a note, an older wording) is shown as stored.

tests/unit/test_recorded.py checks that every producer's shape has its translation there and in
every catalogue: change a sentence in bot/ and the test says what to change there.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from aiohttp import web
from babel.lists import format_list

from bot.delivery import lifecycle
from bot.i18n.catalog import DEFAULT_LANGUAGE, load_catalog
from bot.intake import client_cap, model
from bot.intake.closing import CloseReason
from bot.organisations import matching
from bot.routing import Rules, default_router, engine, language_name
from bot.routing.directory import Directory
from bot.routing.rules import DEFAULT_REASON
from bot.store import repository
from integrations.console import labels
from integrations.console import recorded_texts as texts
from integrations.console.i18n import translate
from integrations.console.keys import DIRECTORY, SETTINGS

# -- shapes ----------------------------------------------------------------------------------

#: What a part may be, where "anything" would be ambiguous; every other part is `.+?`.
_ID = r"[A-Za-z0-9_.-]+"
PARTS = {
    "affiliate": _ID,
    "previous": _ID,
    "actor": r"(?:staff|affiliate):\S+?|[^:]+?",
    "close_reason": "|".join(re.escape(reason.value) for reason in CloseReason),
    "count": r"\d+",
    "cap": r"\d+",
    "score": r"\d+",
    "item": r"Q\d+",
    "code": r"[A-Za-z]{2,3}",
    "licence": r"[a-z0-9_]+",
    "rule": r"[A-Za-z0-9_:.-]+",
    "original": r"\S+",
    "organization_type": r"an? [a-z ]+",
}


@dataclass(frozen=True)
class Shape:
    """One sentence the product writes: its English format string (`english`, "{name}" parts),
    its translation's msgid, and the pattern that recognises it."""

    key: str
    english: str
    msgid: str
    pattern: re.Pattern[str]

    @property
    def literal(self) -> int:
        """How much of the sentence is fixed words: the more, the more specific."""
        return sum(len(text) for text, *_ in string.Formatter().parse(self.english))


def fields_of(english: str) -> list[str]:
    """The named parts of a format string, in order, each once."""
    return list(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(english) if name))


def as_msgid(english: str) -> str:
    """A format string as its msgid: "{name}" parts as "%(name)s"."""
    return "".join(text.replace("%", "%%") + (f"%({name})s" if name is not None else "")
                   for text, name, _, _ in string.Formatter().parse(english))


def pattern(english: str) -> re.Pattern[str]:
    """The regular expression matching exactly the texts `english` formats to."""
    out, seen = [], set()
    for text, name, _, _ in string.Formatter().parse(english):
        out.append(re.escape(text))
        if name is None:
            continue
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>{PARTS.get(name, '.+?')})")
        seen.add(name)
    return re.compile("".join(out), re.DOTALL)


def pairs(rules: Rules | None = None) -> list[tuple[str, str, str]]:
    """Every shape as (key, English format string, msgid of its translation); with `rules`, the
    headlines of its fixed routes that this module translates (texts.HEADLINES)."""
    return _pairs(headlines(rules))


def headlines(rules: Rules | None) -> tuple[tuple[str, str], ...]:
    """The fixed routes of `rules` as (rule id, its headline's English format string)."""
    return tuple((rule.id, rule.reason) for rule in (rules.rules if rules else ()) if rule.is_fixed)


def _pairs(headlines: tuple[tuple[str, str], ...]) -> list[tuple[str, str, str]]:
    tables = (("qualification", model.REASONS, texts.QUALIFICATION), ("routing", engine.REASONS, texts.ROUTING),
              ("lifecycle", lifecycle.REASONS, texts.LIFECYCLE), ("matching", matching.REASONS, texts.MATCHING))
    out = [(f"{producer}:{k}", english[k], translated[k])
           for producer, english, translated in tables for k in english if k in translated]
    out.append(("held", client_cap.HELD_REASON, texts.HELD))
    out.append(("place", engine.PLACE, texts.PLACE))
    out.append(("deflection", repository.AFTER_DEFLECTION, texts.DEFLECTION))
    out.append(("headline:", DEFAULT_REASON, texts.HEADLINES[""]))
    out += [(f"headline:{rule_id}", reason, texts.HEADLINES[rule_id])
            for rule_id, reason in headlines if rule_id in texts.HEADLINES and reason != DEFAULT_REASON]
    return out


#: Shapes that are parts of others, never a stored sentence on their own.
INNER = frozenset({"place", "routing:other_groups", "routing:why_region", "routing:why_topic",
                   "routing:why_language", "routing:why_id"})


@cache
def _shapes(headlines: tuple[tuple[str, str], ...]) -> tuple[dict[str, Shape], tuple[Shape, ...]]:
    shapes = {key: Shape(key, english, msgid, pattern(english)) for key, english, msgid in _pairs(headlines)}
    # Only a shape whose msgid is its English is translated: a sentence changed in bot/ without
    # changing it here stays English (tests/unit/test_recorded.py fails first).
    usable = {k: s for k, s in shapes.items() if as_msgid(s.english) == s.msgid}
    top = sorted((s for k, s in usable.items() if k not in INNER), key=lambda s: -s.literal)
    return usable, tuple(top)


# -- showing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Whom a sentence is shown to and about which inquiry: the page's `locale`, the affiliate
    directory (names of ids), the routing rules (their headlines), and the inquiry's own country
    and language codes (a country or language named in a sentence is said from them)."""

    locale: str
    directory: Directory | None = None
    rules: Rules | None = None
    country: str | None = None
    languages: tuple[str, ...] = ()

    @classmethod
    def of_inquiry(cls, inquiry: Mapping[str, Any], *, locale: str, directory: Directory | None,
                   rules: Rules | None) -> Viewer:
        codes = (inquiry.get("content_language"), inquiry.get("language"))
        return cls(locale=locale, directory=directory, rules=rules, country=inquiry.get("country"),
                   languages=tuple(c for c in dict.fromkeys(codes) if isinstance(c, str) and c))


def viewer_of(request: web.Request, inquiry: Mapping[str, Any], locale: str) -> Viewer:
    """The viewer of `inquiry` on the page answering `request`, in `locale`: the console's
    directory and the routing rules of its data directory."""
    return Viewer.of_inquiry(inquiry, locale=locale, directory=request.app[DIRECTORY],
                             rules=default_router(request.app[SETTINGS].data_dir).rules)


def shown(text: str | None, locale: str, viewer: Viewer | None = None) -> str:
    """`text` in `locale` when it is a sentence the product writes, its parts said for the
    viewer; otherwise `text` as stored."""
    if not text:
        return text or ""
    viewer = replace(viewer, locale=locale) if viewer is not None else Viewer(locale=locale)
    found = _render(text, viewer, _top(viewer))
    return text if found is None else found


def recognised(text: str, rules: Rules | None = None) -> str | None:
    """The key of the shape `text` has (e.g. "routing:chapter"), or None when it has none."""
    return next((shape.key for shape in _shapes(headlines(rules))[1] if shape.pattern.fullmatch(text)), None)


def rule_label(code: str | None, locale: str) -> str:
    """A routing rule's name in `locale` ("country:chapter" -> "Chapter of the country"); an
    unknown code stays as it is."""
    if not code:
        return "—"
    return translate(locale, texts.RULES[code]) if code in texts.RULES else code


def actor(who: str | None, locale: str) -> str:
    """Who did something, as the status history says: the role an affiliate's view shows for
    others' people in `locale`; anyone else as stored."""
    return translate(locale, texts.ACTORS[who]) if who in texts.ACTORS else (who or "")


def _top(viewer: Viewer) -> Iterable[Shape]:
    return _shapes(headlines(viewer.rules))[1]


def _inner(*keys: str) -> list[Shape]:
    usable = _shapes(())[0]
    return [usable[k] for k in keys if k in usable]


def _render(text: str, viewer: Viewer, shapes: Iterable[Shape]) -> str | None:
    for shape in shapes:
        match = shape.pattern.fullmatch(text)
        if match is None:
            continue
        values = {name: _part(name, value, viewer) for name, value in match.groupdict().items()}
        try:
            return translate(viewer.locale, shape.msgid) % values
        except (KeyError, TypeError, ValueError):  # a broken translation shows the record
            return None
    return None


def _canned(value: str, viewer: Viewer) -> str:
    return translate(viewer.locale, texts.CANNED[value]) if value in texts.CANNED else value


def _affiliate(value: str, viewer: Viewer) -> str:
    return labels.affiliate(viewer.directory, value) if viewer.directory is not None else value


def _country(value: str, viewer: Viewer) -> str:
    """A country phrase ("the United States", "France") in the viewer's language: by the
    inquiry's own country code when it names that, else by its English name, else as it is."""
    if value in texts.CANNED:
        return _canned(value, viewer)
    folded = value.lower()
    if viewer.country and viewer.directory is not None:
        code = viewer.country.upper()
        if folded in (viewer.directory.country_phrase(code).lower(), viewer.directory.country_name(code).lower()):
            return labels.country(code, viewer.locale)
    name = value[4:] if folded.startswith("the ") else value
    try:
        return labels.country(labels.country_code(name, "en"), viewer.locale)
    except labels.UnknownName:
        return value


def _language(value: str, viewer: Viewer) -> str:
    """An English language name in the viewer's language: by the inquiry's own language codes
    when one is named so, else by the English name, else as it is."""
    for code in viewer.languages:
        if language_name(code.split("-")[0].lower()) == value:
            return labels.language(code.split("-")[0], viewer.locale)
    try:
        return labels.language(labels.language_code(value, "en"), viewer.locale)
    except labels.UnknownName:
        return value


def _topic(value: str, viewer: Viewer) -> str:
    if value in texts.GROUP_TOPICS:
        return translate(viewer.locale, texts.GROUP_TOPICS[value])
    catalog = load_catalog(viewer.locale)
    return catalog.value_title("topic", value) if value in catalog.topics() else value


def _fields(value: str, viewer: Viewer) -> str:
    names = [translate(viewer.locale, texts.FIELDS[f]) if f in texts.FIELDS else f
             for f in value.split(model.FIELDS_SEPARATOR)]
    return format_list(names, locale=viewer.locale)


def _organization_type(value: str, viewer: Viewer) -> str:
    code = value.partition(" ")[2].replace(" ", "_")
    return load_catalog(viewer.locale).value_title("organization_type", code)


def _place(value: str, viewer: Viewer) -> str:
    return _render(value, viewer, _inner("place")) or _country(value, viewer)


def _why(value: str, viewer: Viewer) -> str:
    return _render(value, viewer, _inner("routing:why_region", "routing:why_topic", "routing:why_language",
                                         "routing:why_id")) or value


def _others(value: str, viewer: Viewer) -> str:
    return _render(value, viewer, _inner("routing:other_groups")) or value


_RENDER: dict[str, Callable[[str, Viewer], str]] = {
    "affiliate": _affiliate,
    "previous": _affiliate,
    "actor": lambda v, viewer: actor(v, viewer.locale),
    "reason": _canned,
    "note": _canned,
    "organization": _canned,
    "country": _country,
    "place": _place,
    "region": lambda v, viewer: labels.region(v),
    "language": _language,
    "topic": _topic,
    "fields": _fields,
    "type": lambda v, viewer: labels.text("partnership_type", v.replace(" ", "_"), viewer.locale),
    "organization_type": _organization_type,
    "licence": lambda v, viewer: load_catalog(viewer.locale).value_title("licence", v),
    "count": lambda v, viewer: labels.number(int(v), viewer.locale),
    "cap": lambda v, viewer: labels.number(int(v), viewer.locale),
    "score": lambda v, viewer: labels.number(int(v), viewer.locale),
    "rule": lambda v, viewer: rule_label(v, viewer.locale),
    "close_reason": lambda v, viewer: (translate(viewer.locale, texts.CLOSE_REASONS[v])
                                       if v in texts.CLOSE_REASONS else v),
    "why": _why,
    "others": _others,
}


#: The parts said anew in English too (codes become names); the others are English already.
_IN_ENGLISH = frozenset({"affiliate", "previous", "rule", "licence", "why", "others", "place", "region"})


def _part(name: str, value: str, viewer: Viewer) -> str:
    """A part of a sentence as the viewer reads it; names, typed text and codes without a
    label stay as they are."""
    render = _RENDER.get(name)
    if render is None or (viewer.locale == DEFAULT_LANGUAGE and name not in _IN_ENGLISH):
        return value
    return render(value, viewer)
