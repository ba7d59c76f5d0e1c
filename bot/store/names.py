"""Organisation name normalisation and inquiry references (pure helpers)."""

from __future__ import annotations

import secrets
import unicodedata

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "WMP-"
REFERENCE_LENGTH = 8  # random characters after the prefix


def normalize_org_name(name: str | None) -> str:
    """Casefold, strip accents and punctuation, collapse spaces.

    "Musée  d'Orsay!" -> "musee d orsay"; None or a blank name -> "".
    """
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    unaccented = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    cleaned = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in unaccented)
    return " ".join(cleaned.split())


def new_reference() -> str:
    """A fresh reference: "WMP-" and 8 random Crockford base32 characters."""
    return REFERENCE_PREFIX + "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(REFERENCE_LENGTH))


def canonical_reference(text: str) -> str:
    """A reference as typed by a person, canonicalised: "wmp-abcd efgo" -> "WMP-ABCDEFG0".

    Crockford base32 is case-insensitive and reads I and L as 1, O as 0; spaces and dashes
    inside the code are ignored.
    """
    compact = "".join(text.split()).upper().replace("-", "")
    prefix = REFERENCE_PREFIX.rstrip("-")
    if compact.startswith(prefix) and len(compact) == len(prefix) + REFERENCE_LENGTH:
        compact = compact[len(prefix) :]
    return REFERENCE_PREFIX + compact.translate(_CROCKFORD_READS)


_CROCKFORD_READS = str.maketrans({"I": "1", "L": "1", "O": "0"})


#: Words of a search kept: enough for any name, and a bound on the query's conditions.
MAX_SEARCH_WORDS = 8


def search_words(query: str | None) -> list[str]:
    """The distinct words of a search, folded like names: "Médiathèque  BREST" -> ["mediatheque",
    "brest"]. Each must appear (in any order) for a record to match: people type the words they
    remember of a name, not a contiguous part of it."""
    return list(dict.fromkeys(normalize_org_name(query).split()))[:MAX_SEARCH_WORDS]
