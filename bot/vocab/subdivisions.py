"""Subdivisions (ISO 3166-2) by name, from subdivisions.yml: the table both the country reader
("New Mexico" is in the US, not Mexico) and the region reader use. Pure."""
from __future__ import annotations

from functools import lru_cache

from bot.vocab.text import Phrase, load_data, phrase_mode, place_variants


@lru_cache(maxsize=1)
def subdivisions() -> dict[str, dict[str, list[str]]]:
    """{alpha-2: {ISO 3166-2 code: [names]}} from subdivisions.yml."""
    table = load_data("subdivisions.yml").get("countries") or {}
    return {
        str(country): {f"{country}-{code}": [str(n) for n in names] for code, names in subs.items()}
        for country, subs in table.items()
    }


def region_phrases(country: str | None = None) -> list[Phrase]:
    """Name phrases of the subdivisions of `country` (all countries when None); value = code."""
    out: list[Phrase] = []
    for alpha2, subs in subdivisions().items():
        if country in (None, alpha2):
            for code, names in subs.items():
                for name in names:
                    mode = phrase_mode(name)
                    out += [Phrase(v, code, mode) for v in sorted(place_variants(name))]
    return out
