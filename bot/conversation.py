"""Pure rules of the intake conversation: which questions to ask, the summary, corrections.

Kept free of Rasa so it can be tested without a server; the actions in `actions/` adapt it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from bot.i18n import Catalog, load_catalog
from bot.intake import LANGUAGE_TYPES, LICENSED_TYPES, Licence, OrganizationType, PartnershipType
from bot.vocab.countries import country_codes
from bot.vocab.terms import named_field
from bot.vocab.text import fold

#: Every question the intake form may ask, in order (the form's domain list).
FORM_SLOTS = (
    "field",
    "partnership_type",
    "organization_name",
    "organization_type",
    "country",
    "region",
    "content_language",
    "licence",
    "project_description",
    "consent",
    "contact_name",
    "contact_email",
)
#: Slots the partner may correct from the summary, in the summary's order.
CORRECTABLE = FORM_SLOTS[1:]
#: Slots forgotten when the partner stops or after a submission.
INQUIRY_SLOTS = CORRECTABLE + (
    "city", "international", "field", "choosing_field", "misses", "confirmed",
    "skipped", "opening", "guessed",
)
#: After this many unrecognised answers to one question, offer buttons.
MISSES_BEFORE_BUTTONS = 2
#: After this many, the question is not asked again: its default is taken, or skipping offered.
MISSES_BEFORE_MOVING_ON = 3
#: Answers that change when another one does: a new country forgets the region, a refused
#: consent the contact details.
DEPENDENTS = {
    "country": ("international", "region"),
    "consent": ("contact_name", "contact_email"),
}
#: The reply that explains a question, for a partner who asks about it.
_EXPLANATIONS = {"licence": "utter_faq_licences"}


def _ptype(slots: Mapping[str, Any]) -> PartnershipType | None:
    try:
        return PartnershipType(slots.get("partnership_type"))
    except ValueError:
        return None


def needed_slots(slots: Mapping[str, Any], *, region_countries: Iterable[str]) -> list[str]:
    """The questions this inquiry needs, in order, given what is known so far."""
    if slots.get("stage") == "submitted":
        return []
    skipped = set(slots.get("skipped") or ())
    return [slot for slot in _questions(slots, region_countries) if slot not in skipped]


def _questions(slots: Mapping[str, Any], region_countries: Iterable[str]) -> list[str]:
    needed: list[str] = []
    if slots.get("choosing_field"):
        needed.append("field")
    needed += ["partnership_type", "organization_name", "organization_type"]
    if not slots.get("international"):
        needed.append("country")
        if slots.get("country") in set(region_countries):
            needed.append("region")
    ptype = _ptype(slots)
    if ptype in LANGUAGE_TYPES:
        needed.append("content_language")
    if ptype in LICENSED_TYPES:
        needed.append("licence")
    needed += ["project_description", "consent"]
    if slots.get("consent") is True:
        needed += ["contact_name", "contact_email"]
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
    out: dict[str, Any] = {slot: None, "field": None, "choosing_field": False}
    out.update({dependent: None for dependent in DEPENDENTS.get(slot, ())})
    skipped = [s for s in known.get("skipped") or () if s not in (slot, *DEPENDENTS.get(slot, ()))]
    if skipped != list(known.get("skipped") or ()):
        out["skipped"] = skipped
    misses = clear_miss(known.get("misses"), slot)
    if misses != (known.get("misses") or {}):
        out["misses"] = misses
    return out


def settle(known: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` plus what they imply, so that the answers stay consistent with each other: a
    licence only for donations, contact details only with consent, a region only inside the
    country, and a skipped question no longer skipped once answered."""
    out = dict(changes)
    after = {**known, **out}
    ptype = _ptype(after)
    if ptype is not None and ptype not in LICENSED_TYPES and after.get("licence") is not None:
        out["licence"] = None
    if after.get("consent") is not True and (after.get("contact_name") or after.get("contact_email")):
        out.update(contact_name=None, contact_email=None)
    region, country = after.get("region"), after.get("country")
    if region and (not country or not str(region).upper().startswith(f"{country}-")):
        out["region"] = None
    answered = [s for s, v in changes.items() if v is not None and s in CORRECTABLE]
    skipped = [s for s in after.get("skipped") or () if s not in answered]
    if skipped != list(after.get("skipped") or ()):
        out["skipped"] = skipped
    return out


def is_valid(slot: str, value: Any, known: Mapping[str, Any] | None = None) -> bool:
    """Whether `value` is one the contract allows for `slot` (DESIGN.md, Slots)."""
    if value is None:
        return True
    enums: dict[str, type[Enum]] = {
        "partnership_type": PartnershipType, "organization_type": OrganizationType, "licence": Licence,
    }
    if slot in enums:
        return value in {member.value for member in enums[slot]}
    if slot == "country":
        return isinstance(value, str) and value in country_codes()
    if slot == "region":
        country = (known or {}).get("country")
        return isinstance(value, str) and bool(country) and value.upper().startswith(f"{country}-")
    if slot == "content_language":
        return isinstance(value, str) and len(value) == 2 and value.isalpha() and value.islower()
    if slot in ("consent", "confirmed"):
        return isinstance(value, bool)
    if slot == "contact_email":
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


def summary_lines(slots: Mapping[str, Any], catalog: Catalog, *, country_name, language_name) -> list[str]:
    """One line per answer given, in the partner's language, for the summary."""
    lines = []
    for slot in CORRECTABLE:
        value = slots.get(slot)
        if slot == "country" and slots.get("international"):
            shown = catalog.label("international")
        elif value is None:
            continue
        elif slot in ("partnership_type", "organization_type", "licence"):
            shown = catalog.value_title(slot, value)
        elif slot == "country":
            shown = country_name(value)
        elif slot == "content_language":
            shown = language_name(value)
        elif slot == "consent":
            shown = catalog.label("yes" if value else "no")
        else:
            shown = str(value)
        lines.append(f"• {catalog.label(slot)}: {shown}")
    return lines
