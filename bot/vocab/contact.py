"""Contact details typed in a chat: an e-mail address and a person's name."""

from __future__ import annotations

import re
import unicodedata

from bot.vocab.text import clean, language_list

MAX_EMAIL = 254
MAX_LOCAL = 64
MAX_NAME = 100
MAX_MESSAGE = 20_000

_CANDIDATE = re.compile(r"[^\s<>@,;:\"()\[\]]+@[^\s<>@,;:\"()\[\]]+")
_LOCAL = re.compile(r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*")
_LABEL = re.compile(r"[^\W_](?:[\w-]{0,61}[^\W_])?")
_TLD = re.compile(r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})")
_TRAILING = ".,;:!?)]}>'\""
#: Characters a name may contain besides letters, combining marks and spaces.
_NAME_PUNCTUATION = frozenset("'’-.,")


def normalize_email(text: object) -> str | None:
    """The e-mail address in `text` with its domain lower-cased, or None.

    The address may be surrounded by words ("my email is a@b.org please"). Rejected: no "@",
    spaces inside the address, consecutive dots, a domain without a top-level domain, more than
    254 characters. Never raises.
    """
    if not isinstance(text, str) or "@" not in text:
        return None
    match = _CANDIDATE.search(clean(text, limit=MAX_MESSAGE))
    if not match:
        return None
    address = match.group(0).rstrip(_TRAILING)
    if len(address) > MAX_EMAIL or ".." in address:
        return None
    local, _, domain = address.rpartition("@")
    labels = domain.split(".")
    if not local or len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local) or len(labels) < 2:
        return None
    if not all(_LABEL.fullmatch(label) for label in labels[:-1]):
        return None
    if not _TLD.fullmatch(labels[-1].lower()):
        return None
    return f"{local}@{domain.lower()}"


def normalize_person_name(text: object, language: str = "en") -> str | None:
    """A person's name, trimmed, spaces collapsed, HTML removed; 1-100 characters, or None.

    Leading phrases such as "my name is" are dropped. Names contain letters (any script),
    spaces, apostrophes, hyphens, dots and commas; anything else (digits, symbols, emoji,
    markup leftovers) rejects the input rather than guessing. Never raises.
    """
    if not isinstance(text, str):
        return None
    name = clean(text, limit=4 * MAX_NAME).replace("’", "'")
    for prefix in sorted(language_list("name_prefixes", language), key=len, reverse=True):
        pattern = r"^" + re.escape(prefix.replace("’", "'")) + r"(?:\s+|(?<=:)|$)"
        stripped = re.sub(pattern, "", name, count=1, flags=re.IGNORECASE).strip()
        if stripped != name:
            name = stripped
            break
    name = name.strip(" ,.;:!")
    if not name or len(name) > MAX_NAME:
        return None
    if not any(c.isalpha() for c in name):
        return None
    for char in name:
        category = unicodedata.category(char)
        if not (category[0] in "LM" or char == " " or char in _NAME_PUNCTUATION):
            return None
    return name
