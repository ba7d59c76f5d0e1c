"""Pure rules of the intake conversation: which questions to ask, the summary, and what a
change to one answer does to the others.

The rules for a corrected, reset or skipped answer live here and nowhere else: `DEPENDENTS`
(what a country or a consent carries with it), `reset`, `country_answer`, `refused_consent`,
`settle` (answers kept consistent with each other), `guesses_after` and `forget_inquiry`.
`bot.answers` builds its readings with them and the actions store what `settle` returns.

Kept free of Rasa so it can be tested without a server; the actions in `actions/` adapt it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any

from bot.i18n.catalog import Catalog, load_catalog
from bot.intake.model import LANGUAGE_TYPES, LICENSED_TYPES, Licence, OrganizationType, PartnershipType
from bot.intake.slots import (
    CHOOSING_FIELD,
    CITY,
    CONFIRMED,
    CONSENT,
    CONTACT_EMAIL,
    CONTACT_NAME,
    CONTENT_LANGUAGE,
    COUNTRY,
    FIELD,
    GUESSED,
    INTERNATIONAL,
    LICENCE,
    MISSES,
    OPENING,
    ORGANIZATION_NAME,
    ORGANIZATION_TYPE,
    PARTNERSHIP_TYPE,
    PROJECT_DESCRIPTION,
    REGION,
    SKIPPED,
    STAGE,
    Stage,
)
from bot.vocab.countries import country_codes
from bot.vocab.terms import named_field
from bot.vocab.text import fold

#: Every question the intake form may ask, in order (the form's domain list).
FORM_SLOTS = (
    FIELD,
    PARTNERSHIP_TYPE,
    ORGANIZATION_NAME,
    ORGANIZATION_TYPE,
    COUNTRY,
    REGION,
    CONTENT_LANGUAGE,
    LICENCE,
    PROJECT_DESCRIPTION,
    CONSENT,
    CONTACT_NAME,
    CONTACT_EMAIL,
)
#: Slots the partner may correct from the summary, in the summary's order.
CORRECTABLE = FORM_SLOTS[1:]
#: Slots forgotten when the partner stops or after a submission.
INQUIRY_SLOTS = CORRECTABLE + (
    CITY, INTERNATIONAL, FIELD, CHOOSING_FIELD, MISSES, CONFIRMED,
    SKIPPED, OPENING, GUESSED,
)
#: After this many unrecognised answers to one question, offer buttons.
MISSES_BEFORE_BUTTONS = 2
#: After this many, the question is not asked again: its default is taken, or skipping offered.
MISSES_BEFORE_MOVING_ON = 3
#: Answers that change when another one does: a new country forgets the region, a refused
#: consent the contact details.
DEPENDENTS = {
    COUNTRY: (INTERNATIONAL, REGION),
    CONSENT: (CONTACT_NAME, CONTACT_EMAIL),
}
#: The reply that explains a question, for a partner who asks about it.
_EXPLANATIONS = {LICENCE: "utter_faq_licences"}


def _ptype(slots: Mapping[str, Any]) -> PartnershipType | None:
    try:
        return PartnershipType(slots.get(PARTNERSHIP_TYPE))
    except ValueError:
        return None


def needed_slots(slots: Mapping[str, Any], *, region_countries: Iterable[str]) -> list[str]:
    """The questions this inquiry needs, in order, given what is known so far."""
    if slots.get(STAGE) == Stage.SUBMITTED:
        return []
    skipped = set(slots.get(SKIPPED) or ())
    return [slot for slot in _questions(slots, region_countries) if slot not in skipped]


def next_question(slots: Mapping[str, Any], *, region_countries: Iterable[str]) -> str | None:
    """The first question still unanswered, or None when the summary can be shown."""
    needed = needed_slots(slots, region_countries=region_countries)
    return next((slot for slot in needed if slots.get(slot) is None), None)


def _questions(slots: Mapping[str, Any], region_countries: Iterable[str]) -> list[str]:
    needed: list[str] = []
    if slots.get(CHOOSING_FIELD):
        needed.append(FIELD)
    needed += [PARTNERSHIP_TYPE, ORGANIZATION_NAME, ORGANIZATION_TYPE]
    if not slots.get(INTERNATIONAL):
        needed.append(COUNTRY)
        if slots.get(COUNTRY) in set(region_countries):
            needed.append(REGION)
    ptype = _ptype(slots)
    if ptype in LANGUAGE_TYPES:
        needed.append(CONTENT_LANGUAGE)
    if ptype in LICENSED_TYPES:
        needed.append(LICENCE)
    needed += [PROJECT_DESCRIPTION, CONSENT]
    if slots.get(CONSENT) is True:
        needed += [CONTACT_NAME, CONTACT_EMAIL]
    return needed


def count_miss(misses: Any, slot: str) -> dict[str, int]:
    """A new misses map with one more miss for `slot`."""
    counts = dict(misses) if isinstance(misses, dict) else {}
    counts[slot] = int(counts.get(slot, 0)) + 1
    return counts


def clear_miss(misses: Any, slot: str) -> dict[str, int]:
    counts = dict(misses) if isinstance(misses, dict) else {}
    counts.pop(slot, None)
    return counts


def should_offer_buttons(misses: Any, slot: str) -> bool:
    return isinstance(misses, dict) and int(misses.get(slot, 0)) >= MISSES_BEFORE_BUTTONS


def has_moved_on(misses: Any, slot: str) -> bool:
    """Whether question `slot` was asked its three times (the partner is offered to skip it)."""
    return isinstance(misses, dict) and int(misses.get(slot, 0)) >= MISSES_BEFORE_MOVING_ON


def explanation_for(slot: str) -> str:
    """The response that answers "why?" or a question about question `slot`."""
    return _EXPLANATIONS.get(slot) or f"utter_why_{slot}"


def with_skipped(skipped: Any, slot: str) -> list[str]:
    """The `skipped` slot's list with `slot` added."""
    current = [s for s in skipped or () if isinstance(s, str)]
    return current if slot in current else current + [slot]


def reset(slot: str, known: Mapping[str, Any]) -> dict[str, Any]:
    """Slot changes that forget one answer (and what depends on it) so that it is asked again."""
    out: dict[str, Any] = {slot: None, FIELD: None, CHOOSING_FIELD: False}
    out.update({dependent: None for dependent in DEPENDENTS.get(slot, ())})
    skipped = [s for s in known.get(SKIPPED) or () if s not in (slot, *DEPENDENTS.get(slot, ()))]
    if skipped != list(known.get(SKIPPED) or ()):
        out[SKIPPED] = skipped
    misses = clear_miss(known.get(MISSES), slot)
    if misses != (known.get(MISSES) or {}):
        out[MISSES] = misses
    return out


def country_answer(country: str | None, region: str | None = None) -> dict[str, Any]:
    """What an answer to the country question sets: a country (None: the partner works
    internationally), and with it `DEPENDENTS[COUNTRY]`: the region the same answer gave, no
    other."""
    if country is None:
        return {COUNTRY: None, INTERNATIONAL: True, REGION: None}
    return {COUNTRY: country, INTERNATIONAL: False, REGION: region}


def refused_consent() -> dict[str, Any]:
    """No consent, and so `DEPENDENTS[CONSENT]`: no contact details."""
    return {CONSENT: False, **{dependent: None for dependent in DEPENDENTS[CONSENT]}}


def settle(known: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` plus what they imply, so that the answers stay consistent with each other: a
    licence only for donations, contact details only with consent, a region only inside the
    country, and a skipped question no longer skipped once answered."""
    out = dict(changes)
    after = {**known, **out}
    ptype = _ptype(after)
    if ptype is not None and ptype not in LICENSED_TYPES and after.get(LICENCE) is not None:
        out[LICENCE] = None
    if after.get(CONSENT) is not True and (after.get(CONTACT_NAME) or after.get(CONTACT_EMAIL)):
        out.update({dependent: None for dependent in DEPENDENTS[CONSENT]})
    region, country = after.get(REGION), after.get(COUNTRY)
    if region and (not country or not str(region).upper().startswith(f"{country}-")):
        out[REGION] = None
    answered = [s for s, v in changes.items() if v is not None and s in CORRECTABLE]
    skipped = [s for s in after.get(SKIPPED) or () if s not in answered]
    if skipped != list(after.get(SKIPPED) or ()):
        out[SKIPPED] = skipped
    return out


def guesses_after(known: Mapping[str, Any], changes: Mapping[str, Any], asked: str) -> dict[str, Any]:
    """The `guessed` slot's change when `changes` answer question `asked`: an answer given or
    corrected is no longer a guess, except the type that the organisation's name gives away."""
    before = list(known.get(GUESSED) or ())
    kept = [g for g in before if g not in changes or g == ORGANIZATION_TYPE and asked == ORGANIZATION_NAME]
    return {GUESSED: kept} if kept != before else {}


def forget_inquiry() -> dict[str, Any]:
    """Slot changes that forget the inquiry (the partner stopped, or asked for an article)."""
    return {**{slot: None for slot in INQUIRY_SLOTS}, STAGE: None}


def is_valid(slot: str, value: Any, known: Mapping[str, Any] | None = None) -> bool:
    """Whether `value` is one the contract allows for `slot` (DESIGN.md, Slots)."""
    if value is None:
        return True
    enums: dict[str, type[Enum]] = {
        PARTNERSHIP_TYPE: PartnershipType, ORGANIZATION_TYPE: OrganizationType, LICENCE: Licence,
    }
    if slot in enums:
        return value in {member.value for member in enums[slot]}
    if slot == COUNTRY:
        return isinstance(value, str) and value in country_codes()
    if slot == REGION:
        country = (known or {}).get(COUNTRY)
        return isinstance(value, str) and bool(country) and value.upper().startswith(f"{country}-")
    if slot == CONTENT_LANGUAGE:
        return isinstance(value, str) and len(value) == 2 and value.isalpha() and value.islower()
    if slot in (CONSENT, CONFIRMED):
        return isinstance(value, bool)
    if slot == CONTACT_EMAIL:
        return isinstance(value, str) and "@" in value and " " not in value
    return isinstance(value, str) and bool(value.strip())


def field_named(text: str | None, language: str) -> str | None:
    """The answer a partner names in a message ("the country is wrong" -> "country"): the
    vocabulary's words for it, else its label in the summary ("Language of the material")."""
    if not text:
        return None
    found = named_field(text, language)
    if found:
        return found
    key = f" {fold(text)} "
    catalog = load_catalog(language)
    labels = sorted(((fold(catalog.label(slot)), slot) for slot in CORRECTABLE), key=lambda pair: -len(pair[0]))
    return next((slot for label, slot in labels if label and f" {label} " in key), None)


def summary_lines(slots: Mapping[str, Any], catalog: Catalog, *, country_name: Callable[[str], str],
                  language_name: Callable[[str], str]) -> list[str]:
    """One line per answer given, in the partner's language, for the summary."""
    lines = []
    for slot in CORRECTABLE:
        value = slots.get(slot)
        if slot == COUNTRY and slots.get(INTERNATIONAL):
            shown = catalog.label("international")
        elif value is None:
            continue
        elif slot in (PARTNERSHIP_TYPE, ORGANIZATION_TYPE, LICENCE):
            shown = catalog.value_title(slot, value)
        elif slot == COUNTRY:
            shown = country_name(value)
        elif slot == CONTENT_LANGUAGE:
            shown = language_name(value)
        elif slot == CONSENT:
            shown = catalog.label("yes" if value else "no")
        else:
            shown = str(value)
        lines.append(f"• {catalog.label(slot)}: {shown}")
    return lines
