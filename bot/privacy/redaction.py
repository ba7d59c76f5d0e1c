"""E-mail addresses and phone numbers typed in free text, replaced before anything is stored.

A partner types "write to jane@museum.org or +33 1 23 45 67 89" into the description, the
organisation's name or any message. Unless it is a contact answer given after consent (sealed
instead, see `sealing`), the address and the number never reach the database: the transcript,
the slots and so the inquiry hold a placeholder in the conversation's language.

Deliberately broad: an over-eager match costs a number in a description, a missed one costs a
person's data in a table nobody reviews. Not detected: names ("I'm Jane from the museum") and
postal addresses, which no pattern recognises reliably.
"""

from __future__ import annotations

import re

#: Anything shaped like local@domain.tld (any script), trailing punctuation excluded.
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

#: A run of digits with the separators phone numbers are written with; judged by `_is_phone`.
_NUMBER_RUN = re.compile(r"(?<![\w@/.,])(?:\+|00)?\(?\d[\d\s().\-/]{6,}\d(?![\w@])")
#: "150 000 000", "1,200,000", "2.000.000": amounts grouped by thousands are not phone numbers.
_THOUSANDS = re.compile(r"\d{1,3}(?:([ ,.\u00a0\u202f])\d{3})(?:\1\d{3})*")
#: "2026-12-06", "06/12/2026", "2019-2024": dates and year ranges are not phone numbers.
_DATE_LIKE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|(?:1[89]|20)\d\d\s*[-/]\s*(?:1[89]|20)?\d\d"
)
#: Fewest digits of a phone number (a local number with its area code).
MIN_PHONE_DIGITS = 8

PLACEHOLDERS: dict[str, dict[str, str]] = {
    "email": {
        "en": "[e-mail address removed]",
        "es": "[dirección de correo eliminada]",
        "fr": "[adresse e-mail supprimée]",
        "pt": "[endereço de e-mail removido]",
        "de": "[E-Mail-Adresse entfernt]",
        "ar": "[حُذف عنوان البريد الإلكتروني]",
    },
    "phone": {
        "en": "[phone number removed]",
        "es": "[número de teléfono eliminado]",
        "fr": "[numéro de téléphone supprimé]",
        "pt": "[número de telefone removido]",
        "de": "[Telefonnummer entfernt]",
        "ar": "[حُذف رقم الهاتف]",
    },
    # What a sealed contact answer shows where its key is gone or the reader may not see it.
    "contact": {
        "en": "[contact details]",
        "es": "[datos de contacto]",
        "fr": "[coordonnées]",
        "pt": "[dados de contato]",
        "de": "[Kontaktdaten]",
        "ar": "[بيانات الاتصال]",
    },
}


def placeholder(kind: str, language: str | None) -> str:
    """The placeholder of `kind` (email, phone, contact) in `language`, English when unknown."""
    texts = PLACEHOLDERS[kind]
    return texts.get(language or "en", texts["en"])


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if digits < MIN_PHONE_DIGITS or digits > 16:
        return False
    bare = candidate.strip("()+ ")
    if _THOUSANDS.fullmatch(bare) or _DATE_LIKE.fullmatch(bare):
        return False
    if bare.isdigit():  # "12345678 images": a bare count, unless it is dialled like a number
        return digits >= 10 or candidate.startswith(("+", "0"))
    return True


def redact(text: str, language: str | None = None) -> str:
    """`text` with every e-mail address and phone number replaced by a placeholder."""
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text
    text = EMAIL.sub(lambda _: placeholder("email", language), text)

    def phone(match: re.Match[str]) -> str:
        found = match.group(0)
        stripped = found.rstrip(" .-/(")
        if not _is_phone(stripped):
            return found
        return placeholder("phone", language) + found[len(stripped):]

    return _NUMBER_RUN.sub(phone, text)


def contains_personal_data(text: str) -> bool:
    """Whether `text` holds an e-mail address or a phone number `redact` would remove."""
    return redact(text) != text
