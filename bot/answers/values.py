"""One answer at a time: the contract's value that a partner's words give for one question
("a small city museum" -> museum, "Belgium, not France" -> BE, "I'm Ana, ana@x.org" -> both).
Pure; the phrase tables are the vocabulary's (bot/vocab)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from bot.answers.readings import Note
from bot.answers.wording import (
    clauses,
    is_negated,
    name_beside_email,
    starts_with_answer,
    strip_prefixes,
    without_courtesies,
    without_fillers,
)
from bot.intake import conversation
from bot.intake.model import Licence
from bot.intake.slots import language_of
from bot.vocab.contact import normalize_email, normalize_person_name
from bot.vocab.countries import city_location, countries_in, exact_country, near_country, without_countries
from bot.vocab.regions import normalize_region
from bot.vocab.terms import is_answer, languages_in, near_language, near_value, normalize_licence, values_in
from bot.vocab.text import clean

MAX_NAME = 200
MAX_DESCRIPTION = 2000


def first_meant(found: list[tuple[str, bool]], current: Any = None) -> tuple[str | None, bool]:
    """The value the partner means among (value, negated) mentions, and whether several
    different values were named: the first one not negated; if every one is negated, the one
    that differs from the current answer."""
    meant = [v for v, negated in found if not negated]
    if meant:
        new = [v for v in meant if v != current]  # "I said Venezuela but it's Argentina"
        return (new or meant)[0], len(dict.fromkeys(meant)) > 1
    if current is None:
        return None, False  # "we're not a museum" answers nothing
    others = list(dict.fromkeys(v for v, _ in found if v != current))
    return (others[0] if len(others) == 1 else None), False


def mentions(kind: str, text: str, language: str, *, codes: bool = False) -> list[tuple[str, bool]]:
    """(value, negated) for each `kind` value named in `text`, clause by clause. Bare ISO codes
    ("FR", "jo") count only with `codes`: where the question asks for a country."""
    out: list[tuple[str, bool]] = []
    for clause in clauses(text, language) or [text]:
        negated = is_negated(clause, language)
        if kind == "country":
            values = countries_in(clause, language, codes=codes)
            place = city_location(clause)
            if place and place[0] not in values and place[0] in countries_in(text, language, codes=False):
                values = []  # "Salvador, Brasil" is the city of Salvador, not El Salvador
        elif kind == "content_language":
            # "الإمارات العربية المتحدة" (United Arab Emirates) names no language.
            values = languages_in(without_countries(clause, language), language)
        else:
            values = values_in(kind, clause, language, near_wiki=kind != "organization_type")
        out += [(v, negated) for v in values]
    return out


def read_choice(kind: str, text: str, language: str) -> tuple[str | None, bool]:
    """The partnership or organisation type a sentence describes: of the values not negated, the
    one named most often, the first on a tie ("donate our collection metadata to Wikidata" is a
    data donation; "a library, not a museum" a library)."""
    meant = [v for v, negated in mentions(kind, text, language) if not negated]
    if not meant:
        return None, False
    counts = Counter(meant)
    first = {v: -meant.index(v) for v in meant}
    for preferred in _TIE_PREFERENCES.get(kind, ()):
        if preferred in counts:
            first[preferred] = 1
            break
    if kind == "organization_type" and set(counts) == {"research_institute", "university"}:
        # "the history institute of a university", "un laboratoire de l'université": a university.
        first["university"] = 1
    return max(meant, key=lambda v: (counts[v], first[v])), len(counts) > 1


#: On a tie, the value that says more: "access to your data through the API" is technology, not
#: a donation. Otherwise the first named wins (partners name themselves first).
_TIE_PREFERENCES = {"partnership_type": ("technology",)}


def read_value(slot: str, text: str, known: Mapping[str, Any], language: str,
               *, asked: bool = True) -> tuple[dict[str, Any], list[Note]]:
    """The values `text` gives as the answer to question `slot` ({} when none), with notes.
    With `asked` False the text answers another question: bare codes do not count there."""
    notes: list[Note] = []
    text = clean(text)
    if not text:
        return {}, notes
    if slot in ("partnership_type", "organization_type"):
        value, _ = read_choice(slot, text, language)
        if value is None and asked:
            value = near_value(slot, text, language)
        return ({slot: value} if value else {}), notes
    if slot == "licence":
        found = normalize_licence(without_fillers(text, language), language)
        if found is Licence.RESTRICTED:
            notes.append(Note("utter_restricted_licence"))
        return ({"licence": found.value} if found else {}), notes
    if slot == "country":
        return _read_country(text, known, language, notes, codes=asked), notes
    if slot == "region":
        country = known.get("country")
        code = normalize_region(without_fillers(text, language), country) if country else None
        return ({"region": code} if code else {}), notes
    if slot == "content_language":
        if is_answer("same_language", without_fillers(text, language), language):
            return {"content_language": language_of(known)}, notes
        code, several = read_choice("content_language", text, language)
        if code is None and asked:
            code = near_language(text, language)
        if code and several:
            notes.append(Note("utter_main_language", {"language_code": code}))
        return ({"content_language": code} if code else {}), notes
    if slot == "consent":
        answer = _yes_or_no(text, language)
        return ({"consent": answer} if answer is not None else {}), notes
    if slot == "contact_email":
        email = normalize_email(text)
        return ({"contact_email": email} if email else {}), notes
    if slot == "contact_name":
        return _read_name_and_email(text, known, language), notes
    if slot == "organization_name":
        name = " ".join(strip_prefixes(without_fillers(text, language), "organization_name_prefixes", language).split())
        if 1 <= len(name) <= MAX_NAME and any(ch.isalnum() for ch in name):
            return {"organization_name": name.strip(" ,;")}, notes  # "S.A. de C.V." keeps its dot
        return {}, notes
    if slot == "project_description":
        description = " ".join(text.split())
        if 3 <= len(description) <= MAX_DESCRIPTION and any(ch.isalpha() for ch in description):
            return {"project_description": description}, notes
        return {}, notes
    return {}, notes


def _read_country(text: str, known: Mapping[str, Any], language: str, notes: list[Note],
                  *, codes: bool = True) -> dict[str, Any]:
    bare = without_fillers(text, language)
    if is_answer("international", bare, language):
        return conversation.country_answer(None)
    # A whole answer that is one country's name is that country, whatever its punctuation:
    # "Congo - Kinshasa." is not two clauses, "Congo" and "Kinshasa".
    whole = exact_country(bare, language, codes=codes)
    code, several = (whole, False) if whole else first_meant(mentions("country", text, language, codes=codes),
                                                              known.get("country"))
    region = known.get("region")
    place = city_location(text)
    if code is None and place:
        code, region = place
    if code is None and codes:  # only where the country was asked, as for bare codes
        code = near_country(text, language)
    elif place and place[0] == code and place[1]:
        region = place[1]
    if code is None:
        return {}
    if several:
        notes.append(Note("utter_main_country", {"country_code": code}))
    if region and not str(region).upper().startswith(code + "-"):
        region = None
    return conversation.country_answer(code, region)


def read_yes_no(text: str, language: str) -> bool | None:
    """True for a yes ("sí, claro"), False for a no, None for anything else."""
    return _yes_or_no(clean(text), language)


def _yes_or_no(text: str, language: str) -> bool | None:
    bare = without_fillers(text, language)
    # The first clause that is not a filler: "OK, I'd rather you didn't" is a no.
    parts = [c for c in clauses(bare, language) if without_fillers(c, language).strip()]
    # "sí gracias": the answer before the courtesy (a comma would have made it a clause of its own).
    for candidate in (text, bare, parts[0] if parts else "", without_courtesies(text, language),
                      without_courtesies(bare, language)):
        if is_answer("yes", candidate, language):
            return True
        if is_answer("no", candidate, language):
            return False
    if parts:  # "I'd rather not, thanks" / "أفضل ألا تفعلوا": a clause that starts with one
        found = starts_with_answer(parts[0], language)
        if found is not None:
            return found
    first = clauses(text, language)[:1]  # "sure, go ahead": the filler was the answer
    if first and is_answer("yes", first[0], language):
        return True
    return None


def _read_name_and_email(text: str, known: Mapping[str, Any], language: str) -> dict[str, Any]:
    """A name, and the e-mail address when the partner gave both in one message."""
    email = normalize_email(text)
    out: dict[str, Any] = {}
    if email:
        at = text.find("@")
        start = text.rfind(" ", 0, at) + 1
        end = text.find(" ", at)
        end = len(text) if end < 0 else end
        text = name_beside_email(text, (start, end), language)
        if known.get("consent") is True:
            out["contact_email"] = email
    name = normalize_person_name(without_fillers(text, language), language) if text else None
    if name:
        out["contact_name"] = name
    return out


# -- a whole message ---------------------------------------------------------------------------
