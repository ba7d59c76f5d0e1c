"""Sentences the product wrote in English and stored (qualification and routing reasons, the
status history's whys), shown in the viewer's language.

The record stays English: the JSON API and the CSV show it as stored. The producers keep each
sentence's English shape in one table next to the code that writes it (bot.intake.model.REASONS,
bot.intake.client_cap.HELD_REASON, bot.routing.engine.REASONS and the `reason`s of data/routing.yml,
bot.delivery.lifecycle.REASONS, bot.store.repository.AFTER_DEFLECTION,
bot.organisations.matching.REASONS); this module turns each shape into a pattern with named parts
and pairs it with its translation here (the same English with %(name)s placeholders, marked for the
console's catalogues). A stored text that matches a shape is shown translated, its parts rendered
for the viewer: affiliate ids and rule codes become names, field names, licences, types, countries
and languages are said in the viewer's language; what a person typed (a reason, a note) and
affiliate names stay as written.
A text no shape matches (a note, an older wording) is shown as stored.

tests/unit/test_recorded.py checks that every producer's shape has its translation here and in
every catalogue: change a sentence in bot/ and the test says what to change here.
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
from bot.staff.affiliate_view import OTHER_AFFILIATE_LABEL, STAFF_LABEL
from bot.store import repository
from integrations.console import labels
from integrations.console.i18n import N_, translate
from integrations.console.keys import DIRECTORY, SETTINGS

# -- the translations, by the producers' keys ------------------------------------------------

#: bot.intake.model.REASONS
QUALIFICATION = {
    "restricted": N_("%(target)s only accepts material that anyone may reuse, also commercially and with "
                     "changes; a non-commercial, no-derivatives or all-rights-reserved licence does not allow "
                     "that."),
    "licence_unsure": N_("The partner is not sure which licence applies."),
    "attribution_data": N_("Wikidata takes CC0 data only; the data is offered under an attribution licence."),
    "missing": N_("Missing: %(fields)s."),
    "no_consent": N_("No consent to store contact details, so the affiliate cannot reply directly."),
    "complete": N_("Every required answer was given and consent to be contacted was granted."),
    "licence_accepted": N_("The licence (%(licence)s) is accepted for this kind of donation."),
}
#: bot.intake.client_cap.HELD_REASON
HELD = N_("more than %(cap)s inquiries from one address in an hour: held for review, not delivered; "
          "proposed route: %(affiliate)s (%(rule)s)")
#: bot.routing.engine.REASONS
ROUTING = {
    "continuity": N_("%(name)s has already accepted an inquiry from %(organization)s, so this one goes to them as "
                     "well."),
    "fixed": N_("The partnership type is %(type)s."),
    "fixed_organization": N_("The partnership type is %(type)s and the organisation is %(organization_type)s."),
    "fixed_country": N_("The partnership type is %(type)s and the organisation is in %(country)s."),
    "fixed_organization_country": N_("The partnership type is %(type)s and the organisation is "
                                     "%(organization_type)s and the organisation is in %(country)s."),
    "thematic_topic": N_("%(name)s is the Wikimedia thematic organisation for %(topic)s."),
    "topic_words": N_("The organisation's name or description mentions %(words)s."),
    "thematic_language": N_("%(name)s is the Wikimedia thematic organisation for the %(language)s language."),
    "content_language": N_("The content is in %(language)s (%(code)s)."),
    "chapter": N_("%(name)s is the Wikimedia chapter for %(place)s."),
    "language_community": N_("%(name)s is the Wikimedia community for %(language)s in %(country)s."),
    "first_by_id": N_("It comes first by id among %(count)s matching groups."),
    "user_group": N_("%(name)s is the Wikimedia user group for %(place)s."),
    "preferred": N_("It is preferred over %(others)s because %(why)s."),
    "other_groups": N_("%(count)s other matching groups"),
    "why_region": N_("it declares the region %(region)s"),
    "why_topic": N_("it works on %(topic)s"),
    "why_language": N_("it works in %(language)s"),
    "why_id": N_("its id comes first"),
    "content_community": N_("%(name)s is the Wikimedia community for content in %(language)s."),
    "none_in_country": N_("No Wikimedia chapter or user group in %(country)s matches this inquiry."),
    "fallback": N_("No Wikimedia affiliate was found, so the %(name)s will handle this inquiry."),
    "fallback_country": N_("No Wikimedia affiliate was found for %(country)s, so the %(name)s will handle this "
                           "inquiry."),
    "fallback_language": N_("No Wikimedia affiliate was found for content in %(language)s, so the %(name)s will "
                            "handle this inquiry."),
    "fallback_country_language": N_("No Wikimedia affiliate was found for %(country)s or content in "
                                    "%(language)s, so the %(name)s will handle this inquiry."),
    "wikimedia_region": N_("%(country)s is in the Wikimedia region %(wikimedia_region)s."),
}
#: bot.routing.engine.PLACE
PLACE = N_("%(region)s in %(country)s")
#: The `reason` of each fixed route of data/routing.yml, by rule id ("" for rules.DEFAULT_REASON).
#: A rules file whose reason differs from the one translated here is shown in English.
HEADLINES = {
    "": N_("%(name)s handles this kind of partnership."),
    "team:technology-commercial": N_("%(name)s handles technology partnerships with companies, such as "
                                     "high-volume access to Wikimedia content."),
    "team:technology": N_("%(name)s handles technology partnerships."),
    "team:funding": N_("%(name)s handles offers to give money to, sponsor or donate to Wikimedia."),
    "team:research": N_("%(name)s handles research collaborations."),
    "team:media": N_("%(name)s handles requests from the press and journalists."),
    "education-us-ca": N_("%(name)s runs the Wikipedia education programme for universities in the United States "
                          "and Canada."),
}
#: bot.delivery.lifecycle.REASONS
LIFECYCLE = {
    "accepted": N_("accepted by %(affiliate)s"),
    "declined": N_("%(affiliate)s declined or did not answer"),
    "declined_why": N_("%(affiliate)s declined or did not answer: %(reason)s"),
    "stays": N_("no alternative left; stays with %(affiliate)s"),
    "next": N_("%(affiliate)s is the next alternative after %(previous)s."),
    "rerouted": N_("re-routed to %(affiliate)s"),
    "reassigned_by": N_("Re-assigned by %(actor)s: %(reason)s"),
    "reassigned_to": N_("re-assigned to %(affiliate)s: %(reason)s"),
    "closed": N_("%(close_reason)s"),
    "closed_note": N_("%(close_reason)s: %(note)s"),
    "duplicate": N_("%(close_reason)s of %(original)s"),
    "duplicate_note": N_("%(close_reason)s of %(original)s: %(note)s"),
}
#: bot.organisations.matching.REASONS (the possible duplicate organisations staff review)
MATCHING = {
    "same_item": N_("same Wikidata item %(item)s"),
    "different_items": N_("different Wikidata items"),
    "same_domain": N_("same e-mail domain %(domain)s"),
    "same_domain_elsewhere": N_("same e-mail domain %(domain)s, different countries"),
    "different_countries": N_("different countries"),
    "no_name": N_("no name"),
    "different_numbers": N_("different numbers in the names"),
    "alike_other_types": N_("names %(score)s %% alike, but different types"),
    "alike": N_("names %(score)s %% alike"),
    "contains": N_("one name contains the other"),
    "initials": N_("one name is the other's initials"),
}
#: bot.store.repository.AFTER_DEFLECTION
DEFLECTION = N_("partnership inquiry after deflection")
#: Stand-ins the producers write where a person's words or a fact would be.
CANNED = {
    lifecycle.TIMED_OUT: N_("no answer within the response window"),
    lifecycle.NO_REASON_GIVEN: N_("declined without a reason"),
    engine.YOUR_ORGANISATION: N_("your organisation"),
    engine.YOUR_COUNTRY: N_("your country"),
}

# -- labels of the codes inside them ---------------------------------------------------------

#: The fields "Missing: ..." names (bot.intake.model.missing_fields, "_" written as spaces).
FIELDS = {
    "organization name": N_("name of the organisation"),
    "organization type": N_("type of organisation"),
    "description": N_("description"),
    "licence": N_("licence"),
    "contact email": N_("contact e-mail address"),
}
#: Routing rules by their code: those of data/routing.yml and the lifecycle's.
RULES = {
    "continuity": N_("Same affiliate as before"),
    "team:technology-commercial": N_("Foundation team: technology with a company"),
    "team:technology": N_("Foundation team: technology"),
    "team:funding": N_("Foundation team: funding"),
    "team:research": N_("Foundation team: research"),
    "team:media": N_("Foundation team: press"),
    "thematic:topic": N_("Thematic organisation (topic)"),
    "thematic:language": N_("Thematic organisation (language)"),
    "education-us-ca": N_("Education in the United States and Canada"),
    "country:chapter": N_("Chapter of the country"),
    "country:language-community": N_("Language community in the country"),
    "country:user-group": N_("User group of the country"),
    "language-community": N_("Language community"),
    "fallback": N_("No affiliate found"),
    lifecycle.REROUTE_RULE: N_("Next alternative after a decline"),
    lifecycle.STAFF_RULE: N_("Re-assigned by staff"),
}
#: Why an inquiry was closed, inside a status history's reason.
CLOSE_REASONS = {
    CloseReason.DONE.value: N_("done"),
    CloseReason.DUPLICATE.value: N_("duplicate"),
    CloseReason.SPAM.value: N_("spam"),
    CloseReason.NO_LONGER_INTERESTED.value: N_("no longer interested"),
}
#: The topics user groups are preferred by (data/routing.yml's partnership_topics).
GROUP_TOPICS = {
    "glam": N_("galleries, libraries, archives and museums"),
    "data": N_("data"),
    "education": N_("education"),
    "events": N_("events"),
}
#: Who did it: the roles an affiliate's view names others' people by (bot.staff.affiliate_view),
#: and the product's own parts.
ACTORS = {STAFF_LABEL: N_("Wikimedia staff"), OTHER_AFFILIATE_LABEL: N_("another affiliate"),
          repository.ASSISTANT: N_("the assistant"), lifecycle.WORKER: N_("the delivery service")}

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
    headlines of its fixed routes that this module translates (HEADLINES)."""
    return _pairs(headlines(rules))


def headlines(rules: Rules | None) -> tuple[tuple[str, str], ...]:
    """The fixed routes of `rules` as (rule id, its headline's English format string)."""
    return tuple((rule.id, rule.reason) for rule in (rules.rules if rules else ()) if rule.is_fixed)


def _pairs(headlines: tuple[tuple[str, str], ...]) -> list[tuple[str, str, str]]:
    out = [(f"qualification:{k}", model.REASONS[k], QUALIFICATION[k]) for k in model.REASONS if k in QUALIFICATION]
    out.append(("held", client_cap.HELD_REASON, HELD))
    out += [(f"routing:{k}", engine.REASONS[k], ROUTING[k]) for k in engine.REASONS if k in ROUTING]
    out.append(("place", engine.PLACE, PLACE))
    out += [(f"lifecycle:{k}", lifecycle.REASONS[k], LIFECYCLE[k]) for k in lifecycle.REASONS if k in LIFECYCLE]
    out += [(f"matching:{k}", matching.REASONS[k], MATCHING[k]) for k in matching.REASONS if k in MATCHING]
    out.append(("deflection", repository.AFTER_DEFLECTION, DEFLECTION))
    out.append(("headline:", DEFAULT_REASON, HEADLINES[""]))
    out += [(f"headline:{rule_id}", reason, HEADLINES[rule_id])
            for rule_id, reason in headlines if rule_id in HEADLINES and reason != DEFAULT_REASON]
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
    return translate(locale, RULES[code]) if code in RULES else code


def actor(who: str | None, locale: str) -> str:
    """Who did something, as the status history says: the role an affiliate's view shows for
    others' people in `locale`; anyone else as stored."""
    return translate(locale, ACTORS[who]) if who in ACTORS else (who or "")


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
    return translate(viewer.locale, CANNED[value]) if value in CANNED else value


def _affiliate(value: str, viewer: Viewer) -> str:
    return labels.affiliate(viewer.directory, value) if viewer.directory is not None else value


def _country(value: str, viewer: Viewer) -> str:
    """A country phrase ("the United States", "France") in the viewer's language: by the
    inquiry's own country code when it names that, else by its English name, else as it is."""
    if value in CANNED:
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
    if value in GROUP_TOPICS:
        return translate(viewer.locale, GROUP_TOPICS[value])
    catalog = load_catalog(viewer.locale)
    return catalog.value_title("topic", value) if value in catalog.topics() else value


def _fields(value: str, viewer: Viewer) -> str:
    names = [translate(viewer.locale, FIELDS[f]) if f in FIELDS else f for f in value.split(model.FIELDS_SEPARATOR)]
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
    "close_reason": lambda v, viewer: translate(viewer.locale, CLOSE_REASONS[v]) if v in CLOSE_REASONS else v,
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
