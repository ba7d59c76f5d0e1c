"""The message that starts an intake: what it already answers, and whether it plainly asks to
work with Wikimedia at all (entities alone never do). Pure."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.answers.buttons import read_button
from bot.answers.readings import Message
from bot.answers.values import MAX_DESCRIPTION, read_choice, read_value
from bot.answers.wording import says_any, word_count
from bot.intake.model import Licence, OrganizationType
from bot.intake.slots import GUESSED, INTERNATIONAL, OPENING
from bot.vocab.terms import normalize_licence
from bot.vocab.text import clean, fold, words

#: An opening this long that names a partnership already describes the project.
DESCRIPTIVE_OPENING_WORDS = 12


def read_opening(message: Message, known: Mapping[str, Any]) -> dict[str, Any]:
    """What a free message says about the inquiry (the sentence that starts it): the partnership,
    the organisation's type, its country (or city), the language of the material and the licence.
    Contact details are never taken before the partner consents."""
    if message.is_button:
        return read_button("", message, known).values
    text, language = clean(message.text), message.language
    values: dict[str, Any] = {}
    for slot in ("partnership_type", "organization_type", "country", "content_language"):
        if slot == "organization_type" and known.get(slot) is None:
            # "classes de bachillerato ... una universidad" names two kinds: the type is asked.
            kind, several = read_choice(slot, text, language)
            if kind and not several:
                values[slot] = kind
            continue
        if known.get(slot) is None:
            found, _ = read_value(slot, text, known, language, asked=False)
            values.update({k: v for k, v in found.items() if v is not None or k == INTERNATIONAL})
    if known.get("licence") is None:
        licence = normalize_licence(text, language)
        if licence and licence is not Licence.UNSURE:
            values["licence"] = licence.value
    if values.get("organization_type") == OrganizationType.ARCHIVE.value:
        # "We'd like to release our photo archive": an archive is as often what partners give
        # as who they are; the type is asked.
        del values["organization_type"]
    guesses = [slot for slot in ("organization_type", "country") if values.get(slot)]
    if guesses:
        values[GUESSED] = guesses
    if word_count(text) >= 3:
        values[OPENING] = text
        if "partnership_type" in values and word_count(text) >= DESCRIPTIVE_OPENING_WORDS:
            values["project_description"] = text[:MAX_DESCRIPTION]
    return values


def names_a_partnership(message: Message) -> bool:
    """Whether a free message names a kind of partnership ("photos", "an edit-a-thon"), or
    offers material under a licence ("newspapers ... under CC0")."""
    found, _ = read_value("partnership_type", message.text, {}, message.language, asked=False)
    if found:
        return True
    licence = normalize_licence(message.text, message.language)
    return licence is not None and licence not in (Licence.UNSURE, Licence.RESTRICTED)


def names_wikimedia(message: Message) -> bool:
    """Whether a message names a Wikimedia project ("Wikipedia", "Commons", "ويكيبيديا")."""
    keys = [fold(w) for w in words(message.text)]
    return any(k.startswith(("wiki", "ويكي")) or k in ("commons", "كومنز") for k in keys)


def wants_partnership(message: Message) -> bool:
    """Whether a free message plainly asks to work with Wikimedia: it names a Wikimedia project
    ("Commons", "Wikipedia") or a wish to partner ("collaborate", "donate") beside a kind of
    partnership, or names both. Words of everyday requests ("videos", "education", "data")
    alone never are."""
    wiki = names_wikimedia(message)
    partnering = says_any("partnering", message.text, message.language)
    return (wiki or partnering) and (names_a_partnership(message) or wiki and partnering)
