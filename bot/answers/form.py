"""The reply to one question of the intake form: an answer, "I don't know", a skip, a question
back, a correction, a command for the dialogue, or a miss. Pure."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.answers.buttons import read_button
from bot.answers.corrections import names_old_answer, read_correction
from bot.answers.readings import ASKABLE, CLOSED, FREE_TEXT, NAMES, Kind, Message, Note, Reading
from bot.answers.values import read_choice, read_value
from bot.answers.wording import (
    LONG_MESSAGE_WORDS,
    is_question,
    opens_with_question_word,
    says,
    without_fillers,
    word_count,
)
from bot.intake import conversation
from bot.intake.model import Licence, OrganizationType, PartnershipType
from bot.intake.slots import CHOOSING_FIELD, FIELD, GUESSED, INTERNATIONAL, SKIPPED, language_of
from bot.vocab.terms import is_answer, languages_in, normalize_licence

#: Intents the dialogue's rules answer (a question about us, a command) rather than the form.
CONTROL_INTENTS = frozenset({
    "stop", "start_over", "switch_language", "request_article", "help", "ask_why", "faq_chapter",
    "faq_licences", "faq_data_use", "faq_response_time", "greet", "thank", "goodbye", "request_human",
})
#: Of those, the ones that can also be a free-text answer's intent by mistake only when short.
QUESTION_INTENTS = frozenset({"ask_why", "faq_chapter", "faq_licences", "faq_data_use", "faq_response_time", "help"})
#: The longest message taken for a request to speak another language where any text answers.
LANGUAGE_REQUEST_WORDS = 8
#: The longest message taken for a request to talk to a person where any text answers.
REQUEST_HUMAN_WORDS = 12
#: A greeting typed where a name is asked must be this sure to be taken as one.
GREETING_CONFIDENCE = 0.9
#: Where the partner may say "I don't know": the value taken (ROUTING.md), by slot.
DEFAULTS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "content_language": language_of,
    "licence": lambda known: Licence.UNSURE.value,
    "region": lambda known: None,
}
#: What skipping a question without a default stores (None: nothing, the question is dropped).
SKIPPED_VALUES: dict[str, Any] = {
    "partnership_type": PartnershipType.OTHER.value,
    "organization_type": OrganizationType.OTHER.value,
    "consent": False,
}
#: Organisation types that an organisation's name gives away without doubt.
NAMED_TYPES = frozenset({"museum", "library", "archive", "gallery", "university", "school"})


def read_answer(asked: str, message: Message, known: Mapping[str, Any]) -> Reading:
    """What `message` says in reply to question `asked`, given the answers `known` so far."""
    if message.is_button:
        return read_button(asked, message, known)
    if asked == FIELD:
        return _read_field(message, known)
    language, text = message.language, message.text
    dont_know, skip = says("dont_know", text, language), says("skip", text, language)
    if (dont_know or skip) and asked in DEFAULTS:
        return taken_default(asked, known)
    if skip:
        return skipped(asked, known)
    intent = message.confident_intent
    values, notes = read_value(asked, text, known, language)
    answered = asked in values
    if intent in CONTROL_INTENTS and not message.repeated and _is_control(
        asked, intent, answered, text, language, message.confidence
    ):
        return Reading(Kind.CONTROL)
    # Words inside a name, a description or an address are not corrections unless the partner
    # says so ("museum" in "ana@city-museum.org"), or names the old answer beside a new one
    # where a name is asked ("oops, I said Venezuela but it's Argentina").
    correcting = asked not in (*FREE_TEXT, "contact_email") or intent == "correct"
    corrected: Reading | None = read_correction(message, known, exclude={asked}, named_resets=False)
    if not correcting and not (
        asked in NAMES and not message.repeated and corrected and names_old_answer(corrected, text, known, language)
    ):
        corrected = None
    if corrected and corrected.values and (not answered or asked in FREE_TEXT):
        return corrected  # "actually the country should be Australia" is not a description
    named = conversation.field_named(text, language) if intent == "correct" else None
    if named and named != asked and named in conversation.CORRECTABLE:
        # "Sorry, the organisation name is wrong", said at the type question: the name is asked
        # again, and "Musée" in it is no answer to the type.
        return read_correction(message, known, exclude={asked})
    if intent == "correct" and not answered:
        # "The country is wrong": asked again; "I want to change an answer": which one?
        reset = read_correction(message, known, exclude={asked})
        return reset if reset.values else Reading(Kind.CORRECTION, {CHOOSING_FIELD: True})
    if asked == "consent" and not answered and intent in ("affirm", "deny") and word_count(text) <= 6:
        values["consent"], answered = intent == "affirm", True
    if asked in CLOSED and is_question(text, language) and (
        not answered or asked in ASKABLE and word_count(text) > 3 and opens_with_question_word(text, language)
    ):
        return Reading(Kind.QUESTION, notes=(Note(conversation.explanation_for(asked)),))
    if not answered:
        return Reading(Kind.MISS, values, tuple(notes))
    values.update(_beside(asked, text, known, language, values))
    if corrected and corrected.values:
        values = {**corrected.values, **values}
        notes.append(Note("utter_corrected"))
    return Reading(Kind.ANSWER, values, tuple(notes))


def _is_control(asked: str, intent: str, answered: bool, text: str, language: str, confidence: float) -> bool:
    """Whether a message the classifier took for a command or a question is one, at question
    `asked`. Only when it is short and plainly one ("why do you need my name?", "stop"): any
    text answers a free-text question, and a closed question's unreadable answer is a miss,
    counted so that the question is not asked a fourth time."""
    if asked in CLOSED and answered and not is_question(text, language):
        return False  # "Chad" at the country question is an answer, whatever the classifier says
    words = word_count(text)
    if words >= LONG_MESSAGE_WORDS:
        return False  # a description that happens to mention licences or articles
    if intent in QUESTION_INTENTS or intent == "request_article":
        return is_question(text, language) or (asked in CLOSED and words <= 3)
    if intent in ("greet", "thank", "goodbye"):
        return words <= 3 and confidence >= GREETING_CONFIDENCE  # "Sala Olmedo" is a name
    if intent == "switch_language":
        # "¿Podemos hablar en español?" at the name question asks to speak Spanish; "Italian
        # Cultural Institute" is a name that names a language.
        asks = is_question(text, language) or not _looks_like_a_name(text)
        return asks and words <= LANGUAGE_REQUEST_WORDS and bool(languages_in(text, language))
    if intent == "request_human":
        # "can I talk to a human please?" at the name question is not a name (issue 14); a
        # name written with capitals ("Human Rights Watch") still is.
        later = [w for w in text.split()[1:] if w[:1].isupper() and w not in ("I", "I'd", "I'm")]
        return words <= REQUEST_HUMAN_WORDS and len(later) < 2
    if asked in FREE_TEXT:
        # "Start Over Foundation" is a name, "Stop-Motion Studio" too; "start over please" is not.
        return words <= 3 and not _looks_like_a_name(text)
    return words <= 6


def _looks_like_a_name(text: str) -> bool:
    """Two words or more written with capitals, as names are ("Start Over Foundation")."""
    capitalised = [w for w in text.split() if w[:1].isupper()]
    return len(capitalised) >= 2


def _beside(asked: str, text: str, known: Mapping[str, Any], language: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Other answers named beside the one asked ("a museum in Lyon" fills the country), only
    where none was given: words inside a name or description never overwrite an answer. An
    organisation's name tells its type only when the type is unmistakable ("Stadtmuseum", not
    "Société d'histoire"), and then it also replaces a type only guessed from the opening, which
    is as often about the project as about the organisation ("our lab" at the University of
    Mombasa, "las clases de bachillerato" of the Universidad de Maracaibo)."""
    if asked in ("project_description", "contact_name", "contact_email", "consent"):
        return {}
    out: dict[str, Any] = {}
    guessed = "organization_type" in (known.get(GUESSED) or ())
    if asked == "organization_name" and "organization_type" not in values and (
            known.get("organization_type") is None or guessed):
        kind, several = read_choice("organization_type", text, language)
        # "Förderverein Stadtmuseum" names two kinds: no guess from it then.
        if kind in NAMED_TYPES and not several and kind != known.get("organization_type"):
            out["organization_type"] = kind
    for slot in ("organization_type", "country"):
        if slot == asked or known.get(slot) is not None or slot in values or slot in out:
            continue
        if slot == "organization_type" and asked == "organization_name":
            continue
        if slot == "country" and (known.get(INTERNATIONAL) or INTERNATIONAL in values):
            continue
        found, _ = read_value(slot, text, known, language, asked=False)
        out.update({k: v for k, v in found.items() if k == slot or known.get(k) is None})
    if asked != "licence" and known.get("licence") is None and asked not in FREE_TEXT:
        licence = normalize_licence(text, language)
        if licence and licence is not Licence.UNSURE:
            out["licence"] = licence.value
    return out


def _read_field(message: Message, known: Mapping[str, Any]) -> Reading:
    """The reply to "Which answer would you like to change?": a new value, a named answer, or
    "none" (the answers stay as they are)."""
    text, language = message.text, message.language
    done = {FIELD: None, CHOOSING_FIELD: False}
    if (says("skip", text, language) or says("nothing_to_change", text, language)
            or is_answer("no", without_fillers(text, language), language)):
        return Reading(Kind.SKIP, done)
    reading = read_correction(message, known)
    if reading.kind is Kind.CORRECTION:
        return Reading(Kind.CORRECTION, {**done, **reading.values}, reading.notes)
    return reading


def taken_default(slot: str, known: Mapping[str, Any]) -> Reading:
    """The question's default, taken and said (ROUTING.md: language, licence, region)."""
    value = DEFAULTS[slot](known)
    values: dict[str, Any] = {slot: value}
    if value is None:
        values[SKIPPED] = conversation.with_skipped(known.get(SKIPPED), slot)
    params = {"language_code": value} if slot == "content_language" else {}
    return Reading(Kind.DEFAULT, values, (Note(f"utter_default_{slot}", params),))


def skipped(slot: str, known: Mapping[str, Any] | None = None) -> Reading:
    """The question left out, and said so; consent skipped means no contact details."""
    values: dict[str, Any] = {slot: SKIPPED_VALUES.get(slot)}
    if slot in ("consent", "contact_email"):
        values.update(conversation.refused_consent())
    if values[slot] is None:
        values[SKIPPED] = conversation.with_skipped((known or {}).get(SKIPPED), slot)
    return Reading(Kind.SKIP, values, (Note("utter_skipped"),))
