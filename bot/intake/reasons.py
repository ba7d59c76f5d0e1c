"""The sentence that tells the partner, in their language, why an affiliate will contact them.

The routing engine's reasons are written for staff, in English, and stored with the decision;
the partner gets one sentence per rule from the `reasons` of their language's catalogue
(bot/responses/<lang>.yml), filled with names in that language. Pure: no Rasa, no database.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.i18n.catalog import Catalog, country_name, language_name
from bot.vocab.regions import subdivisions


def region_name(code: str | None) -> str | None:
    """The usual name of an ISO 3166-2 subdivision ("US-OH" -> "Ohio"), or None."""
    if not code or "-" not in code:
        return None
    country = code.upper().partition("-")[0]
    names = (subdivisions().get(country) or {}).get(code.upper()) or []
    return str(names[0]) if names else None


def _template(catalog: Catalog, rule: str, slots: Mapping[str, Any]) -> str:
    if rule == "fallback" and not slots.get("country"):
        rule = "fallback_no_country"
    return catalog.reason(rule) or catalog.reason("default") or "{name}"


def partner_reason(*, rule: str, affiliate_name: str, affiliate_region: bool, affiliate_topics: tuple[str, ...],
                   slots: Mapping[str, Any], catalog: Catalog) -> str:
    """Why `affiliate_name` got the inquiry, as one sentence in the catalogue's language.

    `affiliate_region` says whether the affiliate works in the partner's region only (then the
    place is "Ohio, United States" rather than the country); `affiliate_topics` name what a
    thematic organisation works on.
    """
    language = catalog.language
    country = slots.get("country")
    place = country_name(country, language) if country else catalog.label("international")
    region = region_name(slots.get("region")) if affiliate_region else None
    if region:
        place = f"{region}, {place}"
    content = slots.get("content_language") or slots.get("language") or language
    values = {
        "name": affiliate_name,
        "place": place,
        "language": language_name(str(content), language),
        "topic": next((catalog.value_title("topic", t) for t in affiliate_topics if t in catalog.topics()), ""),
        "organization": slots.get("organization_name") or catalog.label("organization_name"),
    }
    try:
        return _template(catalog, rule, slots).format(**values)
    except (KeyError, IndexError, ValueError):  # a broken template must not break the reply
        return affiliate_name
