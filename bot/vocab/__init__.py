"""The assistant's vocabulary: pure normalisers from free text to slot values.

Tables live in bot/vocab/data/*.yml (phrases keyed by language) and are loaded lazily; Babel
supplies localised country and language names. No Rasa imports here.
"""

from __future__ import annotations

from bot.vocab.contact import normalize_email, normalize_person_name
from bot.vocab.countries import city_location, country_codes, normalize_country
from bot.vocab.regions import countries_needing_region, normalize_region
from bot.vocab.terms import (
    normalize_language,
    normalize_licence,
    normalize_organization_type,
    normalize_partnership_type,
)

__all__ = [
    "city_location",
    "countries_needing_region",
    "country_codes",
    "normalize_country",
    "normalize_email",
    "normalize_language",
    "normalize_licence",
    "normalize_organization_type",
    "normalize_partnership_type",
    "normalize_person_name",
    "normalize_region",
]
