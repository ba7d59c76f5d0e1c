"""Pure rules of the intake conversation: which questions to ask, the summary, corrections.

Kept free of Rasa so it can be tested without a server; the actions in `actions/` adapt it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.i18n import Catalog
from bot.intake import LANGUAGE_TYPES, LICENSED_TYPES, PartnershipType
from bot.vocab.terms import named_field

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
    "city", "international", "field", "choosing_field", "misses", "offer_buttons", "confirmed",
)
#: After this many unrecognised answers to one question, offer buttons.
MISSES_BEFORE_BUTTONS = 2


def _ptype(slots: Mapping[str, Any]) -> PartnershipType | None:
    try:
        return PartnershipType(slots.get("partnership_type"))
    except ValueError:
        return None


def needed_slots(slots: Mapping[str, Any], *, region_countries: Iterable[str]) -> list[str]:
    """The questions this inquiry needs, in order, given what is known so far."""
    if slots.get("stage") == "submitted":
        return []
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


def field_from_text(text: str | None, catalog: Catalog) -> str | None:
    """The slot a partner names when asking to change an answer ("change the country")."""
    if not text:
        return None
    lowered = text.casefold()
    if lowered in CORRECTABLE:
        return lowered
    for slot in CORRECTABLE:
        label = catalog.label(slot).casefold()
        if label and label in lowered:
            return slot
    return named_field(text, catalog.language)
