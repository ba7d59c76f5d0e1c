"""Changes to earlier answers, said in plain words anywhere in the conversation ("the country
is wrong, it is Belgium, not France"). Pure."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.answers.buttons import read_button
from bot.answers.readings import Kind, Message, Note, Reading
from bot.answers.values import first_meant, mentions
from bot.answers.wording import clauses
from bot.intake import conversation
from bot.intake.model import Licence
from bot.intake.slots import COUNTRY, INTERNATIONAL
from bot.vocab.contact import normalize_email
from bot.vocab.countries import city_location
from bot.vocab.regions import normalize_region
from bot.vocab.terms import normalize_licence


def read_correction(message: Message, known: Mapping[str, Any], *, exclude: set[str] | frozenset[str] = frozenset(),
                    named_resets: bool = True) -> Reading:
    """Changes to earlier answers in `message` ("the country is wrong, it's Belgium, not France").

    A value counts when it differs from the answer given; among several, the one not negated.
    The partnership type changes only when the partner names it ("change the partnership to an
    event"): its words are too common in other sentences. With `named_resets`, an answer named
    without a new value ("the country is wrong") is forgotten, so that it is asked again.
    """
    language, text = message.language, message.text
    if message.is_button:
        reading = read_button("", message, known)
        return reading if reading.kind is Kind.CORRECTION else Reading(Kind.CONTROL)
    named = conversation.field_named(text, language)
    out: dict[str, Any] = {}
    for slot in ("country", "organization_type", "content_language", "licence", "partnership_type", "contact_email"):
        if slot in exclude or (slot == "partnership_type" and named != slot):
            continue
        if slot == "contact_email":
            email = normalize_email(text)
            if email and known.get("consent") and known.get("contact_email") not in (None, email):
                out["contact_email"] = email
            continue
        if slot == "licence":
            found = normalize_licence(text, language)
            value = found.value if found else None
            if found is Licence.UNSURE and named != "licence":
                # "ما بعرف" (I don't know) at another question is about that question, not a
                # change of heart about the licence given earlier.
                continue
            if value and value != known.get("licence") and (known.get("licence") or named == "licence"):
                out["licence"] = value
            continue
        value, _ = first_meant(mentions(slot, text, language), known.get(slot))
        if value is None or value == known.get(slot):
            continue
        if known.get(slot) is None and named != slot and not (slot == COUNTRY and known.get(INTERNATIONAL)):
            continue  # not a correction: nothing was answered there yet
        if slot == COUNTRY:
            place = city_location(text)  # a city in the new country gives its region
            region = place[1] if place and place[0] == value else None
            out.update(conversation.country_answer(value, region or None))
        else:
            out[slot] = value
    if named == "region" and "region" not in exclude and known.get("country"):
        code = normalize_region(text, known["country"])
        if code and code != known.get("region"):
            out["region"] = code
    if out:
        return Reading(Kind.CORRECTION, out, (Note("utter_corrected"),))
    if named_resets and named and named not in exclude:
        return Reading(Kind.CORRECTION, conversation.reset(named, known))
    return Reading(Kind.MISS)


def names_old_answer(corrected: Reading, text: str, known: Mapping[str, Any], language: str) -> bool:
    """Whether a message that changes the country also names the country it replaces, with a
    turn of phrase between them ("I said Venezuela but it's Argentina"). Names hold places and
    kinds of organisation ("Amis du Musée"), never such a turn."""
    if "country" not in corrected.values or not known.get("country") or len(clauses(text, language)) < 2:
        return False
    return any(value == known["country"] for value, _ in mentions("country", text, language))
